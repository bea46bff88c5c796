/**
 * Streams points of any size into a Potree 2.0 octree on disk, in bounded memory, on all cores.
 *
 * 1. spill   — (spill.ts) importer chunks are quantised to int32 (real = int × scale + offset) and
 *              appended to a temp file; exact integer bounds and attribute ranges are gathered on the
 *              way. When the inputs state their bounds, a 64³ grid over that cube counts points per
 *              cell meanwhile.
 * 2. count   — (chunk-plan.ts) otherwise (or if a point fell outside the stated bounds) a counting pass
 *              over the spill.
 * 3. chunk   — (chunk-plan.ts) octree nodes holding at most `maxChunkPoints` become chunks; worker
 *              threads distribute fixed slices of the spill into per-chunk temp files, in input order.
 *    For uncompressed LAS inputs (`lasSources`) there is no spill: workers read slices of the files
 *    twice — positions only, to count; then everything, to distribute — which is cheaper than writing and
 *    re-reading a spill, and gives the same bytes.
 * 4. index   — (subtrees.ts) worker threads build each chunk's subtree with the kernel (grid
 *              subsampling, see kernel.mjs) and hand back the chunk root's points.
 * 5. merge   — (subtrees.ts) the levels above the chunks are chosen bottom-up from the chunk roots with
 *              the same rule (one point per grid cell, nearest its centre), so coarse levels are as
 *              faithful as the fine ones.
 * 6. write   — (write-octree.ts) octree.bin (in-memory nodes, then the chunks in name order),
 *              hierarchy.bin, metadata.json.
 *
 * The output depends only on the input points, their order and the options: never on which worker
 * finished first. So the same scan gives the same bytes and the same hashes.
 */
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import type { Bounds, PointAttributeName } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { recordLayout, type PotreeMetadataJson } from '../core/potree/layout.ts';
import { cubeOver, DEFAULT_SCALE } from '../potree/quantize.ts';
import type { NodeBox } from '../potree/kernel.mjs';
import { countCells, distributeChunks, planChunks } from './chunk-plan.ts';
import { countLasSlices, planFromStatedBounds, spillPoints, type Spilled } from './spill.ts';
import { buildChunkSubtrees, mergeUpperLevels, type BuiltChunk, type MemoryNodes } from './subtrees.ts';
import { OctreeWorkerPool } from './worker-pool.ts';
import { writeOctree } from './write-octree.ts';
import { FLAG_CLASS, FLAG_INTENSITY, FLAG_RGB, type LasSource } from './spill-format.mjs';


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

/** Wall and CPU seconds of each phase (CPU counts every thread of the process). */
class PhaseClock {
  readonly seconds: Record<string, number> = {};
  readonly cpuSeconds: Record<string, number> = {};
  private t0 = performance.now();
  private c0 = process.cpuUsage();

  lap(phase: string): void {
    const t = performance.now();
    const c = process.cpuUsage();
    this.seconds[phase] = Math.round(t - this.t0) / 1000;
    this.cpuSeconds[phase] = Math.round((c.user - this.c0.user + c.system - this.c0.system) / 1000) / 1000;
    this.t0 = t;
    this.c0 = c;
  }
}

/** Phase 1: the spill, or (uncompressed LAS with stated bounds) the workers' parallel count. */
async function spillOrCount(points: AsyncIterable<PointChunk>, options: OctreeBuildOptions, pool: () => OctreeWorkerPool): Promise<Spilled> {
  const requestedScale = options.scale ?? DEFAULT_SCALE;
  const plan = planFromStatedBounds(options.statedBounds, requestedScale);
  if (plan && options.lasSources && options.lasSources.length > 0) return countLasSlices(options.lasSources, plan, pool());
  return spillPoints(points, options.workDir, requestedScale, { ...(options.statedBounds ? { bounds: options.statedBounds } : {}), ...(plan ? { plan } : {}) }, {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (done) => options.onProgress?.({ phase: 'spill', done }),
  });
}

