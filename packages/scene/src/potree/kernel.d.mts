import type { QuantizedPoints } from '../core/potree/records.mjs';

export type { QuantizedPoints };

/** A cube in integer units (doubles, because halving can leave halves). */
export interface NodeBox {
  x: number;
  y: number;
  z: number;
  size: number;
}

export interface KernelNode {
  /** Potree name: `r` then one octant digit per level. */
  name: string;
  /** This node's points are `order[start, start + count)`. */
  start: number;
  count: number;
  childMask: number;
}

export interface KernelOptions {
  /** A node with more points than this is subsampled and split. */
  maxLeafPoints: number;
  /** Stop splitting below this cube size (integer units); such a node keeps all its points. */
  minNodeSize: number;
}

export declare const GRID_BITS: number;
export declare const GRID: number;

export declare class KernelScratch {
  stampNow: number;
  ensure(n: number): void;
}

export declare function childBox(box: NodeBox, octant: number): NodeBox;
export declare function octantOf(xyz: Int32Array, p: number, box: NodeBox): number;
export declare function selectNodePoints(
  pts: QuantizedPoints,
  order: Uint32Array,
  start: number,
  end: number,
  box: NodeBox,
  scratch: KernelScratch,
  childCounts: Uint32Array,
): number;
export declare function buildSubtree(
  pts: QuantizedPoints,
  order: Uint32Array,
  start: number,
  end: number,
  box: NodeBox,
  rootName: string,
  options: KernelOptions,
  scratch?: KernelScratch,
): KernelNode[];
export declare function pickRepresentatives(
  pts: QuantizedPoints,
  order: Uint32Array,
  start: number,
  end: number,
  box: NodeBox,
  scratch: KernelScratch,
  keep: Uint8Array,
): number;
