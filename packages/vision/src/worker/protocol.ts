import type { ClassifierSpec } from '../models/keras-classifier.ts';
import type { FaceThresholds } from '../models/face-analyser.ts';
import type { ScoredBox } from '../models/ssd-face-detector.ts';
import type { ModelLoadReport, RgbImage } from '../models/vision-model.ts';

/** A stored file a worker reads, checks against its SHA-256, and decodes. */
export interface FileTask {
  readonly path: string;
  readonly sha256: string;
  /** How the file is named in errors (item id and name). */
  readonly label: string;
}

export interface FileFailure {
  readonly error: { readonly code: string; readonly message: string; readonly file: string; readonly hint?: string };
}

export interface DecodedInfo {
  readonly width: number;
  readonly height: number;
  readonly format: string;
  /** SHA-256 of the pixels the model was given. */
  readonly pixelsSha256: string;
}

export interface ClassifiedImage extends DecodedInfo {
  readonly probabilities: Float32Array;
  readonly embedding: Float32Array;
}

export interface FoundFace {
  /** x, y, width, height in the picture's own (upright) pixels. */
  readonly box: readonly [number, number, number, number];
  readonly score: number;
  readonly confirmation: number | null;
  readonly groupable: boolean;
  readonly landmarks: ReadonlyArray<readonly [number, number]> | null;
  readonly descriptor: Float32Array | null;
}

export interface FacesInImage extends DecodedInfo {
  /** The picture was analysed at this size (scaled down to 1280 px at most); boxes are scaled back. */
  readonly analysedWidth: number;
  readonly analysedHeight: number;
  readonly faces: readonly FoundFace[];
}

export interface FrameForDetection {
  /** 512×512, scaled to fit, top-left aligned. */
  readonly pixels: RgbImage;
  readonly width: number;
  readonly height: number;
}

export type WorkerRequest =
  | { type: 'load-classifier'; spec: ClassifierSpec; folder?: string }
  | { type: 'load-faces'; thresholds: FaceThresholds; folder?: string }
  | { type: 'load-detector'; minScore: number; folder?: string }
  | { type: 'classify-files'; spec: ClassifierSpec; files: FileTask[] }
  | { type: 'classify-pixels'; spec: ClassifierSpec; images: RgbImage[] }
  | { type: 'faces-files'; thresholds: FaceThresholds; files: FileTask[] }
  | { type: 'detect-frames'; minScore: number; frames: FrameForDetection[] }
  | { type: 'detect-files'; minScore: number; files: FileTask[] }
  | { type: 'memory' };

export type LoadReply = ModelLoadReport;
export type ClassifyFilesReply = Array<ClassifiedImage | FileFailure>;
export type ClassifyPixelsReply = Array<Omit<ClassifiedImage, keyof DecodedInfo>>;
export type FacesFilesReply = Array<FacesInImage | FileFailure>;
export type DetectFramesReply = ScoredBox[][];
/**
 * One worker's memory: its JavaScript heap, buffers outside it, the WebAssembly backend's linear memory, and tensors
 * held.
 */
export interface WorkerMemory {
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly wasmMemoryBytes: number;
  readonly tensorBytes: number;
}

export type DetectFilesReply = Array<(DecodedInfo & { readonly boxes: ScoredBox[] }) | FileFailure>;
