import type { BackendIdentity } from '../runtime/backend.ts';

/** Decoded 8-bit RGB pixels, row by row, three bytes a pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface ModelLoadReport {
  readonly backend: BackendIdentity;
  /** Multiply-adds of one run on one image at the model's input size. */
  readonly multiplyAdds: number;
}

/**
 * The one contract every model implements. `load()` checks the model's files against the manifest
 * and loads them onto the selected backend; `run()` takes a batch and returns one result per input,
 * in order. Models never read the clock or random numbers: the same batch gives the same bytes on
 * the same backend.
 */
export interface VisionModel<Input, Output> {
  readonly id: string;
  readonly version: string;
  load(): Promise<ModelLoadReport>;
  run(batch: readonly Input[]): Promise<Output[]>;
  dispose(): void;
}
