/**
 * Streams points of any size into a Potree 2.0 octree on disk, in bounded memory, on all cores.
 *
 * 1. spill   — importer chunks are quantised to int32 (real = int × scale + offset) and appended to a
 *              temp file; exact integer bounds and attribute ranges are gathered on the way. When the
 *              inputs state their bounds, a 64³ grid over that cube counts points per cell meanwhile.
 * 2. count   — otherwise (or if a point fell outside the stated bounds) a counting pass over the spill.
 * 3. chunk   — octree nodes holding at most `maxChunkPoints` become chunks; worker threads distribute
 *              fixed slices of the spill into per-chunk temp files, in input order.
 *    For uncompressed LAS inputs (`lasSources`) there is no spill: workers read slices of the files
 *    twice — positions only, to count; then everything, to distribute — which is cheaper than writing and
 *    re-reading a spill, and gives the same bytes.
 * 4. index   — worker threads build each chunk's subtree with the kernel (grid subsampling, see
 *              kernel.mjs) and hand back the chunk root's points.
 * 5. merge   — the levels above the chunks are chosen bottom-up from the chunk roots with the same
 *              rule (one point per grid cell, nearest its centre), so coarse levels are as faithful as
 *              the fine ones.
 * 6. write   — octree.bin (in-memory nodes, then the chunks in name order), hierarchy.bin, metadata.json.
 *
 * The output depends only on the input points, their order and the options: never on which worker
 * finished first. So the same scan gives the same bytes and the same hashes.
 */
import { availableParallelism } from 'node:os';
import { closeSync, createReadStream, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type { Bounds, PointAttributeName } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { writeHierarchy, type HierarchyNode } from '../core/potree/hierarchy.ts';
import { KernelScratch, childBox, decodeRecords, encodeRecords, pickRepresentatives, type NodeBox, type QuantizedPoints } from '../potree/kernel.mjs';
import { AttributeRanges, recordLayout, type PotreeMetadataJson, type RecordLayout } from '../core/potree/layout.ts';
import { metadataBytes, potreeMetadata } from '../potree/metadata.ts';
import { chooseScale, cubeOver, DEFAULT_SCALE } from '../potree/quantize.ts';
import { OctreeWorkerPool, type ChunkResult } from './worker-pool.ts';
import { FLAG_CLASS, FLAG_INTENSITY, FLAG_RGB, readBatches, writeBatch, type LasSliceTask, type LasSource } from './spill-format.mjs';

export interface OctreeBuildOptions {
  /** Empty folder for temp files and the three outputs (the caller creates and removes it). */
  workDir: string;
  name?: string;
  /** Position quantum in source units (default 0.0001, made coarser if the extent needs it). */
  scale?: number;
  /** Nodes with more points are subsampled and split (default 20 000). */
  maxLeafPoints?: number;
  /** Largest spatial chunk one worker builds in memory (default: a sixteenth of the input, 150 000 to 2 000 000 points). */
  maxChunkPoints?: number;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Bounds stated by the inputs' headers; used only to pick the origin before the first point. */
  statedBounds?: Bounds;
  projection?: string;
  /**
   * Uncompressed LAS inputs, in order. With `statedBounds`, worker threads read, decode and quantise
   * slices of them in parallel instead of the main thread draining `points` (which is then not read).
   * The output bytes are the same either way.
   */
  lasSources?: LasSource[];
  signal?: AbortSignal;
  onProgress?: (progress: { phase: 'spill' | 'count' | 'chunk' | 'index' | 'merge' | 'write'; done: number; total?: number }) => void;
}

export interface OctreeBuildResult {
  metadataPath: string;
  hierarchyPath: string;
  octreePath: string;
  metadata: PotreeMetadataJson;
  points: number;
  nodes: number;
  bounds: Bounds;
  attributes: PointAttributeName[];
  scale: number;
  spacing: number;
  /** Wall and CPU seconds per phase (CPU counts all threads of the process). */
  stats: { chunks: number; workers: number; seconds: Record<string, number>; cpuSeconds: Record<string, number> };
}

/** Smallest automatic chunk size; chunks grow to about a sixteenth of the input, up to 2 M points. */
export const DEFAULT_MAX_CHUNK_POINTS = 150_000;
// 64³ cells: the counting grid (1 MB) stays in cache; random-order input made 128³ (8 MB) miss on every point.
const COUNT_BITS = 6;
const DISTRIBUTION_SLICES = 8;
const COUNT_GRID = 1 << COUNT_BITS;
/** True when the first point lies inside the stated bounds (with a little slack for rounding). */
export function insideStated(b: Bounds, positions: ArrayLike<number>): boolean {
  for (let k = 0; k < 3; k++) {
    const slack = (b.max[k]! - b.min[k]!) * 0.01 + 1;
    const v = positions[k]!;
    if (!(v >= b.min[k]! - slack && v <= b.max[k]! + slack)) return false;
  }
  return true;
}

function concatPoints(parts: QuantizedPoints[], layout: RecordLayout): QuantizedPoints {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const out: QuantizedPoints = { count, xyz: new Int32Array(count * 3) };
  if (layout.attributes.rgb) out.rgb = new Uint16Array(count * 3);
  if (layout.attributes.intensity) out.intensity = new Uint16Array(count);
  if (layout.attributes.classification) out.classification = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    out.xyz.set(p.xyz.subarray(0, p.count * 3), at * 3);
    if (out.rgb && p.rgb) out.rgb.set(p.rgb.subarray(0, p.count * 3), at * 3);
    if (out.intensity && p.intensity) out.intensity.set(p.intensity.subarray(0, p.count), at);
    if (out.classification && p.classification) out.classification.set(p.classification.subarray(0, p.count), at);
    at += p.count;
  }
  return out;
}

