/**
 * Octree build, phase 1 (spill): every input point quantised to int32 around an origin and appended to a
 * temp file, with exact integer bounds and attribute ranges gathered on the way. When the inputs state
 * their bounds, the cube is known before the first point, and a 64³ grid over it counts points per cell
 * meanwhile (phase 2 is then free). Uncompressed LAS inputs are not spilled at all: worker threads read
 * slices of the files and count them in parallel.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type { Bounds } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { AttributeRanges } from '../core/potree/layout.ts';
import type { NodeBox } from '../potree/kernel.mjs';
import { chooseScale, cubeOver, quantizeChunk } from '../potree/quantize.ts';
import { COUNT_BITS, COUNT_GRID, DISTRIBUTION_SLICES } from './chunk-plan.ts';
import type { OctreeWorkerPool } from './worker-pool.ts';
import { writeBatch, type LasSliceTask, type LasSource } from './spill-format.mjs';

/** What the spill knows once every point has passed. */
export interface Spilled {
  total: number;
  /** Source coordinates of integer 0 (whole units). */
  offset: number[];
  scale: number;
  /** FLAG_RGB | FLAG_INTENSITY | FLAG_CLASS of the attributes seen. */
  flags: number;
  intMin: number[];
  intMax: number[];
  ranges: AttributeRanges;
  /** The cube from the stated bounds and its cell counts, kept only while every point fell inside. */
  early?: { cube: NodeBox; counts: Uint32Array };
  /** Spill files with the byte offset of each batch (none for parallel LAS). */
  spills: { path: string; batchOffsets: number[] }[];
  /** Parallel LAS: the record slices the workers read (none when spilled). */
  lasSlices: LasSliceTask[];
}

/** True when the first point lies inside the stated bounds (with a little slack for rounding). */
export function insideStated(b: Bounds, positions: ArrayLike<number>): boolean {
  for (let k = 0; k < 3; k++) {
    const slack = (b.max[k]! - b.min[k]!) * 0.01 + 1;
    const v = positions[k]!;
    if (!(v >= b.min[k]! - slack && v <= b.max[k]! + slack)) return false;
  }
  return true;
}

/** The origin, step and cube that stated bounds give, when they are usable. */
export interface StatedPlan {
  offset: number[];
  scale: number;
  cube: NodeBox;
}

export function planFromStatedBounds(b: Bounds | undefined, requestedScale: number): StatedPlan | undefined {
  if (!b || ![...b.min, ...b.max].every((v) => Number.isFinite(v)) || !b.max.every((v, k) => v >= b.min[k]!)) return undefined;
  const offset = b.min.map((v) => Math.floor(v));
  const scale = chooseScale(Math.max(...b.max.map((v, k) => v - offset[k]!)), requestedScale);
  const lo = b.min.map((v, k) => Math.round((v - offset[k]!) / scale));
  const hi = b.max.map((v, k) => Math.round((v - offset[k]!) / scale));
  return { offset, scale, cube: cubeOver(lo, hi) };
}

function tooFar(scale: number, details: { coordinate: number }): VestigeError {
  return new VestigeError('E_INPUT_TOO_LARGE', `A point lies too far from the scene origin to store at a ${scale} step (coordinate ${details.coordinate}).`, {
    hint: 'Give a coarser --scale, or remove stray points with huge or non-finite coordinates.',
    details,
  });
}

