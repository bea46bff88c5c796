/**
 * `RenderBackend`: how a frame becomes pixels. One implementation today, headless Chromium driving the
 * viewer's render mode (chromium-backend.ts): measured here it is the one backend that runs the viewer's
 * own code (headless-gl offers WebGL 1 only, and three.js r18x needs WebGL 2; Dawn finds no WebGPU adapter).
 */
import type { FrameStats, RenderInfo, RenderPageSettings } from './page-contract.ts';

export interface RenderBackend {
  readonly id: string;
  /** Engine and version, e.g. `Chromium 156.0.8078.114`. */
  version(): Promise<string>;
  /** A page showing the scene at `url` at a fixed size, kept open for the next chunk of the same render. */
  open(url: string, width: number, height: number, key: string): Promise<RenderPage>;
  /** Closes the page opened under `key` (after a failed frame its state is not trusted). */
  discard(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface RenderPage {
  readonly info: RenderInfo;
  configure(settings: RenderPageSettings): Promise<{ colorMode: string; edl: boolean }>;
  /** Draws frame `n` and hands back its PNG bytes; stops with the signal. */
  frame(n: number, signal: AbortSignal): Promise<{ png: Buffer; stats: FrameStats }>;
}
