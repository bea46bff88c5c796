/**
 * Streams points of any size into a Potree 2.0 octree on disk, in bounded memory, on all cores.
 *
 * 1. read    — (count-inputs.ts, spill.ts) LAS files are read where they lie, in their own integers;
 *              LAZ chunks are decoded on the workers into a spill of raw records; other formats are
 *              quantised on this thread into a spill of Potree records. All in one integer frame whose
 *              cube is a power of two (frame.ts).
 * 2. count   — (count-inputs.ts) workers count fixed slices into a 64³ grid (LAZ: while decoding).
 * 3. chunk   — (chunk-plan.ts) nodes holding at most `maxChunkPoints` become chunks; workers write each
 *              slice's points as Potree records into their chunk's place in chunks.bin.
 * 4. index   — (subtrees.ts) workers build each chunk's subtree with the sampler (kernel.mjs) and write
 *              its nodes below the root at their final place in octree.bin, hashing each node, and its
 *              root into roots.bin. octree.bin is chunks.bin rewritten in place, renamed once done.
 * 5. merge   — (merge.ts) the levels above the chunks, bottom-up from the chunk roots with the same
 *              sampler, one worker task per top-level octant, each node on disk as soon as it is final.
 * 6. write   — (write-octree.ts) the upper part of octree.bin, hierarchy.bin, metadata.json and
 *              tile-hashes.bin (the tile hashes the manifest names).
 *
 * No phase keeps points of the whole input in memory: every point waits in a file between phases, and
 * each task holds one slice, one chunk or one path of upper nodes. What stays on this thread is one entry
 * per chunk and per octree node (the hierarchy).
 *
 * The output depends only on the input points, their order and the options: never on which worker
 * finished first or how many there are. So the same scan gives the same bytes and the same hashes.
 */
import { availableParallelism } from 'node:os';
import { closeSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Bounds, PointAttributeName } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { AttributeRanges, recordLayout, type PotreeMetadataJson, type RecordLayout } from '../core/potree/layout.ts';
import { WorkerPool } from '@vestige/evidence/worker-pool';
import { DEFAULT_SCALE } from '../potree/quantize.ts';
import type { SamplerId } from '../potree/kernel.mjs';
import { distributeChunks, planChunks, totalCounts } from './chunk-plan.ts';
import { countLasInputs, countSpill, type BuildPool, type CountedInput } from './count-inputs.ts';
import { MERGE_FILE_PREFIX, mergeUpperLevels, type UpperPartNode } from './merge.ts';
import type { LasSource } from './record-passes.mjs';
import { spillPoints } from './spill.ts';
import { buildChunkSubtrees, type BuiltChunk } from './subtrees.ts';
import { writeOctree } from './write-octree.ts';

export interface OctreeBuildOptions {
  /** Empty folder for temp files and the outputs (the caller creates and removes it). */
  workDir: string;
  name?: string;
  /**
   * Position quantum in source units for inputs without their own integers (default 0.0001, made coarser if the extent
   * needs it). LAS and LAZ keep theirs unless this differs.
   */
  scale?: number;
  /** Nodes with more points are subsampled and split (default 20 000). */
  maxLeafPoints?: number;
  /**
   * Largest spatial chunk one worker builds in memory (default: a sixteenth of the input, 150 000 to 500 000 points).
   */
  maxChunkPoints?: number;
  /** How a node chooses its points: `grid` (default) or `poisson` (PotreeConverter's default). */
  sampling?: SamplerId;
  /** Worker threads (default: one per core). */
  workers?: number;
  /**
   * The inputs' own integer grid (LAS/LAZ scale and offset, `lasIntegerGrid`): points that stream through
   * an importer are quantised onto it, so they keep the file's integers.
   */
  integerGrid?: { scale: number; offset: [number, number, number] };
  /** Bounds stated by the inputs' headers (where the cube goes before counting, when every point falls inside). */
  statedBounds?: Bounds;
  projection?: string;
  /**
   * LAS and LAZ inputs, in order (`lasRecordSource`, `lazRecordSource`). When they share one integer grid
   * the workers read them directly and `points` is not read; otherwise `points` is.
   */
  lasSources?: LasSource[];
  signal?: AbortSignal;
  onProgress?: (progress: {
    phase: 'read' | 'count' | 'chunk' | 'index' | 'merge' | 'write';
    done: number;
    total?: number;
  }) => void;
}