/** Parallel LAS: fixed slices of each file's records (never "one per worker", so bytes do not depend on the machine), counted by the workers. */
export async function countLasSlices(sources: LasSource[], plan: StatedPlan, pool: OctreeWorkerPool): Promise<Spilled> {
  const all = sources.reduce((n, l) => n + l.count, 0);
  const lasSlices: LasSliceTask[] = [];
  for (const las of sources) {
    const parts = Math.max(1, Math.round((DISTRIBUTION_SLICES * las.count) / Math.max(1, all)));
    for (let k = 0; k < parts; k++) {
      const first = Math.floor((k * las.count) / parts);
      const last = Math.floor(((k + 1) * las.count) / parts);
      if (last > first) lasSlices.push({ las, first, count: last - first, offset: plan.offset, scale: plan.scale, countBits: COUNT_BITS, batchPoints: 65_536 });
    }
  }
  const results = await Promise.all(lasSlices.map((t) => pool.lasCount({ ...t, cube: plan.cube })));
  const spilled: Spilled = { total: all, offset: plan.offset, scale: plan.scale, flags: 0, intMin: [Infinity, Infinity, Infinity], intMax: [-Infinity, -Infinity, -Infinity], ranges: new AttributeRanges(), early: { cube: plan.cube, counts: new Uint32Array(COUNT_GRID ** 3) }, spills: [], lasSlices };
  for (const r of results) {
    if (r.tooFar) throw tooFar(plan.scale, r.tooFar);
    spilled.flags |= r.flags;
    for (let k = 0; k < 3; k++) {
      spilled.intMin[k] = Math.min(spilled.intMin[k]!, r.intMin[k]!);
      spilled.intMax[k] = Math.max(spilled.intMax[k]!, r.intMax[k]!);
    }
    spilled.ranges.merge(r.ranges);
    if (!r.counts) delete spilled.early;
    else if (spilled.early) for (let c = 0; c < spilled.early.counts.length; c++) spilled.early.counts[c]! += r.counts[c]!;
  }
  return spilled;
}

/** Adds one batch's points to the early cell counts; false when a point lies outside the stated cube. */
function countEarly(early: { cube: NodeBox; counts: Uint32Array }, xyz: Int32Array, n: number): boolean {
  const ec = early.cube;
  const inv = COUNT_GRID / ec.size;
  for (let i = 0; i < n * 3; i += 3) {
    const fx = (xyz[i]! - ec.x) * inv, fy = (xyz[i + 1]! - ec.y) * inv, fz = (xyz[i + 2]! - ec.z) * inv;
    if (fx < 0 || fy < 0 || fz < 0 || fx >= COUNT_GRID || fy >= COUNT_GRID || fz >= COUNT_GRID) return false;
    early.counts[((fx | 0) << (2 * COUNT_BITS)) | ((fy | 0) << COUNT_BITS) | (fz | 0)]!++;
  }
  return true;
}

/** Streams the importer's chunks into one spill file in `workDir`. */
export async function spillPoints(points: AsyncIterable<PointChunk>, workDir: string, requestedScale: number, stated: { bounds?: Bounds; plan?: StatedPlan }, options: { signal?: AbortSignal; onProgress?: (done: number) => void }): Promise<Spilled> {
  const spillPath = join(workDir, 'spill.bin');
  const fd = openSync(spillPath, 'w');
  const batchOffsets: number[] = [];
  const intBounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
  const ranges = new AttributeRanges();
  let offset = stated.plan?.offset;
  let scale = stated.plan?.scale ?? requestedScale;
  let early = stated.plan ? { cube: stated.plan.cube, counts: new Uint32Array(COUNT_GRID ** 3) } : undefined;
  let total = 0;
  let flags = 0;
  let bytes = 0;
  try {
    for await (const chunk of points) {
      options.signal?.throwIfAborted();
      const n = chunk.count;
      if (n === 0) continue;
      if (total + n > 2 ** 32 - 1) throw new VestigeError('E_INPUT_TOO_LARGE', 'More than 4 294 967 295 points in one layer.', { hint: 'Split the scene into several layers.' });
      if (total === 0 && offset && stated.bounds && !insideStated(stated.bounds, chunk.positions)) {
        // Headers that state zeros or stale bounds exist: then the first point, not the header, sets the origin.
        offset = undefined;
        scale = requestedScale;
        early = undefined;
      }
      offset ??= [Math.floor(chunk.positions[0]!), Math.floor(chunk.positions[1]!), Math.floor(chunk.positions[2]!)];
      const q = quantizeChunk(chunk, offset, scale, ranges, undefined, intBounds);
      if (early && !countEarly(early, q.xyz, n)) early = undefined;
      batchOffsets.push(bytes);
      flags |= writeBatch(fd, n, q.xyz, q.rgb, q.intensity, q.classification);
      bytes += 12 + n * 12 + (q.rgb ? n * 6 : 0) + (q.intensity ? n * 2 : 0) + (q.classification ? n : 0);
      total += n;
      options.onProgress?.(total);
    }
  } finally {
    closeSync(fd);
  }
  return { total, offset: offset ?? [0, 0, 0], scale, flags, intMin: intBounds.min, intMax: intBounds.max, ranges, ...(early ? { early } : {}), spills: [{ path: spillPath, batchOffsets }], lasSlices: [] };
}
