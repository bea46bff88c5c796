import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { seededUint32 as prng } from '@vestige/evidence';
import { HashingWorkerPool, PdqIndex, sweepPlan } from '@vestige/hashing';
import { seconds } from '../support.ts';
import { generateQueries, generateSet, type Population } from './hash-sets.ts';
import { runNativePeer, writeHashes } from './native-peer.ts';

/**
 * One side-by-side run: the same queries through Vestige's index (worker threads on every core,
 * sharing the index's memory, each taking a share of one search) and through the native batched scan (one thread
 * per core). Results must be identical query by query. `measured` < `queries` answers an evenly
 * spaced sample on both sides (a brute-force scan costs the same for every query, and the sample
 * mixes planted, near and random queries in the same proportions as the whole); the default is all
 * of them. The plain-loop build of the peer runs on `plainSample` of those, for comparison with
 * earlier runs.
 */
export interface ScenarioOptions {
  readonly n: number;
  readonly queries: number;
  readonly measured: number;
  readonly radius: number;
  readonly population: Population;
  readonly workDir: string;
  readonly target: number;
  readonly plainSample: number;
}

export async function matchScenario(o: ScenarioOptions) {
  const cores = availableParallelism();
  const next = prng(o.population === 'uniform' ? 20261123 : 20261124);
  let t = process.hrtime.bigint();
  const store = generateSet(o.n, o.population, next);
  const { queries: all, plantedFrom } = generateQueries(store, o.queries, o.radius, next);
  const generateSeconds = seconds(t);
  const sample = Array.from({ length: o.measured }, (_, k) => Math.floor((k * o.queries) / o.measured));
  const queries = new Uint32Array(new SharedArrayBuffer(sample.length * 32));
  sample.forEach((q, k) => queries.set(all.subarray(q * 8, q * 8 + 8), k * 8));
  const setPath = join(o.workDir, `set-${o.population}-${o.n}.bin`);
  writeHashes(setPath, store.words, store.size);

  t = process.hrtime.bigint();
  const index = PdqIndex.build(store);
  const buildSeconds = seconds(t);
  const memoryBytes = index.memoryBytes();
  const pool = new HashingWorkerPool(cores);
  await pool.loadIndex(index);
  // One search over all the queries, every worker taking a share of its work (HashingWorkerPool
  // .searchAll): for the sweep layout's joins a share of the chunk tables, so that no two workers
  // prepare the same table's set side; for a scan or a persistent layout a share of the queries.
  t = process.hrtime.bigint();
  const found = await pool.searchAll(queries, 0, sample.length, o.radius);
  const indexSeconds = seconds(t);
  const workingBytes = found.peakWorkingBytes ?? 0;
  await pool.close();

  const native = runNativePeer(o.workDir, setPath, queries, o.radius, cores);
  const plain = plainLoopRun(o, setPath, queries, native.hits, cores);
  let identical = true;
  let hits = 0;
  let plantedFound = 0;
  let planted = 0;
  for (let q = 0, k = 0; q < found.counts.length; q++) {
    const mine: Array<[number, number]> = [];
    for (let c = 0; c < found.counts[q]!; c++, k += 2) mine.push([found.hits[k]!, found.hits[k + 1]!]);
    mine.sort((a, b) => a[0] - b[0]);
    const theirs = native.hits[q]!;
    hits += mine.length;
    if (
      theirs.length !== mine.length * 2 ||
      mine.some(([idx, d], j) => theirs[2 * j] !== idx || theirs[2 * j + 1] !== d)
    )
      identical = false;
    const src = plantedFrom[sample[q]!]!;
    if (src >= 0) {
      planted++;
      if (mine.some(([idx]) => idx === src)) plantedFound++;
    }
  }
  const ratio = native.seconds / indexSeconds;
  return {
    population: o.population,
    indexed: o.n,
    queries: o.queries,
    measuredQueries: sample.length,
    radius: o.radius,
    hits,
    plantedQueries: planted,
    plantedFound,
    generateSeconds,
    buildSeconds,
    index: {
      layout: index.layout,
      algorithm: index.describe(),
      plan: planOf(index, sample.length, o.radius),
      workers: cores,
      seconds: indexSeconds,
      queriesPerSecond: sample.length / indexSeconds,
    },
    nativeScan: {
      build: 'vectorised (AVX-512 VPOPCNTQ)',
      threads: cores,
      seconds: native.seconds,
      queriesPerSecond: sample.length / native.seconds,
    },
    ratio,
    plainLoopPeer: {
      ...plain,
      ratioPerQuery: plain.queriesPerSecond ? sample.length / indexSeconds / plain.queriesPerSecond : null,
    },
    target: o.target,
    meetsTarget: identical && ratio >= o.target,
    identicalResults: identical && plantedFound === planted,
    memory: {
      indexBytes: memoryBytes,
      rawHashBytes: o.n * 32,
      ratio: memoryBytes / (o.n * 32),
      target: 1.5,
      meetsTarget: memoryBytes / (o.n * 32) <= 1.5,
      workingBytesPerWorker: workingBytes,
      workingRatioAllWorkers: (workingBytes * cores) / (o.n * 32),
      note: 'indexBytes is what the index holds between searches. workingBytesPerWorker is the most one worker held while answering its batch (partitioned copies of the set records, probe keys, directories, hits), freed for reuse by its next batch.',
    },
  };
}

/** The method and chunk tables a search of `queries` queries gets (sweep layout only). */
function planOf(index: PdqIndex, queries: number, radius: number) {
  if (index.layout !== 'sweep') return undefined;
  const plan = sweepPlan(index.size, queries, radius);
  return {
    method: plan.method,
    queries,
    chunks: 'chunks' in plan ? plan.chunks.map((c) => `${c.bits}b/τ${c.tau}`).join(' ') : undefined,
  };
}

/**
 * The plain-loop build of the peer on an evenly spaced part of the queries; its hits must equal the vectorised build's.
 */
function plainLoopRun(
  o: ScenarioOptions,
  setPath: string,
  queries: Uint32Array,
  vectorisedHits: Uint32Array[],
  cores: number,
) {
  const total = queries.length / 8;
  const count = Math.min(o.plainSample, total);
  if (count === 0) return { queries: 0, seconds: 0, queriesPerSecond: 0, identicalToVectorised: true };
  const picked = Array.from({ length: count }, (_, k) => Math.floor((k * total) / count));
  const part = new Uint32Array(count * 8);
  picked.forEach((q, k) => part.set(queries.subarray(q * 8, q * 8 + 8), k * 8));
  const run = runNativePeer(o.workDir, setPath, part, o.radius, cores, 'plain');
  const same = picked.every(
    (q, k) =>
      run.hits[k]!.length === vectorisedHits[q]!.length && run.hits[k]!.every((v, i) => v === vectorisedHits[q]![i]),
  );
  return { queries: count, seconds: run.seconds, queriesPerSecond: count / run.seconds, identicalToVectorised: same };
}
