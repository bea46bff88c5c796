/**
 * Octree build, phases 1 and 2 (read, count): the inputs become record sources in one integer frame, cut
 * into fixed slices, and worker threads count each slice's points per cell of a 64³ grid over the cube.
 *
 * - LAS files are read where they lie: their integers are the octree's (frame.ts), nothing is written.
 * - LAZ files are decoded chunk by chunk on the workers into raw LAS records in a spill (one positional
 *   write per chunk), counted in the same pass.
 * - Everything else streams through this thread into a spill of Potree records (spill.ts).
 *
 * Slices are fixed by the input (never "one per worker"), and each slice keeps its own counts, so every
 * point's place in chunks.bin is known before it is written and the bytes never depend on the machine.
 */
import { closeSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Bounds } from '../manifest/schema.ts';
import { lasRgbOffset } from '../formats/las-records.mjs';
import type { WorkerPool } from '@vestige/evidence/worker-pool';
import { frameOverInts, lasIntegerGrid, statedIntBounds, tooFar, type OctreeFrame } from './frame.ts';
import type { CountResult, LasSource, RecordSource } from './record-passes.mjs';

export const COUNT_BITS = 6;
export const COUNT_CELLS = 1 << (3 * COUNT_BITS);
/** Slices per build (split among the inputs by size). */
export const DISTRIBUTION_SLICES = 8;

export interface Slice {
  source: number;
  first: number;
  count: number;
  /** LAZ: the chunks this slice decodes. */
  lazChunks?: NonNullable<LasSource['laz']>['chunks'];
  counts?: Uint32Array;
}

/** What the count phase knows: the frame, the sources, each slice with its cell counts. */
export interface CountedInput {
  frame: OctreeFrame;
  /** Common-grid integer of q = 0, and each source's shift onto the common grid. */
  base: number[];
  shifts: number[][];
  sources: RecordSource[];
  slices: Slice[];
  total: number;
  attributes: { rgb: boolean; intensity: boolean; classification: boolean };
  qMin: number[];
  qMax: number[];
  /** Temp files to remove once distributed. */
  spills: string[];
  /** LAZ chunks decoded by the count passes: each chunk once (a second count reads the spill). */
  lazChunksDecoded?: number;
}

export type BuildPool = WorkerPool<Record<string, unknown>, { result: unknown }>;

export function lasRecordLayout(
  path: string,
  dataOffset: number,
  recordLength: number,
  pointFormat: number,
  count: number,
): RecordSource {
  return {
    path,
    dataOffset,
    recordLength,
    count,
    rgbAt: lasRgbOffset(pointFormat),
    intensityAt: 12,
    classAt: pointFormat >= 6 ? 16 : 15,
    classMask: pointFormat >= 6 ? 0xff : 0x1f,
  };
}

/** Fixed slices of each source: about DISTRIBUTION_SLICES in all, in proportion to the sources' sizes. */
function sliceSources(inputs: readonly LasSource[]): Slice[] {
  const all = inputs.reduce((n, s) => n + s.count, 0);
  const slices: Slice[] = [];
  inputs.forEach((input, source) => {
    const parts = Math.max(1, Math.round((DISTRIBUTION_SLICES * input.count) / Math.max(1, all)));
    if (input.laz) {
      const chunks = input.laz.chunks;
      for (let k = 0; k < parts; k++) {
        const part = chunks.slice(
          Math.floor((k * chunks.length) / parts),
          Math.floor(((k + 1) * chunks.length) / parts),
        );
        if (part.length === 0) continue;
        slices.push({
          source,
          first: part[0]!.firstPoint,
          count: part.reduce((n, c) => n + c.points, 0),
          lazChunks: part,
        });
      }
      return;
    }
    for (let k = 0; k < parts; k++) {
      const first = Math.floor((k * input.count) / parts);
      const last = Math.floor(((k + 1) * input.count) / parts);
      if (last > first) slices.push({ source, first, count: last - first });
    }
  });
  return slices;
}

function loOf(counted: Pick<CountedInput, 'base' | 'shifts'>, source: number): [number, number, number] {
  const s = counted.shifts[source]!;
  return [counted.base[0]! - s[0]!, counted.base[1]! - s[1]!, counted.base[2]! - s[2]!];
}

/** Counts every slice (from the sources; LAZ slices are decoded into their spill on the first pass). */
async function countSlices(
  counted: CountedInput,
  inputs: readonly LasSource[],
  pool: BuildPool,
  decode: boolean,
): Promise<CountResult[]> {
  const { bits } = counted.frame;
  return Promise.all(
    counted.slices.map(async (slice) => {
      const lo = loOf(counted, slice.source);
      const input = inputs[slice.source]!;
      const task =
        decode && input.laz
          ? {
              type: 'laz',
              path: input.path,
              spillPath: counted.sources[slice.source]!.path,
              plan: input.laz.decode,
              chunks: slice.lazChunks!,
              lo,
              bits,
              countBits: COUNT_BITS,
            }
          : {
              type: 'count',
              source: counted.sources[slice.source]!,
              first: slice.first,
              count: slice.count,
              lo,
              bits,
              countBits: COUNT_BITS,
            };
      return (await pool.run(task)).result as CountResult;
    }),
  );
}