export interface OctreeBuildResult {
  metadataPath: string;
  hierarchyPath: string;
  octreePath: string;
  /** One SHA-256 per hierarchy record (core/potree/tile-hashes.ts) and the hash the manifest states. */
  tileHashesPath: string;
  tileHashRoot: string;
  metadata: PotreeMetadataJson;
  points: number;
  nodes: number;
  bounds: Bounds;
  attributes: PointAttributeName[];
  scale: number;
  spacing: number;
  sampling: SamplerId;
  /** Wall and CPU seconds per phase (CPU counts all threads of the process). */
  stats: {
    chunks: number;
    workers: number;
    seconds: Record<string, number>;
    cpuSeconds: Record<string, number>;
    lazChunksDecoded: number;
  };
}

/** Smallest automatic chunk size; chunks grow to about a sixteenth of the input, up to MAX_AUTO_CHUNK_POINTS. */
export const DEFAULT_MAX_CHUNK_POINTS = 150_000;
/**
 * The automatic chunk size stops growing here (reached at 8 M points), so what a worker holds for one chunk
 * is the same for every larger input: 10 M and 1 G points build chunks of the same size, only more of them.
 */
export const MAX_AUTO_CHUNK_POINTS = 500_000;

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

/** Phases 1–2: the inputs in one frame, counted per slice. */
async function readAndCount(
  points: AsyncIterable<PointChunk>,
  options: OctreeBuildOptions,
  pool: () => BuildPool,
): Promise<CountedInput> {
  const las =
    options.lasSources && options.lasSources.length > 0
      ? await countLasInputs(
          options.lasSources,
          options.statedBounds,
          { ...(options.scale === undefined ? {} : { scale: options.scale }), workDir: options.workDir },
          pool,
        )
      : undefined;
  if (las) return las;
  const counted = await spillPoints(
    points,
    options.workDir,
    {
      requestedScale: options.scale ?? DEFAULT_SCALE,
      ...(options.integerGrid ? { grid: options.integerGrid } : {}),
      ...(options.statedBounds ? { stated: options.statedBounds } : {}),
    },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done) => options.onProgress?.({ phase: 'read', done }),
    },
  );
  if (counted.total > 0) await countSpill(counted, pool());
  return counted;
}

interface BuiltNodes {
  upper: UpperPartNode[];
  built: BuiltChunk[];
  upperStart: number;
  ranges: AttributeRanges;
  chunks: number;
}

/** The chunk roots the index writes for the merge (a temporary of the work folder). */
const ROOTS_FILE = 'roots.bin';

/** Phases 3–5 for a non-empty input. */
async function buildNodes(
  counted: CountedInput,
  layout: RecordLayout,
  sampler: SamplerId,
  options: OctreeBuildOptions,
  clock: PhaseClock,
  pool: BuildPool,
): Promise<BuiltNodes> {
  const maxLeafPoints = options.maxLeafPoints ?? 20_000;
  // About 16 chunks: enough to keep every core busy, few enough that the levels above the chunks stay
  // cheap. Never derived from the worker count, so the bytes do not depend on the machine.
  const maxChunkPoints = Math.max(
    maxLeafPoints,
    options.maxChunkPoints ??
      Math.min(MAX_AUTO_CHUNK_POINTS, Math.max(DEFAULT_MAX_CHUNK_POINTS, Math.ceil(counted.total / 16))),
  );
  const { chunks, upper } = planChunks(totalCounts(counted), counted.frame.bits, maxChunkPoints, layout.bytesPerPoint);
  const distributed = await distributeChunks(counted, chunks, layout, options.workDir, pool);
  for (const spill of counted.spills) rmSync(spill, { force: true });
  clock.lap('chunk');
  const rootsPath = join(options.workDir, ROOTS_FILE);
  closeSync(openSync(rootsPath, 'w'));
  const { built, upperStart } = await buildChunkSubtrees(chunks, {
    layout,
    maxLeafPoints,
    sampler,
    chunksPath: distributed.path,
    rootsPath,
    pool,
    onChunk: (done, total) => options.onProgress?.({ phase: 'index', done, total }),
  });
  // Every chunk's nodes below its root are in place; the write phase fills the upper part after them.
  renameSync(distributed.path, join(options.workDir, 'octree.bin'));
  clock.lap('index');
  const merged = await mergeUpperLevels(built, upper, {
    layout,
    sampler,
    pool,
    rootsPath,
    workDir: options.workDir,
    onOctant: (done, total) => options.onProgress?.({ phase: 'merge', done, total }),
  });
  clock.lap('merge');
  return { upper: merged, built, upperStart, ranges: distributed.ranges, chunks: chunks.length };
}