/** Phases 2–5 for a non-empty input: the in-memory upper nodes and the chunks built on the workers. */
async function buildNodes(spilled: Spilled, cube: NodeBox, layout: ReturnType<typeof recordLayout>, options: OctreeBuildOptions, clock: PhaseClock, pool: () => OctreeWorkerPool): Promise<{ memory: MemoryNodes; built: BuiltChunk[]; chunks: number }> {
  const maxLeafPoints = options.maxLeafPoints ?? 20_000;
  // About 16 chunks: enough to keep every core busy, few enough that the levels above the chunks stay
  // cheap. Never derived from the worker count, so the bytes do not depend on the machine.
  const maxChunkPoints = Math.max(maxLeafPoints, options.maxChunkPoints ?? Math.min(2_000_000, Math.max(DEFAULT_MAX_CHUNK_POINTS, Math.ceil(spilled.total / 16))));
  const counts = await countCells(spilled, cube, pool);
  clock.lap('count');
  const { chunks, upper } = planChunks(counts, cube, maxChunkPoints);
  const chunkPaths = await distributeChunks(spilled, chunks, cube, layout, spilled.ranges, options.workDir, pool());
  for (const spill of spilled.spills) rmSync(spill.path, { force: true });
  clock.lap('chunk');
  const built = await buildChunkSubtrees(chunks, chunkPaths, { layout, maxLeafPoints, workDir: options.workDir, pool: pool(), onChunk: (done, total) => options.onProgress?.({ phase: 'index', done, total }) });
  clock.lap('index');
  const memory = mergeUpperLevels(built, upper, layout);
  clock.lap('merge');
  return { memory, built, chunks: chunks.length };
}

export async function buildOctree(points: AsyncIterable<PointChunk>, options: OctreeBuildOptions): Promise<OctreeBuildResult> {
  const clock = new PhaseClock();
  const workers = Math.max(1, options.workers ?? availableParallelism());
  let pool: OctreeWorkerPool | undefined;
  const poolOf = () => (pool ??= new OctreeWorkerPool(workers));
  let spilled: Spilled;
  let cube: NodeBox;
  let nodes: { memory: MemoryNodes; built: BuiltChunk[]; chunks: number };
  const layoutOf = (flags: number) => recordLayout({ rgb: !!(flags & FLAG_RGB), intensity: !!(flags & FLAG_INTENSITY), classification: !!(flags & FLAG_CLASS) });
  try {
    spilled = await spillOrCount(points, options, poolOf);
    clock.lap('spill');
    // Keep the stated cube when every point fell inside it (its cell counts are then valid).
    cube = spilled.total === 0 ? { x: 0, y: 0, z: 0, size: 1 } : spilled.early ? spilled.early.cube : cubeOver(spilled.intMin, spilled.intMax);
    // An empty input skips straight to writing its single empty root node.
    nodes = spilled.total === 0
      ? { memory: new Map([['r', { pts: { count: 0, xyz: new Int32Array(0) }, childMask: 0 }]]), built: [], chunks: 0 }
      : await buildNodes(spilled, cube, layoutOf(spilled.flags), options, clock, poolOf);
  } finally {
    // Also on errors: idle worker threads would keep the process alive.
    await pool?.close();
  }
  const layout = layoutOf(spilled.flags);
  const { total, offset, scale, ranges } = spilled;
  const written = await writeOctree(options.workDir, nodes.memory, nodes.built, { name: options.name ?? 'points', total, offset, scale, cube, layout, ranges, ...(options.projection === undefined ? {} : { projection: options.projection }) });
  clock.lap('write');
  const attributes: PointAttributeName[] = ['position'];
  if (layout.attributes.rgb) attributes.push('rgb');
  if (layout.attributes.intensity) attributes.push('intensity');
  if (layout.attributes.classification) attributes.push('classification');
  return {
    metadataPath: written.metadataPath,
    hierarchyPath: written.hierarchyPath,
    octreePath: written.octreePath,
    metadata: written.metadata,
    points: total,
    nodes: written.nodes,
    bounds: total === 0 ? { min: [0, 0, 0], max: [0, 0, 0] } : { min: [ranges.posMin[0]!, ranges.posMin[1]!, ranges.posMin[2]!], max: [ranges.posMax[0]!, ranges.posMax[1]!, ranges.posMax[2]!] },
    attributes,
    scale,
    spacing: written.metadata.spacing,
    stats: { chunks: nodes.chunks, workers, seconds: clock.seconds, cpuSeconds: clock.cpuSeconds },
  };
}