function subsetPoints(src: QuantizedPoints, indices: Uint32Array, layout: RecordLayout): QuantizedPoints {
  const n = indices.length;
  const out: QuantizedPoints = { count: n, xyz: new Int32Array(n * 3) };
  if (layout.attributes.rgb) out.rgb = new Uint16Array(n * 3);
  if (layout.attributes.intensity) out.intensity = new Uint16Array(n);
  if (layout.attributes.classification) out.classification = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = indices[i]!;
    out.xyz[i * 3] = src.xyz[p * 3]!;
    out.xyz[i * 3 + 1] = src.xyz[p * 3 + 1]!;
    out.xyz[i * 3 + 2] = src.xyz[p * 3 + 2]!;
    if (out.rgb) for (let k = 0; k < 3; k++) out.rgb[i * 3 + k] = src.rgb![p * 3 + k]!;
    if (out.intensity) out.intensity[i] = src.intensity![p]!;
    if (out.classification) out.classification[i] = src.classification![p]!;
  }
  return out;
}

export async function buildOctree(points: AsyncIterable<PointChunk>, options: OctreeBuildOptions): Promise<OctreeBuildResult> {
  const seconds: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const lap = (phase: string): void => {
    const t = performance.now();
    const c = process.cpuUsage();
    seconds[phase] = Math.round(t - t0) / 1000;
    cpuSeconds[phase] = Math.round((c.user - c0.user + c.system - c0.system) / 1000) / 1000;
    t0 = t;
    c0 = c;
  };
  const maxLeafPoints = options.maxLeafPoints ?? 20_000;
  const requestedScale = options.scale ?? DEFAULT_SCALE;
  const workDir = options.workDir;

  // ---- 1. spill ------------------------------------------------------------------------------------
  const spillPath = join(workDir, 'spill.bin');
  const spillFd = openSync(spillPath, 'w');
  const ranges = new AttributeRanges();
  const intMin = [Infinity, Infinity, Infinity];
  const intMax = [-Infinity, -Infinity, -Infinity];
  let offset: number[] | undefined;
  let scale = requestedScale;
  let total = 0;
  let flagsSeen = 0;
  // With trustworthy stated bounds the cube is known up front, so cells are counted during the spill;
  // if any point falls outside, the counts are dropped and a counting pass runs as usual.
  let earlyCube: NodeBox | undefined;
  const batchOffsets: number[] = [];
  let spillBytes = 0;
  let pool: OctreeWorkerPool | undefined;
  let earlyCounts: Uint32Array | undefined;
  if (options.statedBounds) {
    const b = options.statedBounds;
    const ok = [...b.min, ...b.max].every((v) => Number.isFinite(v)) && b.max.every((v, k) => v >= b.min[k]!);
    if (ok) {
      offset = b.min.map((v) => Math.floor(v));
      scale = chooseScale(Math.max(...b.max.map((v, k) => v - offset![k]!)), requestedScale);
      const lo = b.min.map((v, k) => Math.round((v - offset![k]!) / scale));
      const hi = b.max.map((v, k) => Math.round((v - offset![k]!) / scale));
      earlyCube = cubeOver(lo, hi);
      earlyCounts = new Uint32Array(COUNT_GRID ** 3);
    }
  }
  const spills: { path: string; batchOffsets: number[] }[] = [];
  // Parallel LAS: slices of the record range, read twice by the workers (count, then distribute), never spilled.
  const lasSlices: LasSliceTask[] = [];
  const parallelLas = options.lasSources && options.lasSources.length > 0 && earlyCube !== undefined && offset !== undefined;
  if (parallelLas) {
    const sources = options.lasSources!;
    const all = sources.reduce((n, l) => n + l.count, 0);
    closeSync(spillFd);
    rmSync(spillPath, { force: true });
    pool = new OctreeWorkerPool(Math.max(1, options.workers ?? availableParallelism()));
    sources.forEach((las) => {
      const parts = Math.max(1, Math.round((DISTRIBUTION_SLICES * las.count) / Math.max(1, all)));
      for (let k = 0; k < parts; k++) {
        const first = Math.floor((k * las.count) / parts);
        const last = Math.floor(((k + 1) * las.count) / parts);
        if (last > first) lasSlices.push({ las, first, count: last - first, offset: offset!, scale, countBits: COUNT_BITS, batchPoints: 65_536 });
      }
    });
    const results = await Promise.all(lasSlices.map((t) => pool!.lasCount({ ...t, cube: earlyCube! }))).catch(async (err: unknown) => {
      await pool?.close();
      throw err;
    });
    results.forEach((r) => {
      if (r.tooFar) {
        void pool?.close();
        throw new VestigeError('E_INPUT_TOO_LARGE', `A point lies too far from the scene origin to store at a ${scale} step (coordinate ${r.tooFar.coordinate}).`, {
          hint: 'Give a coarser --scale, or remove stray points with huge or non-finite coordinates.',
          details: r.tooFar,
        });
      }
      flagsSeen |= r.flags;
      for (let k = 0; k < 3; k++) {
        intMin[k] = Math.min(intMin[k]!, r.intMin[k]!);
        intMax[k] = Math.max(intMax[k]!, r.intMax[k]!);
      }
      for (let k = 0; k < 3; k++) {
        ranges.posMin[k] = Math.min(ranges.posMin[k]!, r.ranges.posMin[k]!);
        ranges.posMax[k] = Math.max(ranges.posMax[k]!, r.ranges.posMax[k]!);
      }
      if (earlyCounts) {
        if (!r.counts) earlyCounts = undefined;
        else for (let c = 0; c < earlyCounts.length; c++) earlyCounts[c]! += r.counts[c]!;
      }
    });
    total = all;
  } else try {
    spills.push({ path: spillPath, batchOffsets });
    for await (const chunk of points) {
      options.signal?.throwIfAborted();
      const n = chunk.count;
      if (n === 0) continue;
      if (total + n > 2 ** 32 - 1) throw new VestigeError('E_INPUT_TOO_LARGE', 'More than 4 294 967 295 points in one layer.', { hint: 'Split the scene into several layers.' });
      if (total === 0 && offset && options.statedBounds && !insideStated(options.statedBounds, chunk.positions)) {
        // Headers that state zeros or stale bounds exist: then the first point, not the header, sets the origin.
        offset = undefined;
        scale = requestedScale;
        earlyCube = undefined;
        earlyCounts = undefined;
      }
      offset ??= [Math.floor(chunk.positions[0]!), Math.floor(chunk.positions[1]!), Math.floor(chunk.positions[2]!)];
      const xyz = new Int32Array(n * 3);
      const inv = 1 / scale;
      const pos = chunk.positions;
      const { posMin, posMax } = ranges;
      const limit = 2 ** 31 - 2;
      for (let i = 0; i < n * 3; i += 3) {
        for (let k = 0; k < 3; k++) {
          const v = pos[i + k]!;
          const q = Math.round((v - offset[k]!) * inv);
          if (!(q >= -limit && q <= limit)) {
            throw new VestigeError('E_INPUT_TOO_LARGE', `A point lies too far from the scene origin to store at a ${scale} step (coordinate ${v}).`, {
              hint: 'Give a coarser --scale, or remove stray points with huge or non-finite coordinates.',
              details: { coordinate: v, origin: offset[k], scale },
            });
          }
          xyz[i + k] = q;
          if (q < intMin[k]!) intMin[k] = q;
          if (q > intMax[k]!) intMax[k] = q;
          if (v < posMin[k]!) posMin[k] = v;
          if (v > posMax[k]!) posMax[k] = v;
        }
      }
      const rgb = chunk.rgb?.subarray(0, n * 3);
      const intensity = chunk.intensity?.subarray(0, n);
      const classification = chunk.classification?.subarray(0, n);
      if (rgb) {
        for (let i = 0; i < n * 3; i += 3) {
          for (let k = 0; k < 3; k++) {
            const v = rgb[i + k]!;
            if (v < ranges.rgbMin[k]!) ranges.rgbMin[k] = v;
            if (v > ranges.rgbMax[k]!) ranges.rgbMax[k] = v;
          }
        }
      }
      if (intensity) {
        for (let i = 0; i < n; i++) {
          const v = intensity[i]!;
          if (v < ranges.intensityMin) ranges.intensityMin = v;
          if (v > ranges.intensityMax) ranges.intensityMax = v;
        }
      }
      if (classification) {
        for (let i = 0; i < n; i++) {
          const v = classification[i]!;
          if (v < ranges.classMin) ranges.classMin = v;
          if (v > ranges.classMax) ranges.classMax = v;
        }
      }
      if (earlyCounts && earlyCube) {
        const ec = earlyCube;
        const inv = COUNT_GRID / ec.size;
        for (let i = 0; i < n * 3; i += 3) {
          const fx = (xyz[i]! - ec.x) * inv, fy = (xyz[i + 1]! - ec.y) * inv, fz = (xyz[i + 2]! - ec.z) * inv;
          if (fx < 0 || fy < 0 || fz < 0 || fx >= COUNT_GRID || fy >= COUNT_GRID || fz >= COUNT_GRID) {
            earlyCounts = undefined;
            break;
          }
          earlyCounts[((fx | 0) << (2 * COUNT_BITS)) | ((fy | 0) << COUNT_BITS) | (fz | 0)]!++;
        }
      }
      batchOffsets.push(spillBytes);
      const flags = writeBatch(spillFd, n, xyz, rgb, intensity, classification);
      spillBytes += 12 + n * 12 + (rgb ? n * 6 : 0) + (intensity ? n * 2 : 0) + (classification ? n : 0);
      flagsSeen |= flags;
      total += n;
      options.onProgress?.({ phase: 'spill', done: total });
    }
  } finally {
    closeSync(spillFd);
  }
  lap('spill');
  offset ??= [0, 0, 0];
  const layout = recordLayout({ rgb: !!(flagsSeen & FLAG_RGB), intensity: !!(flagsSeen & FLAG_INTENSITY), classification: !!(flagsSeen & FLAG_CLASS) });
  // About 16 chunks: enough to keep every core busy, few enough that the levels above the chunks stay
  // cheap. Never derived from the worker count, so the bytes do not depend on the machine.
  const maxChunkPoints = Math.max(maxLeafPoints, options.maxChunkPoints ?? Math.min(2_000_000, Math.max(DEFAULT_MAX_CHUNK_POINTS, Math.ceil(total / 16))));
  const tightCube: NodeBox = total === 0 ? { x: 0, y: 0, z: 0, size: 1 } : cubeOver(intMin, intMax);
  // Keep the stated cube when every point fell inside it (the early counts are then valid for it).
  const cube: NodeBox = earlyCounts && earlyCube && total > 0 ? earlyCube : tightCube;

  // Everything below writes a node list: name → { records or file range }.
  const memoryNodes = new Map<string, { pts: QuantizedPoints; childMask: number }>();
  const chunkResults: { name: string; result: ChunkResult; outPath: string }[] = [];
  let chunkCount = 0;
  const workers = Math.max(1, options.workers ?? availableParallelism());

  // An empty input skips straight to writing its single empty root node.
  if (total === 0) {
    memoryNodes.set('r', { pts: { count: 0, xyz: new Int32Array(0) }, childMask: 0 });
    await pool?.close();
  } else try {
    // ---- 2. count ----------------------------------------------------------------------------------
    const counts = earlyCounts && cube === earlyCube ? earlyCounts : new Uint32Array(COUNT_GRID ** 3);
    const inv = COUNT_GRID / cube.size;
    const cellOf = (xyz: Int32Array, i: number): number => {
      // Truncation equals floor here: negatives are clamped to 0 next.
      let cx = ((xyz[i]! - cube.x) * inv) | 0;
      let cy = ((xyz[i + 1]! - cube.y) * inv) | 0;
      let cz = ((xyz[i + 2]! - cube.z) * inv) | 0;
      cx = cx < 0 ? 0 : cx > COUNT_GRID - 1 ? COUNT_GRID - 1 : cx;
      cy = cy < 0 ? 0 : cy > COUNT_GRID - 1 ? COUNT_GRID - 1 : cy;
      cz = cz < 0 ? 0 : cz > COUNT_GRID - 1 ? COUNT_GRID - 1 : cz;
      return (cx << (2 * COUNT_BITS)) | (cy << COUNT_BITS) | cz;
    };
    if (counts !== earlyCounts && lasSlices.length > 0) {
      // Some point lay outside the stated bounds: count again over the tight cube.
      const again = await Promise.all(lasSlices.map((t) => pool!.lasCount({ ...t, cube })));
      for (const r of again) for (let c = 0; c < counts.length; c++) counts[c]! += r.counts![c]!;
    } else if (counts !== earlyCounts) {
      for (const spill of spills) {
        for (const batch of readBatches(spill.path)) {
          for (let i = 0; i < batch.count * 3; i += 3) counts[cellOf(batch.xyz, i)]!++;
        }
      }
    }
    lap('count');

    // ---- 3. chunk ----------------------------------------------------------------------------------
    // Count of an octree node at `level` whose cell coordinates (at that level) are ix, iy, iz.
    const levelCounts: Float64Array[] = [];
    levelCounts[COUNT_BITS] = Float64Array.from(counts);
    for (let level = COUNT_BITS - 1; level >= 0; level--) {
      const g = 1 << level;
      const fine = levelCounts[level + 1]!;
      const coarse = new Float64Array(g * g * g);
      const gf = g * 2;
      for (let x = 0; x < gf; x++) for (let y = 0; y < gf; y++) for (let z = 0; z < gf; z++) {
        coarse[((x >> 1) * g + (y >> 1)) * g + (z >> 1)]! += fine[(x * gf + y) * gf + z]!;
      }
      levelCounts[level] = coarse;
    }
    interface Chunk { name: string; level: number; ix: number; iy: number; iz: number; box: NodeBox; count: number }
    const chunks: Chunk[] = [];
    const upper: { name: string; level: number; box: NodeBox; childMask: number }[] = [];
    const visit = (name: string, level: number, ix: number, iy: number, iz: number, box: NodeBox): void => {
      const g = 1 << level;
      const count = levelCounts[level]![(ix * g + iy) * g + iz]!;
      if (count === 0) return;
      if (count <= maxChunkPoints || level === COUNT_BITS) {
        chunks.push({ name, level, ix, iy, iz, box, count });
        return;
      }
      let childMask = 0;
      for (let c = 0; c < 8; c++) {
        const cx = ix * 2 + ((c >> 2) & 1), cy = iy * 2 + ((c >> 1) & 1), cz = iz * 2 + (c & 1);
        const g2 = g * 2;
        if (levelCounts[level + 1]![(cx * g2 + cy) * g2 + cz]! > 0) childMask |= 1 << c;
      }
      upper.push({ name, level, box, childMask });
      for (let c = 0; c < 8; c++) {
        if (childMask & (1 << c)) visit(name + c, level + 1, ix * 2 + ((c >> 2) & 1), iy * 2 + ((c >> 1) & 1), iz * 2 + (c & 1), childBox(box, c));
      }
    };
    visit('r', 0, 0, 0, 0, cube);
    chunkCount = chunks.length;
    // Fine cell → chunk index, shared with the workers.
    const cellChunk = new Int32Array(new SharedArrayBuffer(4 * COUNT_GRID ** 3)).fill(-1);
    chunks.forEach((ch, index) => {
      const span = 1 << (COUNT_BITS - ch.level);
      for (let x = ch.ix * span; x < (ch.ix + 1) * span; x++) for (let y = ch.iy * span; y < (ch.iy + 1) * span; y++) for (let z = ch.iz * span; z < (ch.iz + 1) * span; z++) {
        cellChunk[(x << (2 * COUNT_BITS)) | (y << COUNT_BITS) | z] = index;
      }
    });
    // The spill is cut into a fixed number of slices of whole batches (never "one per worker"), and a
    // chunk is its slices' files in slice order: the point order inside a chunk, and so every output
    // byte, does not depend on how many threads ran.
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
    pool ??= new OctreeWorkerPool(workers);
    const common = { cellChunk: cellChunk.buffer, cube, countBits: COUNT_BITS, chunkCount: chunks.length, layout };
    let sliceCounts: number[][];
    if (lasSlices.length > 0) {
      const results = await Promise.all(lasSlices.map((t, k) => pool!.lasDistribute({ ...t, ...common, prefix: join(workDir, `slice-${k}`) })));
      sliceCounts = results.map((r) => r.counts);
      for (const { ranges: r } of results) {
        for (let k = 0; k < 3; k++) {
          ranges.rgbMin[k] = Math.min(ranges.rgbMin[k]!, r.rgbMin[k]!);
          ranges.rgbMax[k] = Math.max(ranges.rgbMax[k]!, r.rgbMax[k]!);
        }
        ranges.intensityMin = Math.min(ranges.intensityMin, r.intensityMin);
        ranges.intensityMax = Math.max(ranges.intensityMax, r.intensityMax);
        ranges.classMin = Math.min(ranges.classMin, r.classMin);
        ranges.classMax = Math.max(ranges.classMax, r.classMax);
      }
    } else {
      sliceCounts = await Promise.all(slices.map((slice, k) => pool!.distribute({ spillPath: slice.path, from: slice.from, to: slice.to, ...common, prefix: join(workDir, `slice-${k}`) })));
    }
    const chunkPaths = chunks.map((_, i) => sliceCounts.map((_, k) => join(workDir, `slice-${k}-${i}.bin`)).filter((_, k) => sliceCounts[k]![i]! > 0));
    chunks.forEach((ch, i) => {
      const got = sliceCounts.reduce((n, c) => n + c[i]!, 0);
      if (got !== ch.count) throw new Error(`chunk ${ch.name}: distributed ${got} points, counted ${ch.count}`);
    });
    for (const spill of spills) rmSync(spill.path, { force: true });
    lap('chunk');

    // ---- 4. index ----------------------------------------------------------------------------------
    // Biggest chunks first keeps both cores busy to the end; results are keyed by name, so the order
    // of completion never reaches the output.
    try {
      const byName = new Map<string, ChunkResult>();
      let done = 0;
      const order = chunks.map((c, i) => i).sort((a, b) => chunks[b]!.count - chunks[a]!.count || (a - b));
      await Promise.all(
        order.map(async (i) => {
          const ch = chunks[i]!;
          const outPath = join(workDir, `nodes-${i}.bin`);
          const result = await pool!.run({ type: 'subtree', chunkPaths: chunkPaths[i]!, count: ch.count, name: ch.name, box: ch.box, layout, maxLeafPoints, minNodeSize: 1, outPath });
          byName.set(ch.name, result);
          options.onProgress?.({ phase: 'index', done: ++done, total: chunks.length });
        }),
      );
      chunks.forEach((ch, i) => chunkResults.push({ name: ch.name, result: byName.get(ch.name)!, outPath: join(workDir, `nodes-${i}.bin`) }));
    } finally {
      await pool.close();
      pool = undefined;
    }
    lap('index');

    // ---- 5. merge ----------------------------------------------------------------------------------
    for (const { name, result } of chunkResults) {
      memoryNodes.set(name, { pts: decodeRecords(result.root.records, result.root.count, layout), childMask: result.root.childMask });
    }
    const scratch = new KernelScratch();
    upper.sort((a, b) => b.level - a.level || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const node of upper) {
      const kids: string[] = [];
      for (let c = 0; c < 8; c++) if (node.childMask & (1 << c)) kids.push(node.name + c);
      const parts = kids.map((k) => memoryNodes.get(k)!.pts);
      const all = concatPoints(parts, layout);
      const order = new Uint32Array(all.count);
      for (let i = 0; i < all.count; i++) order[i] = i;
      const keep = new Uint8Array(all.count);
      const kept = pickRepresentatives(all, order, 0, all.count, node.box, scratch, keep);
      const mine = new Uint32Array(kept);
      let m = 0;
      let at = 0;
      kids.forEach((k, j) => {
        const part = parts[j]!;
        const rest: number[] = [];
        for (let i = 0; i < part.count; i++) {
          if (keep[at + i]) mine[m++] = at + i;
          else rest.push(i);
        }
        at += part.count;
        const entry = memoryNodes.get(k)!;
        entry.pts = subsetPoints(part, Uint32Array.from(rest), layout);
      });
      memoryNodes.set(node.name, { pts: subsetPoints(all, mine, layout), childMask: node.childMask });
    }
    lap('merge');
  } finally {
    // Also on errors: idle worker threads would keep the process alive.
    await pool?.close();
  }

  // ---- 6. write ------------------------------------------------------------------------------------
  const octreePath = join(workDir, 'octree.bin');
  const hierarchyNodes: HierarchyNode[] = [];
  const out = await open(octreePath, 'w');
  let written = 0;
  try {
    const names = [...memoryNodes.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    for (const name of names) {
      const { pts, childMask } = memoryNodes.get(name)!;
      const order = new Uint32Array(pts.count);
      for (let i = 0; i < pts.count; i++) order[i] = i;
      const rec = encodeRecords(pts, order, 0, pts.count, layout);
      await out.write(rec);
      hierarchyNodes.push({ name, numPoints: pts.count, byteOffset: written, byteSize: rec.length, childMask });
      written += rec.length;
    }
    for (const { result, outPath } of chunkResults) {
      const base = written;
      for (const node of result.nodes) hierarchyNodes.push({ name: node.name, numPoints: node.count, byteOffset: base + node.offset, byteSize: node.size, childMask: node.childMask });
      for await (const piece of createReadStream(outPath, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
        await out.write(piece);
        written += piece.length;
      }
      rmSync(outPath, { force: true });
    }
  } finally {
    await out.close();
  }
  const pointSum = hierarchyNodes.reduce((n, h) => n + h.numPoints, 0);
  if (pointSum !== total) throw new Error(`octree holds ${pointSum} points, input had ${total}`);
  const hierarchy = writeHierarchy(hierarchyNodes);
  const hierarchyPath = join(workDir, 'hierarchy.bin');
  const metadataPath = join(workDir, 'metadata.json');
  const metadata = potreeMetadata({
    name: options.name ?? 'points',
    points: total,
    offset,
    scale,
    cube,
    layout,
    ranges,
    hierarchy,
    ...(options.projection === undefined ? {} : { projection: options.projection }),
  });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(hierarchyPath, hierarchy.bytes);
  await writeFile(metadataPath, metadataBytes(metadata));
  lap('write');
  const attributes: PointAttributeName[] = ['position'];
  if (layout.attributes.rgb) attributes.push('rgb');
  if (layout.attributes.intensity) attributes.push('intensity');
  if (layout.attributes.classification) attributes.push('classification');
  return {
    metadataPath,
    hierarchyPath,
    octreePath,
    metadata,
    points: total,
    nodes: hierarchyNodes.length,
    bounds: total === 0 ? { min: [0, 0, 0], max: [0, 0, 0] } : { min: [ranges.posMin[0]!, ranges.posMin[1]!, ranges.posMin[2]!], max: [ranges.posMax[0]!, ranges.posMax[1]!, ranges.posMax[2]!] },
    attributes,
    scale,
    spacing: metadata.spacing,
    stats: { chunks: chunkCount, workers, seconds, cpuSeconds },
  };
}