/** Adopts the slices' counts; false when some point lay outside the cube (the frame is then widened). */
function adoptCounts(counted: CountedInput, results: CountResult[]): boolean {
  let inside = true;
  results.forEach((r, k) => {
    for (let a = 0; a < 3; a++) {
      counted.qMin[a] = Math.min(counted.qMin[a]!, r.qMin[a]!);
      counted.qMax[a] = Math.max(counted.qMax[a]!, r.qMax[a]!);
    }
    if (r.counts) counted.slices[k]!.counts = r.counts;
    else inside = false;
  });
  return inside;
}

/**
 * LAS and LAZ files that share one integer grid: counted on the workers, read where they lie (LAZ decoded
 * into spills). Undefined when they share no grid (the caller then streams real coordinates instead).
 */
export async function countLasInputs(
  inputs: readonly LasSource[],
  stated: Bounds | undefined,
  options: { scale?: number; workDir: string },
  pool: () => BuildPool,
): Promise<CountedInput | undefined> {
  const grid = lasIntegerGrid(inputs, options.scale);
  if (!grid) return undefined;
  const total = inputs.reduce((n, s) => n + s.count, 0);
  // Without usable stated bounds, a first pass over a frame wider than any int32 finds the true bounds.
  const statedInts = stated ? statedIntBounds(grid, stated) : undefined;
  const statedFrame = statedInts ? frameOverInts(grid, statedInts.min, statedInts.max) : undefined;
  const ints = statedFrame
    ? statedInts!
    : { min: [-(2 ** 33), -(2 ** 33), -(2 ** 33)], max: [2 ** 33, 2 ** 33, 2 ** 33] };
  let frame: OctreeFrame = statedFrame ?? {
    scale: grid.scale,
    offset: [
      grid.offset[0] + ints.min[0]! * grid.scale,
      grid.offset[1] + ints.min[1]! * grid.scale,
      grid.offset[2] + ints.min[2]! * grid.scale,
    ],
    bits: 31,
  };
  const spills: string[] = [];
  const sources = inputs.map((input, i) => {
    if (!input.laz)
      return lasRecordLayout(input.path, input.pointDataOffset, input.recordLength, input.pointFormat, input.count);
    const path = join(options.workDir, `laz-${i}.bin`);
    const fd = openSync(path, 'w');
    ftruncateSync(fd, input.count * input.laz.decode.recordLength);
    closeSync(fd);
    spills.push(path);
    return lasRecordLayout(path, 0, input.laz.decode.recordLength, input.laz.decode.pointFormat, input.count);
  });
  const counted: CountedInput = {
    frame,
    base: [...ints.min],
    shifts: grid.shifts,
    sources,
    slices: sliceSources(inputs),
    total,
    attributes: {
      rgb: inputs.some((s) => lasRgbOffset(s.laz ? s.laz.decode.pointFormat : s.pointFormat) >= 0),
      intensity: true,
      classification: true,
    },
    qMin: [Infinity, Infinity, Infinity],
    qMax: [-Infinity, -Infinity, -Infinity],
    spills,
  };
  if (total === 0) return counted;
  const decoded = (results: CountResult[]): number => results.reduce((n, r) => n + (r.lazChunksDecoded ?? 0), 0);
  const first = await countSlices(counted, inputs, pool(), true);
  counted.lazChunksDecoded = decoded(first);
  if (!adoptCounts(counted, first) || !statedFrame) {
    // Some point lay outside the stated bounds (real headers have such bounds): count again over the true extent.
    const min = counted.qMin.map((v, k) => v + counted.base[k]!);
    const max = counted.qMax.map((v, k) => v + counted.base[k]!);
    const tight = frameOverInts(grid, min, max);
    if (!tight) throw tooFar(grid.scale, { min, max });
    frame = tight;
    Object.assign(counted, {
      frame,
      base: min,
      qMin: [Infinity, Infinity, Infinity],
      qMax: [-Infinity, -Infinity, -Infinity],
    });
    const second = await countSlices(counted, inputs, pool(), false);
    counted.lazChunksDecoded += decoded(second);
    if (!adoptCounts(counted, second)) throw new Error('octree count: points moved between passes');
  }
  return counted;
}

/** Counts slices of the build's own spill (other formats) once its frame is known. */
export async function countSpill(counted: CountedInput, pool: BuildPool): Promise<void> {
  const results = await Promise.all(
    counted.slices.map(
      async (s) =>
        (
          await pool.run({
            type: 'count',
            source: counted.sources[s.source]!,
            first: s.first,
            count: s.count,
            lo: loOf(counted, s.source),
            bits: counted.frame.bits,
            countBits: COUNT_BITS,
          })
        ).result as CountResult,
    ),
  );
  if (!adoptCounts(counted, results)) throw new Error('octree count: a spilled point lies outside its own bounds');
}

export { loOf, sliceSources };
