/**
 * Octree build, phases 2 and 3 (count, chunk): points per cell of a 64³ grid over the cube; from those
 * counts, the octree nodes that hold at most `maxChunkPoints` become chunks (built whole by one worker
 * each) and the nodes above them are "upper" nodes (merged later from the chunk roots); then worker
 * threads distribute fixed slices of the spill (or of the LAS files) into per-chunk temp files.
 */
import { join } from 'node:path';
import type { AttributeRanges, RecordLayout } from '../core/potree/layout.ts';
import { childBox, type NodeBox } from '../potree/kernel.mjs';
import type { Spilled } from './spill.ts';
import type { OctreeWorkerPool } from './worker-pool.ts';
import { readBatches } from './spill-format.mjs';

// 64³ cells: the counting grid (1 MB) stays in cache; random-order input made 128³ (8 MB) miss on every point.
export const COUNT_BITS = 6;
export const COUNT_GRID = 1 << COUNT_BITS;
export const DISTRIBUTION_SLICES = 8;

export interface Chunk {
  name: string;
  level: number;
  ix: number;
  iy: number;
  iz: number;
  box: NodeBox;
  count: number;
}

export interface UpperNode {
  name: string;
  level: number;
  box: NodeBox;
  childMask: number;
}

/** Phase 2: the points of each fine cell, from the spill or the LAS slices (or as the spill already counted them). */
export async function countCells(spilled: Spilled, cube: NodeBox, pool: () => OctreeWorkerPool): Promise<Uint32Array> {
  if (spilled.early && spilled.early.cube === cube) return spilled.early.counts;
  const counts = new Uint32Array(COUNT_GRID ** 3);
  if (spilled.lasSlices.length > 0) {
    // Some point lay outside the stated bounds: count again over the tight cube.
    const again = await Promise.all(spilled.lasSlices.map((t) => pool().lasCount({ ...t, cube })));
    for (const r of again) for (let c = 0; c < counts.length; c++) counts[c]! += r.counts![c]!;
    return counts;
  }
  const inv = COUNT_GRID / cube.size;
  const clamp = (v: number) => (v < 0 ? 0 : v > COUNT_GRID - 1 ? COUNT_GRID - 1 : v);
  for (const spill of spilled.spills) {
    for (const batch of readBatches(spill.path)) {
      const xyz = batch.xyz;
      for (let i = 0; i < batch.count * 3; i += 3) {
        // Truncation equals floor here: negatives are clamped to 0.
        const cx = clamp(((xyz[i]! - cube.x) * inv) | 0);
        const cy = clamp(((xyz[i + 1]! - cube.y) * inv) | 0);
        const cz = clamp(((xyz[i + 2]! - cube.z) * inv) | 0);
        counts[(cx << (2 * COUNT_BITS)) | (cy << COUNT_BITS) | cz]!++;
      }
    }
  }
  return counts;
}

/** Counts of every octree level above the grid: `levels[l][(ix · 2^l + iy) · 2^l + iz]`. */
function levelCounts(counts: Uint32Array): Float64Array[] {
  const levels: Float64Array[] = [];
  levels[COUNT_BITS] = Float64Array.from(counts);
  for (let level = COUNT_BITS - 1; level >= 0; level--) {
    const g = 1 << level;
    const fine = levels[level + 1]!;
    const coarse = new Float64Array(g * g * g);
    const gf = g * 2;
    for (let x = 0; x < gf; x++) for (let y = 0; y < gf; y++) for (let z = 0; z < gf; z++) {
      coarse[((x >> 1) * g + (y >> 1)) * g + (z >> 1)]! += fine[(x * gf + y) * gf + z]!;
    }
    levels[level] = coarse;
  }
  return levels;
}

