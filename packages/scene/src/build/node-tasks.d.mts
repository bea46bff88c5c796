/** Types of node-tasks.mjs. */
import type { IntCube, Sampler } from '../potree/kernel.mjs';

export interface RecordLayoutLike {
  bytesPerPoint: number;
  rgbOffset: number;
  intensityOffset: number;
  classificationOffset: number;
}

export interface SubtreeTask {
  /** The chunk's records at `byteOffset`; its nodes below the root are written back into it (octree.bin to be). */
  chunksPath: string;
  byteOffset: number;
  count: number;
  name: string;
  cube: IntCube;
  layout: RecordLayoutLike;
  maxLeafPoints: number;
  sampler: string;
  /** Where the chunk's root goes, for the merge. */
  rootsPath: string;
  /** This chunk's index in `shared`. */
  slot: number;
  /**
   * SharedArrayBuffers: Float64Arrays of byte offsets in octree.bin and in roots.bin, Int32Array of flags
   * (1 = set, −1 = stop).
   */
  shared: { offsets: SharedArrayBuffer; rootOffsets: SharedArrayBuffer; flags: SharedArrayBuffer };
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
  /** The chunk's root: its records are in roots.bin at `byteOffset`. */
  root: { count: number; childMask: number; byteOffset: number };
  nodes: WrittenNode[];
}

export interface UpperNodeTask {
  name: string;
  cube: IntCube;
  childMask: number;
}

/** A node's records on disk, as the merge reads them: a chunk root in roots.bin or a merged node. */
export interface NodeOnDisk {
  name: string;
  count: number;
  childMask: number;
  path: string;
  byteOffset: number;
}

export interface MergeTask {
  /** The node to merge up to: a top-level octant, or the root over the octants. */
  top: string;
  upper: UpperNodeTask[];
  /** The chunk roots (and, for the root, the octants' tops) that the upper nodes start from. */
  inputs: NodeOnDisk[];
  layout: RecordLayoutLike;
  sampler: string;
  /** Where final nodes (everything under `top`) go, one after another. */
  outPath: string;
  /** Where merged nodes wait for their parent; `top` stays there. */
  pendingPath: string;
}

/** A final node in a merge task's output file. */
export interface MergedNode {
  name: string;
  count: number;
  childMask: number;
  offset: number;
  size: number;
}

export interface MergeResult {
  top: NodeOnDisk;
  nodes: MergedNode[];
}

export declare function positionsOf(records: Uint8Array, count: number, bpp: number, into?: Int32Array): Int32Array;
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
export declare function mergeTask(task: MergeTask): MergeResult;
