import type { QuantizedPoints } from '../potree/kernel.mjs';

export declare const SPILL_MAGIC: number;
export declare const FLAG_RGB: number;
export declare const FLAG_INTENSITY: number;
export declare const FLAG_CLASS: number;

export interface SpillBatch extends QuantizedPoints {
  flags: number;
}

export declare function writeBatch(
  fd: number,
  count: number,
  xyz: Int32Array,
  rgb?: Uint16Array,
  intensity?: Uint16Array,
  classification?: Uint8Array,
): number;
export declare function readBatches(path: string, from?: number, to?: number): Generator<SpillBatch>;
export declare function readAllBatches(paths: string | string[], count: number, layout: { attributes: { rgb: boolean; intensity: boolean; classification: boolean } }): QuantizedPoints;
export interface DistributeTask {
  spillPath: string;
  from: number;
  to: number;
  /** SharedArrayBuffer (or ArrayBuffer) of an Int32Array: counting-grid cell → chunk index. */
  cellChunk: ArrayBufferLike;
  cube: { x: number; y: number; z: number; size: number };
  countBits: number;
  chunkCount: number;
  layout: { bytesPerPoint: number; attributes: { rgb: boolean; intensity: boolean; classification: boolean } };
  prefix: string;
}
export declare function distributeSlice(task: DistributeTask): number[];
export interface LasSource {
  path: string;
  pointDataOffset: number;
  recordLength: number;
  pointFormat: number;
  scale: [number, number, number];
  offset: [number, number, number];
  count: number;
}
export interface LasSliceTask {
  las: LasSource;
  first: number;
  count: number;
  offset: number[];
  scale: number;
  cube?: { x: number; y: number; z: number; size: number };
  countBits: number;
  batchPoints: number;
}
export interface LasSliceResult {
  tooFar?: { coordinate: number; origin: number; scale: number };
  flags: number;
  intMin: number[];
  intMax: number[];
  ranges: { posMin: number[]; posMax: number[] };
  counts?: Uint32Array;
}
export interface LasDistributeResult {
  counts: number[];
  ranges: { rgbMin: number[]; rgbMax: number[]; intensityMin: number; intensityMax: number; classMin: number; classMax: number };
}
export declare function lasCountSlice(task: LasSliceTask): LasSliceResult;
export declare function lasDistributeSlice(task: LasSliceTask & Omit<DistributeTask, 'spillPath' | 'from' | 'to'>): LasDistributeResult;