/** Phase 3a: which nodes are chunks and which lie above them (depth first, octants ascending). */
export function planChunks(counts: Uint32Array, cube: NodeBox, maxChunkPoints: number): { chunks: Chunk[]; upper: UpperNode[] } {
  const levels = levelCounts(counts);
  const chunks: Chunk[] = [];
  const upper: UpperNode[] = [];
  const visit = (name: string, level: number, ix: number, iy: number, iz: number, box: NodeBox): void => {
    const g = 1 << level;
    const count = levels[level]![(ix * g + iy) * g + iz]!;
    if (count === 0) return;
    if (count <= maxChunkPoints || level === COUNT_BITS) {
      chunks.push({ name, level, ix, iy, iz, box, count });
      return;
    }
    let childMask = 0;
    for (let c = 0; c < 8; c++) {
      const cx = ix * 2 + ((c >> 2) & 1), cy = iy * 2 + ((c >> 1) & 1), cz = iz * 2 + (c & 1);
      const g2 = g * 2;
      if (levels[level + 1]![(cx * g2 + cy) * g2 + cz]! > 0) childMask |= 1 << c;
    }
    upper.push({ name, level, box, childMask });
    for (let c = 0; c < 8; c++) {
      if (childMask & (1 << c)) visit(name + c, level + 1, ix * 2 + ((c >> 2) & 1), iy * 2 + ((c >> 1) & 1), iz * 2 + (c & 1), childBox(box, c));
    }
  };
  visit('r', 0, 0, 0, 0, cube);
  return { chunks, upper };
}

/** Fine cell → chunk index, in shared memory for the workers. */
function cellChunkMap(chunks: readonly Chunk[]): Int32Array {
  const cellChunk = new Int32Array(new SharedArrayBuffer(4 * COUNT_GRID ** 3)).fill(-1);
  chunks.forEach((ch, index) => {
    const span = 1 << (COUNT_BITS - ch.level);
    for (let x = ch.ix * span; x < (ch.ix + 1) * span; x++) for (let y = ch.iy * span; y < (ch.iy + 1) * span; y++) for (let z = ch.iz * span; z < (ch.iz + 1) * span; z++) {
      cellChunk[(x << (2 * COUNT_BITS)) | (y << COUNT_BITS) | z] = index;
    }
  });
  return cellChunk;
}

/**
 * The spill cut into a fixed number of slices of whole batches (never "one per worker"): a chunk is its
 * slices' files in slice order, so the point order inside a chunk, and every output byte, does not
 * depend on how many threads ran.
 */
function spillSlices(spills: Spilled['spills']): { path: string; from: number; to: number }[] {
  const slices: { path: string; from: number; to: number }[] = [];
  for (const spill of spills) {
    const offsets = spill.batchOffsets;
    const sliceCount = spills.length > 1 ? 1 : Math.min(DISTRIBUTION_SLICES, offsets.length);
    for (let k = 0; k < sliceCount; k++) {
      const b0 = Math.floor((k * offsets.length) / sliceCount);
      const b1 = Math.floor(((k + 1) * offsets.length) / sliceCount);
      slices.push({ path: spill.path, from: offsets[b0]!, to: b1 < offsets.length ? offsets[b1]! : Infinity });
    }
  }
  return slices;
}

/**
 * Phase 3b: the workers write each slice's points into per-chunk files. Returns each chunk's files in
 * slice order; widens `ranges` by the attributes the LAS workers read.
 */
export async function distributeChunks(spilled: Spilled, chunks: readonly Chunk[], cube: NodeBox, layout: RecordLayout, ranges: AttributeRanges, workDir: string, pool: OctreeWorkerPool): Promise<string[][]> {
  const common = { cellChunk: cellChunkMap(chunks).buffer, cube, countBits: COUNT_BITS, chunkCount: chunks.length, layout };
  let sliceCounts: number[][];
  if (spilled.lasSlices.length > 0) {
    const results = await Promise.all(spilled.lasSlices.map((t, k) => pool.lasDistribute({ ...t, ...common, prefix: join(workDir, `slice-${k}`) })));
    sliceCounts = results.map((r) => r.counts);
    for (const r of results) ranges.merge(r.ranges);
  } else {
    sliceCounts = await Promise.all(spillSlices(spilled.spills).map((slice, k) => pool.distribute({ spillPath: slice.path, from: slice.from, to: slice.to, ...common, prefix: join(workDir, `slice-${k}`) })));
  }
  chunks.forEach((ch, i) => {
    const got = sliceCounts.reduce((n, c) => n + c[i]!, 0);
    if (got !== ch.count) throw new Error(`chunk ${ch.name}: distributed ${got} points, counted ${ch.count}`);
  });
  return chunks.map((_, i) => sliceCounts.map((_, k) => join(workDir, `slice-${k}-${i}.bin`)).filter((_, k) => sliceCounts[k]![i]! > 0));
}
