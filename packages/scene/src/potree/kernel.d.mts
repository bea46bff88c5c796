/** Types of kernel.mjs. */
import type { QuantizedPoints } from '../core/potree/records.mjs';

export type { QuantizedPoints };

/** A cube in integer units whose edge is 2^bits; x, y, z its minimum corner. */
export interface IntCube {
  x: number;
  y: number;
  z: number;
  bits: number;
}

/** A cube in any units (readers of Potree files whose cube is not a power of two). */
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

export type SamplerId = 'grid' | 'poisson';

export interface Sampler {
  id: SamplerId;
}

export interface KernelOptions {
  /** A node with more points than this is subsampled and split. */
  maxLeafPoints: number;
  sampler: Sampler;
  /** Called once the subtree's root has chosen its points, with how many it kept. */
  onRoot?: (kept: number) => void;
}

export declare const GRID_BITS: number;
export declare const GRID: number;
export declare const SAMPLERS: Record<SamplerId, Sampler>;
export declare function samplerById(id: string): Sampler;

export declare class KernelScratch {
  stampNow: number;
  ensure(n: number): void;
}

/** The grid rule one point at a time: offer each point in order with its index, then ask which won. */
export declare class GridElection {
  constructor(cube: IntCube, scratch: KernelScratch);
  offer(x: number, y: number, z: number, i: number): void;
  won(x: number, y: number, z: number, i: number): boolean;
}

export declare function childCube(cube: IntCube, octant: number): IntCube;
export declare function childBox(box: NodeBox, octant: number): NodeBox;
export declare function selectNodePoints(
  q: Int32Array,
  order: Uint32Array,
  start: number,
  end: number,
  cube: IntCube,
  sampler: Sampler,
  scratch: KernelScratch,
  childCounts: Uint32Array,
): number;
export declare function buildSubtree(
  q: Int32Array,
  order: Uint32Array,
  start: number,
  end: number,
  cube: IntCube,
  rootName: string,
  options: KernelOptions,
  scratch?: KernelScratch,
): KernelNode[];
