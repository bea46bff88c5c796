/** Types of node-tasks.mjs. */
import type { IntCube, Sampler } from '../potree/kernel.mjs';

export interface RecordLayoutLike {
  bytesPerPoint: number;
  rgbOffset: number;
  intensityOffset: number;
  classificationOffset: number;
}

export interface SubtreeTask {
  chunksPath: string;
  byteOffset: number;
  count: number;
  name: string;
  cube: IntCube;
  layout: RecordLayoutLike;
  maxLeafPoints: number;
  sampler: string;
  octreePath: string;
  /** This chunk's index in `shared`. */
  slot: number;
  /** SharedArrayBuffers: Float64Array of byte offsets in octree.bin, Int32Array of flags (1 = set, −1 = stop). */
  shared: { offsets: SharedArrayBuffer; flags: SharedArrayBuffer };
}

export interface WrittenNode {
  name: string;
  count: number;
  /** Byte offset in octree.bin. */
  offset: number;
  size: number;
  childMask: number;
  sha256: string;
}

export interface SubtreeResult {
  root: { count: number; childMask: number; records: Uint8Array };
  nodes: WrittenNode[];
}

export interface NodeRecords {
  count: number;
  childMask: number;
  records: Uint8Array;
}

export interface UpperNodeTask {
  name: string;
  cube: IntCube;
  childMask: number;
}

export interface MergeTask {
  upper: UpperNodeTask[];
  roots: ({ name: string } & NodeRecords)[];
  layout: RecordLayoutLike;
  sampler: string;
}

export declare function positionsOf(records: Uint8Array, count: number, bpp: number): Int32Array;
export declare function gatherRecords(
  records: Uint8Array,
  order: Uint32Array,
  start: number,
  count: number,
  bpp: number,
  out: Uint8Array,
  at: number,
): Uint8Array;
export declare function sha256Hex(bytes: Uint8Array): string;
export declare function subtreeTask(task: SubtreeTask, report: (partial: { rootCount: number }) => void): SubtreeResult;
export declare function mergeNode(
  node: UpperNodeTask,
  nodes: Map<string, NodeRecords>,
  layout: RecordLayoutLike,
  sampler: Sampler,
  childCounts?: Uint32Array,
): void;
export declare function mergeTask(task: MergeTask): { nodes: ({ name: string } & NodeRecords)[] };