function attributeNames(layout: RecordLayout): PointAttributeName[] {
  const names: PointAttributeName[] = ['position'];
  if (layout.attributes.rgb) names.push('rgb');
  if (layout.attributes.intensity) names.push('intensity');
  if (layout.attributes.classification) names.push('classification');
  return names;
}

export async function buildOctree(
  points: AsyncIterable<PointChunk>,
  options: OctreeBuildOptions,
): Promise<OctreeBuildResult> {
  const clock = new PhaseClock();
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const sampler = options.sampling ?? 'grid';
  let pool: BuildPool | undefined;
  const poolOf = (): BuildPool =>
    (pool ??= new WorkerPool(new URL('./octree-worker.mjs', import.meta.url), { name: 'octree build', size: workers }));
  closeSync(openSync(join(options.workDir, 'octree.bin'), 'w'));
  let counted: CountedInput;
  let nodes: BuiltNodes;
  try {
    counted = await readAndCount(points, options, poolOf);
    clock.lap('count');
    const layout = recordLayout(counted.attributes);
    nodes =
      counted.total === 0
        ? {
            upper: [{ name: 'r', count: 0, childMask: 0, path: '', offset: 0, size: 0 }],
            built: [],
            upperStart: 0,
            ranges: new AttributeRanges(),
            chunks: 0,
          }
        : await buildNodes(counted, layout, sampler, options, clock, poolOf());
  } finally {
    // Also on errors: idle worker threads would keep the process alive.
    await pool?.close();
  }
  const layout = recordLayout(counted.attributes);
  const { frame, total } = counted;
  const ranges = nodes.ranges;
  for (let k = 0; k < 3; k++) {
    ranges.posMin[k] = frame.offset[k]! + counted.qMin[k]! * frame.scale;
    ranges.posMax[k] = frame.offset[k]! + counted.qMax[k]! * frame.scale;
  }
  const written = await writeOctree(options.workDir, nodes.upper, nodes.built, nodes.upperStart, {
    name: options.name ?? 'points',
    total,
    frame,
    layout,
    ranges,
    ...(options.projection === undefined ? {} : { projection: options.projection }),
  });
  // The chunk roots and the merge's files, once the upper part has been copied out of them.
  for (const file of readdirSync(options.workDir))
    if (file === ROOTS_FILE || file.startsWith(MERGE_FILE_PREFIX)) rmSync(join(options.workDir, file), { force: true });
  clock.lap('write');
  options.onProgress?.({ phase: 'write', done: written.nodes, total: written.nodes });
  return {
    ...written,
    points: total,
    bounds:
      total === 0
        ? { min: [0, 0, 0], max: [0, 0, 0] }
        : {
            min: [ranges.posMin[0]!, ranges.posMin[1]!, ranges.posMin[2]!],
            max: [ranges.posMax[0]!, ranges.posMax[1]!, ranges.posMax[2]!],
          },
    attributes: attributeNames(layout),
    scale: frame.scale,
    spacing: written.metadata.spacing,
    sampling: sampler,
    stats: {
      chunks: nodes.chunks,
      workers,
      seconds: clock.seconds,
      cpuSeconds: clock.cpuSeconds,
      lazChunksDecoded: counted.lazChunksDecoded ?? 0,
    },
  };
}
