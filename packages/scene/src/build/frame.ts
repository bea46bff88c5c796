/**
 * The integer frame of an octree: real = q × scale + offset, with every q in [0, 2^bits) on each axis.
 *
 * The cube's edge is a power of two in integer units, so each node's cells and octants are bit shifts of
 * q (kernel.mjs) and the counting grid's cells too: exact, with no division. The cube can be up to twice
 * the points' extent; Potree readers take any cube.
 *
 * LAS and LAZ inputs keep their own integers: when the files share one scale on all three axes and their
 * offsets differ by whole steps, the octree's scale is that scale and q = (the record's integer) − base.
 * The stored positions are then exactly the file's, and quantising is an integer subtraction.
 */
import { VestigeError } from '@vestige/evidence';
import type { Bounds } from '../manifest/schema.ts';
import { chooseScale } from '../potree/quantize.ts';
import type { LasSource } from './record-passes.mjs';

export interface OctreeFrame {
  scale: number;
  /** Source coordinates of q = 0. */
  offset: [number, number, number];
  /** The cube's edge is 2^bits units. */
  bits: number;
}

/** A set of integer grids that share one scale: each source's integers plus its shift give the common grid. */
export interface IntegerGrid {
  scale: number;
  /** Source coordinates of integer 0 of the common grid. */
  offset: [number, number, number];
  /** Per source: add to the source's own integers to get the common grid's. */
  shifts: [number, number, number][];
}

/** Smallest cube: 128 units, so a root node's grid cells are at least one unit. */
const MIN_BITS = 7;
/** q must fit int32 in Potree records. */
const MAX_BITS = 31;

export function bitsFor(extent: number): number {
  let bits = MIN_BITS;
  while (2 ** bits < extent + 1) bits++;
  return bits;
}

function sameStep(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.abs(a) * 1e-12;
}

/**
 * The common integer grid of LAS/LAZ files, when there is one: the same scale on x, y and z in every file,
 * and offsets that differ by whole steps. Undefined otherwise (the build then quantises real coordinates).
 */
export function lasIntegerGrid(
  sources: readonly Pick<LasSource, 'scale' | 'offset'>[],
  requestedScale?: number,
): IntegerGrid | undefined {
  if (sources.length === 0) return undefined;
  const scale = sources[0]!.scale[0];
  if (!(scale > 0) || (requestedScale !== undefined && !sameStep(requestedScale, scale))) return undefined;
  const offset = sources[0]!.offset;
  const shifts: [number, number, number][] = [];
  for (const s of sources) {
    if (!s.scale.every((v) => sameStep(v, scale))) return undefined;
    const shift = s.offset.map((o, k) => (o - offset[k]!) / scale);
    if (!shift.every((v) => Math.abs(v - Math.round(v)) < 1e-6 && Math.abs(v) < 2 ** 40)) return undefined;
    shifts.push(shift.map((v) => Math.round(v)) as [number, number, number]);
  }
  return { scale, offset: [offset[0], offset[1], offset[2]], shifts };
}

/**
 * The frame over integer bounds of a grid: q = grid integer − min. Undefined when the extent does not fit
 * int32 at this scale.
 */
export function frameOverInts(
  grid: { scale: number; offset: readonly number[] },
  intMin: readonly number[],
  intMax: readonly number[],
): OctreeFrame | undefined {
  const extent = Math.max(intMax[0]! - intMin[0]!, intMax[1]! - intMin[1]!, intMax[2]! - intMin[2]!);
  const bits = bitsFor(Math.max(0, extent));
  if (bits > MAX_BITS) return undefined;
  return {
    scale: grid.scale,
    offset: [
      grid.offset[0]! + intMin[0]! * grid.scale,
      grid.offset[1]! + intMin[1]! * grid.scale,
      grid.offset[2]! + intMin[2]! * grid.scale,
    ],
    bits,
  };
}

/** The integer bounds that stated (header) bounds give on a grid, widened by one step for rounding. */
export function statedIntBounds(
  grid: { scale: number; offset: readonly number[] },
  bounds: Bounds,
): { min: number[]; max: number[] } | undefined {
  if (
    ![...bounds.min, ...bounds.max].every((v) => Number.isFinite(v)) ||
    !bounds.max.every((v, k) => v >= bounds.min[k]!)
  )
    return undefined;
  return {
    min: bounds.min.map((v, k) => Math.floor((v - grid.offset[k]!) / grid.scale) - 1),
    max: bounds.max.map((v, k) => Math.ceil((v - grid.offset[k]!) / grid.scale) + 1),
  };
}

/**
 * The grid real coordinates are quantised to when the inputs have none of their own: the requested step
 * (coarsened until the extent fits int32) on whole-unit origins.
 */
export function realGrid(
  origin: ArrayLike<number>,
  extent: number,
  requestedScale: number,
): { scale: number; offset: [number, number, number] } {
  return {
    scale: chooseScale(extent, requestedScale),
    offset: [Math.floor(origin[0]!), Math.floor(origin[1]!), Math.floor(origin[2]!)],
  };
}

export function tooFar(scale: number, details: Record<string, unknown>): VestigeError {
  return new VestigeError(
    'E_INPUT_TOO_LARGE',
    `The points span more than 2^31 steps of ${scale} on one axis, too far to store at that step.`,
    {
      hint: 'Give a coarser --scale, or remove stray points with huge or non-finite coordinates.',
      details,
    },
  );
}
