import { popcount32 } from '../hex.ts';
import {
  masksFor,
  PdqHashArray,
  PDQ_WORDS,
  type SearchShare,
  shareOfQueries,
  sortEachQuery,
  type IndexHit,
  hitsOfOneQuery,
} from './pdq-hashes.ts';
import { type ChunkLanes, MergeJoinKernel, RECORD_WORDS } from './kernels/merge-join.ts';

/**
 * Exact PDQ radius search for batches of queries that keeps nothing but the hashes themselves: a
 * batch is joined against the set, table by table, at search time, instead of looking each query up
 * in tables built beforehand.
 *
 * Why: a persistent multi-index table answers one query with a few thousand random reads (its
 * buckets, then each candidate's hash), and in 1.5× the raw size it cannot even hold the ids. Here
 * the random reads become sequential ones. Per chunk table, both sides are brought into the same
 * order, so every candidate pair is checked with both hashes already in cache:
 *
 * - `partition` (large sets): the batch's probe keys (each query's chunk within τ bits, the
 *   generalised pigeonhole of tauFor) and the set's chunk keys are radix-partitioned on their top
 *   bits, so that one partition's probes and directory stay in the second-level cache while the
 *   set's records for that partition stream past them.
 * - `merge` (set and batch up to about two million hashes together): both sides are sorted by
 *   chunk key, with their hashes, and the smaller side's keys within τ bits are looked up in the
 *   other's directory. The loop over candidates is WebAssembly (kernels/merge-join.wat), for its
 *   64-bit popcount.
 * - `scan`: a plain linear scan, when the cost model says it is cheaper: a handful of queries, a
 *   radius below 10 (its chunks would be wider than 24 bits), or one so wide that probes cost more.
 *
 * A pair found through several tables is reported once, by the first table in which its chunk is
 * within τ. Results are exactly a linear scan's, in `search`'s order.
 */
export interface SweepChunk {
  /** First bit, counted from the most significant bit of word 0. */
  readonly offset: number;
  readonly bits: number;
  readonly tau: number;
}

export type SweepPlan =
  | { readonly method: 'scan' }
  | { readonly method: 'partition' | 'merge'; readonly chunks: readonly SweepChunk[] };

/**
 * Cost of each step in nanoseconds, measured on one core of the benchmark machine (2-core AMD EPYC,
 * Node 20), phase by phase at 10 M hashes and 50,000 queries (partition) and 100,000 hashes (merge).
 * Only their ratios matter: they choose the method and the number of chunk tables.
 */
const COST = {
  scanPair: 3.5,
  /** Per probe key: generated, partitioned, then counting-sorted with its query's first words. */
  probe: 15.5,
  /** Per set hash per table: counted, copied into its partition, streamed through the join. */
  partitionRecord: 26,
  candidateRandom: 15,
  /** Merge, per record of each side per table: its key, then copied into the kernel's memory. */
  sortRecord: 22,
  /** Merge kernel, per record of the smaller side per probe key: the other side's run found and walked. */
  lookup: 5.5,
  /** Merge kernel, per pair under a probe key: words 0–3 compared. */
  candidateInline: 1.5,
};

/**
 * Widest chunk key, and the bits a partition's directory resolves: 2^14 entries (64 KiB), so that a
 * partition's directory and sorted probes fit in one core's 1 MiB L2. Measured at 10 M hashes,
 * 50,000 queries, one thread: 7.5 s with 14 bits, 8.2 s with 13, 8.6 s with 15.
 */
const MAX_KEY_BITS = 24;
const LOCAL_BITS = 14;
/** `merge` and `scan` take queries in passes of this many (merge holds each pass sorted, 36 bytes a query). */
const MAX_BATCH = 1 << 18;
/**
 * A partition join's probe record is (the key's low LOCAL_BITS << QUERY_BITS | query): a pass holds
 * at most 2^18 queries, and at most MAX_PROBES probe records (4 bytes each) at once.
 */
const QUERY_BITS = 32 - LOCAL_BITS;
const QUERY_MASK = (1 << QUERY_BITS) - 1;

/** Probe records held at once (4 bytes each): 128 MiB. */
const MAX_PROBES = 1 << 25;

/** Queries per partition-join pass for chunks with `v` probe keys each. */
function partitionPass(v: number): number {
  return Math.max(1, Math.min(1 << QUERY_BITS, Math.floor(MAX_PROBES / v)));
}

/** `merge` keeps both sides sorted with their hashes (36 bytes a record) and two directories. */
const MERGE_MAX_BITS = 20;
const MERGE_MAX_RECORDS = 1 << 21;

/** Σ_{k ≤ tau} C(bits, k): the keys within tau bits of one key. */
function ballSize(bits: number, tau: number): number {
  let total = 0;
  let c = 1;
  for (let k = 0; k <= tau; k++) {
    total += c;
    c = (c * (bits - k)) / (k + 1);
  }
  return total;
}

/**
 * `m` chunks over the 256 bits, widths as even as possible (wider first), and the radius + 1
 * "credits" of the generalised pigeonhole spread over them (wider chunks take the odd ones): if two
 * hashes are within `radius`, some chunk i differs in at most τ_i = credits_i − 1 bits.
 */
export function splitChunks(m: number, radius: number): SweepChunk[] | undefined {
  const credits = radius + 1;
  if (m < 1 || m > credits || m > 256) return undefined;
  const base = Math.floor(256 / m);
  const wider = 256 - base * m;
  const chunks: SweepChunk[] = [];
  for (let i = 0, offset = 0; i < m; i++) {
    const bits = base + (i < wider ? 1 : 0);
    const tau = Math.floor(credits / m) + (i < credits % m ? 1 : 0) - 1;
    if (tau > bits) return undefined;
    chunks.push({ offset, bits, tau });
    offset += bits;
  }
  return chunks;
}

/**
 * The cheapest way to answer `queries` queries over `n` hashes at `radius`, by the cost model;
 * `only` restricts the choice to one method (tests), where a plan for it exists.
 */
export function sweepPlan(
  n: number,
  queries: number,
  radius: number,
  only?: SweepPlan['method'],
): SweepPlan & { readonly cost: number } {
  const scan = { method: 'scan' as const, cost: n * queries * COST.scanPair };
  let best: (SweepPlan & { cost: number }) | undefined = only && only !== 'scan' ? undefined : scan;
  for (let m = Math.ceil(256 / MAX_KEY_BITS); m <= Math.min(radius + 1, 64); m++) {
    const chunks = splitChunks(m, radius);
    if (!chunks) continue;
    const passes = Math.ceil(queries / MAX_BATCH);
    let partition = 0;
    let merge = 0;
    const small = Math.min(n, queries);
    for (const c of chunks) {
      const v = ballSize(c.bits, c.tau);
      const candidates = (queries * v * n) / 2 ** c.bits;
      // The set is partitioned once per table per call; each pass clears its partitions' directories.
      partition +=
        queries * v * COST.probe +
        n * COST.partitionRecord +
        candidates * COST.candidateRandom +
        Math.ceil(queries / partitionPass(v)) * 2 ** c.bits;
      // Merge sorts the set again for every pass.
      merge +=
        (passes * n + queries) * COST.sortRecord +
        small * v * COST.lookup +
        candidates * COST.candidateInline +
        passes * 2 ** c.bits * 2;
    }
    if ((!best || partition < best.cost) && (!only || only === 'partition'))
      best = { method: 'partition', chunks, cost: partition };
    const mergeFits =
      chunks.every((c) => c.bits <= MERGE_MAX_BITS) && n + Math.min(queries, MAX_BATCH) <= MERGE_MAX_RECORDS;
    if (mergeFits && (!best || merge < best.cost) && (!only || only === 'merge'))
      best = { method: 'merge', chunks, cost: merge };
  }
  return best ?? scan; // `only` asked for a method no plan allows
}

/**
 * Bits set in three words together: the first check of every candidate pair (three words of a
 * random pair differ in about 48 bits, so it rejects nearly all of them before the other five).
 * After the 2-bit step each nibble counts at most 4, so the three words' nibbles add up to at most
 * 12 and one byte fold serves all three.
 */
function bitsSet3(x: number, y: number, z: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  y -= (y >>> 1) & 0x55555555;
  y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
  z -= (z >>> 1) & 0x55555555;
  z = (z & 0x33333333) + ((z >>> 2) & 0x33333333);
  x += y + z;
  x = (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f);
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Bits [offset, offset + bits) of the hash at `base` (bits ≤ 24, so at most two words). */
function chunkKey(words: Uint32Array, base: number, offset: number, bits: number): number {
  const a = base + (offset >>> 5);
  const shift = offset & 31;
  let key = (words[a]! << shift) >>> (32 - bits);
  if (shift + bits > 32) key |= words[a + 1]! >>> (64 - shift - bits);
  return key;
}

/**
 * The chunks as (word, mask) pairs, two per chunk (the second mask is 0 unless the chunk crosses a
 * word boundary), so that a chunk's distance is popcount((a ^ b) & mask) on whole words.
 */
function chunkMasks(chunks: readonly SweepChunk[]): ChunkMasks {
  const word = new Int32Array(chunks.length * 2);
  const mask = new Int32Array(chunks.length * 2);
  chunks.forEach((c, j) => {
    const first = c.offset >>> 5;
    const shift = c.offset & 31;
    const inFirst = Math.min(c.bits, 32 - shift);
    word[2 * j] = first;
    mask[2 * j] = ((2 ** inFirst - 1) * 2 ** (32 - shift - inFirst)) | 0;
    word[2 * j + 1] = Math.min(first + 1, PDQ_WORDS - 1);
    mask[2 * j + 1] = c.bits > inFirst ? ((2 ** (c.bits - inFirst) - 1) * 2 ** (32 - (c.bits - inFirst))) | 0 : 0;
  });
  return { word, mask };
}

/**
 * The chunks as the merge kernel's (lane, mask) pairs: a record's 64-bit lane k holds words 2k (low
 * half) and 2k + 1 (high half), so a word's mask moves to its half of its lane.
 */
function chunkLanes(chunks: readonly SweepChunk[]): ChunkLanes[] {
  const { word, mask } = chunkMasks(chunks);
  const lane = (i: number): [number, bigint] => [
    (word[i]! >> 1) * 8,
    BigInt(mask[i]! >>> 0) << (word[i]! & 1 ? 32n : 0n),
  ];
  return chunks.map((c, j) => ({ tau: c.tau, lanes: [...lane(2 * j), ...lane(2 * j + 1)] }));
}

/**
 * Whether an earlier table (before `table`) finds this pair too: its chunk there within τ. That
 * table then decides the pair, so every other table skips it without reading the rest of the hash.
 * Pairs found by several tables are near-duplicates, whose first chunks usually qualify, so this
 * mostly stops at j = 0; τ ≤ 1 needs no popcount: x & (x - 1) is 0 for x with at most one bit set.
 * (The partition join's test; the merge kernel has its own, in merge-join.wat.)
 */
function foundEarlier(
  chunks: readonly SweepChunk[],
  masks: ChunkMasks,
  table: number,
  a: Uint32Array,
  aBase: number,
  b: Uint32Array,
  bBase: number,
): boolean {
  const { word, mask } = masks;
  for (let j = 0; j < table; j++) {
    const w0 = word[2 * j]!;
    const w1 = word[2 * j + 1]!;
    const x = (a[aBase + w0]! ^ b[bBase + w0]!) & mask[2 * j]!;
    const y = (a[aBase + w1]! ^ b[bBase + w1]!) & mask[2 * j + 1]!;
    if (withinTau(x, y, chunks[j]!.tau)) return true;
  }
  return false;
}

/** Whether x and y together have at most `tau` bits set (τ ≤ 1 without a popcount). */
function withinTau(x: number, y: number, tau: number): boolean {
  if (tau === 0) return (x | y) === 0;
  if (tau === 1) return (x & (x - 1)) === 0 && (y & (y - 1)) === 0 && (x === 0 || y === 0);
  return popcount32(x) + popcount32(y) <= tau;
}

/** (query, index, distance) triples, grown as needed. */
class Hits {
  data = new Uint32Array(3 * 1024);
  length = 0;

  push(query: number, index: number, distance: number): void {
    if (this.length + 3 > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = query;
    this.data[this.length++] = index;
    this.data[this.length++] = distance;
  }
}

/** Per-call buffers, kept between calls (a worker answers many batches) and grown as needed. */
class Scratch {
  private readonly arrays = new Map<string, Uint32Array>();

  get(name: string, length: number): Uint32Array {
    let a = this.arrays.get(name);
    if (!a || a.length < length) {
      a = new Uint32Array(length);
      this.arrays.set(name, a);
    }
    return a;
  }

  bytes(): number {
    let total = 0;
    for (const a of this.arrays.values()) total += a.byteLength;
    return total;
  }
}

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export interface SweepIndexParts {
  readonly words: Uint32Array;
  readonly size: number;
}

export class SweepIndex {
  private readonly scratch = new Scratch();
  /** The merge join's WebAssembly kernel, made on first use. */
  private kernel: MergeJoinKernel | undefined;
  /** Largest working memory one call has held (bytes), for benchmark records. */
  peakWorkingBytes = 0;

  private constructor(readonly store: PdqHashArray) {}

  get size(): number {
    return this.store.size;
  }

  /** Nothing is built: the index is the hashes. */
  static build(store: PdqHashArray): SweepIndex {
    return new SweepIndex(store);
  }

  /**
   * Runs each method on a small set of its own, so that a worker's first real search starts with
   * optimised code: in fresh two-worker pools, the first search of 100,000 queries on a 100,000-hash
   * case took 419–455 ms without it and 319–410 ms with it. Takes about 0.4 s, once per worker. The
   * hashes are a fixed pattern; radius 15 gives the partition join small directories here (the
   * compiled code does not depend on the radius).
   */
  static warmUp(): void {
    const n = 8192;
    const store = new PdqHashArray(n, { shared: true });
    let x = 0x9e3779b9;
    const w = new Uint32Array(PDQ_WORDS);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < PDQ_WORDS; j++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        w[j] = i % 4 === 1 ? w[j]! ^ (1 << (x & 31)) : x >>> 0; // every fourth hash near the one before
      }
      store.pushWords(w);
    }
    const index = new SweepIndex(store);
    for (let round = 0; round < 3; round++) {
      index.searchMany(store.words, 0, n, 31, { only: 'merge' });
      index.searchMany(store.words, 0, n, 15, { only: 'partition' });
      index.searchMany(store.words, 0, 16, 31, { only: 'scan' });
    }
  }

  parts(): SweepIndexParts {
    return { words: this.store.words, size: this.store.size };
  }

  static fromParts(parts: SweepIndexParts): SweepIndex {
    return new SweepIndex(PdqHashArray.fromWords(parts.words, parts.size));
  }

  memoryBytes(): number {
    return this.store.size * PDQ_WORDS * 4;
  }

  describe(): string {
    return 'the hashes only; each batch is joined against them per chunk table at search time (radix-partitioned probes for large sets, both sides sorted for small ones, generalised pigeonhole over ~24-bit or 16-bit chunks)';
  }

  hashAt(index: number): Uint8Array {
    return this.store.hashAt(index);
  }

  search(query: Uint32Array, radius: number): IndexHit[] {
    return hitsOfOneQuery(this.searchMany(query, 0, 1, radius));
  }

  /**
   * As PdqIndex.searchMany. `share` answers part `index` of `of` (worker threads each take one; the
   * parts' hits together are the whole answer, see mergeShares): for the joins a share of the chunk
   * tables (so each table's set side is partitioned or sorted by one worker only), for a scan a share
   * of the queries. `only` forces one method where it can run (tests).
   */
  searchMany(
    queries: Uint32Array,
    from: number,
    to: number,
    radius: number,
    options: {
      readonly only?: SweepPlan['method'];
      readonly share?: SearchShare;
      /** Queries per partition-join pass, below what memory allows (tests). */
      readonly passSize?: number;
      /** Hits the merge kernel holds before handing them over, below its usual 65,536 (tests). */
      readonly hitCapacity?: number;
    } = {},
  ): { counts: Uint32Array; hits: Uint32Array } {
    const count = to - from;
    const share = options.share ?? { index: 0, of: 1 };
    const found = new Hits();
    const plan = sweepPlan(this.size, count, radius, options.only);
    if (plan.method === 'scan') {
      const [mine, mineEnd] = shareOfQueries(from, to, share);
      for (let start = mine; start < mineEnd; start += MAX_BATCH) {
        const count = Math.min(mineEnd, start + MAX_BATCH) - start;
        this.scan({ words: queries, base: start, count, first: start - from }, radius, found);
      }
    } else {
      const units = tableUnits(plan.chunks.length, from, to, share);
      if (plan.method === 'partition')
        this.partition(queries, from, radius, plan.chunks, units, found, options.passSize);
      else {
        // Tables with the same queries are merged together, pass by pass.
        for (const [range, tables] of groupByQueries(units)) {
          for (let start = range[0]; start < range[1]; start += MAX_BATCH) {
            const count = Math.min(range[1], start + MAX_BATCH) - start;
            this.merge(
              { words: queries, base: start, count, first: start - from },
              radius,
              plan.chunks,
              tables,
              found,
              options.hitCapacity,
            );
          }
        }
      }
    }
    this.peakWorkingBytes = Math.max(
      this.peakWorkingBytes,
      this.scratch.bytes() + (this.kernel?.bytes() ?? 0) + found.data.byteLength,
    );
    return ordered(found, count);
  }

  /** Every pair, set-block by query: the blocks of the set stay in cache across the batch. */
  private scan(batch: Batch, radius: number, found: Hits): void {
    const words = this.store.words;
    const q = batch.words;
    const n = this.size;
    const block = 2048;
    for (let p0 = 0; p0 < n; p0 += block) {
      const p1 = Math.min(n, p0 + block);
      for (let i = 0; i < batch.count; i++) {
        const qb = (batch.base + i) * PDQ_WORDS;
        for (let p = p0, pb = p0 * PDQ_WORDS; p < p1; p++, pb += PDQ_WORDS) {
          let d = bitsSet3(words[pb]! ^ q[qb]!, words[pb + 1]! ^ q[qb + 1]!, words[pb + 2]! ^ q[qb + 2]!);
          if (d > radius) continue;
          d += bitsSet3(words[pb + 3]! ^ q[qb + 3]!, words[pb + 4]! ^ q[qb + 4]!, words[pb + 5]! ^ q[qb + 5]!);
          d += bitsSet3(words[pb + 6]! ^ q[qb + 6]!, words[pb + 7]! ^ q[qb + 7]!, 0);
          if (d <= radius) found.push(batch.first + i, p, d);
        }
      }
    }
  }

  /**
   * Per table: the set's records are radix-partitioned on the chunk key's top bits, once per call;
   * then each pass of queries (up to 65,536) has its probe keys partitioned the same way, and per
   * partition the probes are counting-sorted by the rest of the key (a directory of 2^14 entries,
   * in cache), each carrying its query's first three words, while the partition's set records
   * stream past. A set record carries its key, the first three words of its hash (enough to reject
   * nearly every candidate) and its position; the other five words are read from the store only
   * for candidates that pass. `units` says which tables, and which queries for each, this call does.
   */
  private partition(
    queries: Uint32Array,
    from: number,
    radius: number,
    chunks: readonly SweepChunk[],
    units: readonly TableUnit[],
    found: Hits,
    passSize = Infinity,
  ): void {
    const words = this.store.words;
    const n = this.size;
    const records = this.scratch.get('set records', n * 5);
    const earlier = chunkMasks(chunks);
    for (const unit of units) {
      const t = unit.table;
      const setStarts = partitionSet(words, n, chunks[t]!, records);
      const pass = Math.min(passSize, partitionPass(masksFor(chunks[t]!.bits, chunks[t]!.tau).length));
      for (let start = unit.from; start < unit.to; start += pass) {
        const batch = {
          words: queries,
          base: start,
          count: Math.min(unit.to, start + pass) - start,
          first: start - from,
        };
        this.joinPartitioned(batch, radius, chunks, earlier, t, setStarts, records, found);
      }
    }
  }

  /** One pass of queries against table `t`'s partitioned set records. */
  private joinPartitioned(
    batch: Batch,
    radius: number,
    chunks: readonly SweepChunk[],
    earlier: ChunkMasks,
    t: number,
    setStarts: Uint32Array,
    records: Uint32Array,
    found: Hits,
  ): void {
    const words = this.store.words;
    const q = batch.words;
    const count = batch.count;
    const { offset, bits, tau } = chunks[t]!;
    const masks = masksFor(bits, tau);
    const v = masks.length;
    const localBits = Math.min(bits, LOCAL_BITS);
    const parts = 1 << (bits - localBits);
    const localMask = (1 << localBits) - 1;

    // The first three words of each query, packed: copied next to each probe below.
    const head = this.scratch.get('query heads', count * 3);
    for (let i = 0, qb = batch.base * PDQ_WORDS; i < count; i++, qb += PDQ_WORDS) {
      head[i * 3] = q[qb]!;
      head[i * 3 + 1] = q[qb + 1]!;
      head[i * 3 + 2] = q[qb + 2]!;
    }

    // The pass's probes, partitioned: (rest of key << QUERY_BITS | query) per probe.
    const keys = this.scratch.get('query keys', count);
    for (let i = 0; i < count; i++) keys[i] = chunkKey(q, (batch.base + i) * PDQ_WORDS, offset, bits);
    const probeStarts = new Uint32Array(parts + 1);
    for (let i = 0; i < count; i++) {
      const k = keys[i]!;
      for (let j = 0; j < v; j++) probeStarts[((k ^ masks[j]!) >>> localBits) + 1]!++;
    }
    for (let p = 0; p < parts; p++) probeStarts[p + 1]! += probeStarts[p]!;
    const probes = this.scratch.get('probes', count * v);
    const fill = probeStarts.slice(0, parts);
    for (let i = 0; i < count; i++) {
      const k = keys[i]!;
      for (let j = 0; j < v; j++) {
        const probe = k ^ masks[j]!;
        probes[fill[probe >>> localBits]!++] = (((probe & localMask) << QUERY_BITS) | i) >>> 0;
      }
    }

    // Join, partition by partition.
    const directory = this.scratch.get('directory', (1 << localBits) + 1);
    const local = this.scratch.get('local', 4 * maxRun(probeStarts, parts));
    for (let part = 0; part < parts; part++) {
      const ps = probeStarts[part]!;
      const pe = probeStarts[part + 1]!;
      if (ps === pe) continue;
      directory.fill(0, 0, (1 << localBits) + 1);
      for (let r = ps; r < pe; r++) directory[(probes[r]! >>> QUERY_BITS) + 1]!++;
      for (let k = 0; k < 1 << localBits; k++) directory[k + 1]! += directory[k]!;
      for (let r = ps; r < pe; r++) {
        const probe = probes[r]!;
        const at = directory[probe >>> QUERY_BITS]!++ * 4;
        const i = probe & QUERY_MASK;
        local[at] = i;
        local[at + 1] = head[i * 3]!;
        local[at + 2] = head[i * 3 + 1]!;
        local[at + 3] = head[i * 3 + 2]!;
      }
      // directory[k] is now where key k's run ends, which is where k + 1's begins.
      const recordEnd = setStarts[part + 1]! * 5;
      for (let o = setStarts[part]! * 5; o < recordEnd; o += 5) {
        const k = records[o]! & localMask;
        const hi = directory[k]!;
        const w0 = records[o + 1]!;
        const w1 = records[o + 2]!;
        const w2 = records[o + 3]!;
        for (let r = k === 0 ? 0 : directory[k - 1]!; r < hi; r++) {
          const at = r * 4;
          let d = bitsSet3(w0 ^ local[at + 1]!, w1 ^ local[at + 2]!, w2 ^ local[at + 3]!);
          if (d > radius) continue;
          const i = local[at]!;
          const qb = (batch.base + i) * PDQ_WORDS;
          const p = records[o + 4]!;
          const pb = p * PDQ_WORDS;
          if (t > 0 && foundEarlier(chunks, earlier, t, words, pb, q, qb)) continue;
          d += bitsSet3(words[pb + 3]! ^ q[qb + 3]!, words[pb + 4]! ^ q[qb + 4]!, words[pb + 5]! ^ q[qb + 5]!);
          d += bitsSet3(words[pb + 6]! ^ q[qb + 6]!, words[pb + 7]! ^ q[qb + 7]!, 0);
          if (d > radius) continue;
          found.push(batch.first + i, p, d);
        }
      }
    }
  }

  /**
   * Per table: both sides counting-sorted by chunk key, straight into the merge kernel's memory, as
   * records of the hash and its position; then the kernel (kernels/merge-join.wat) takes each
   * record of one side, looks up its keys within τ bits in the other side's directory and checks
   * every pair under them.
   */
  private merge(
    batch: Batch,
    radius: number,
    chunks: readonly SweepChunk[],
    tables: readonly number[],
    found: Hits,
    hitCapacity?: number,
  ): void {
    const words = this.store.words;
    const n = this.size;
    const count = batch.count;
    const kernel = (this.kernel ??= new MergeJoinKernel());
    const widest = Math.max(...tables.map((t) => chunks[t]!.bits));
    const views = kernel.layout({
      setRecords: n,
      queryRecords: count,
      keys: 1 << widest,
      masks: Math.max(...tables.map((t) => masksFor(chunks[t]!.bits, chunks[t]!.tau).length)),
      tables: chunks.length,
      hits: hitCapacity,
    });
    kernel.setChunks(chunkLanes(chunks));
    const first = batch.first;
    const hit = (setPosition: number, queryPosition: number, distance: number) =>
      found.push(first + queryPosition, setPosition, distance);
    for (const t of tables) {
      const { offset, bits, tau } = chunks[t]!;
      sortByKey(words, 0, n, offset, bits, views.setSorted, views.setDirectory, this.scratch);
      sortByKey(batch.words, batch.base, count, offset, bits, views.querySorted, views.queryDirectory, this.scratch);
      kernel.join(t, 1 << bits, masksFor(bits, tau), radius, n <= count, hit);
    }
  }
}

/** One chunk table and the queries [from, to) a share joins against it. */
interface TableUnit {
  readonly table: number;
  readonly from: number;
  readonly to: number;
}

/**
 * This share's tables: tables are dealt whole, round robin, while every share can have one; the
 * tables left over (fewer than the shares) are split by queries. At 11 tables and 2 shares: 5 whole
 * tables each, and half the queries of the 11th. Each table's set side (partitioned or sorted) is
 * then built by one share only.
 */
function tableUnits(tables: number, from: number, to: number, share: SearchShare): TableUnit[] {
  const whole = tables - (tables % share.of);
  const units: TableUnit[] = [];
  for (let t = share.index; t < whole; t += share.of) units.push({ table: t, from, to });
  const [mine, mineEnd] = shareOfQueries(from, to, share);
  if (mine < mineEnd) for (let t = whole; t < tables; t++) units.push({ table: t, from: mine, to: mineEnd });
  return units;
}

/** Units with the same queries, together: [[from, to], tables]. */
function groupByQueries(units: readonly TableUnit[]): Array<[[number, number], number[]]> {
  const groups = new Map<string, [[number, number], number[]]>();
  for (const u of units) {
    const key = `${u.from}:${u.to}`;
    const group = groups.get(key);
    if (group) group[1].push(u.table);
    else groups.set(key, [[u.from, u.to], [u.table]]);
  }
  return [...groups.values()];
}

type ChunkMasks = { readonly word: Int32Array; readonly mask: Int32Array };

interface Batch {
  readonly words: Uint32Array;
  /** First query's position in `words` (in hashes). */
  readonly base: number;
  readonly count: number;
  /** First query's number in the results. */
  readonly first: number;
}

function maxRun(starts: Uint32Array, parts: number): number {
  let most = 0;
  for (let p = 0; p < parts; p++) most = Math.max(most, starts[p + 1]! - starts[p]!);
  return most;
}

/**
 * Set records (key, words 0–2, position) in partition order by the key's top bits: a count of each
 * partition's keys, then a scatter. Returns where each partition starts (in records).
 */
function partitionSet(words: Uint32Array, n: number, chunk: SweepChunk, records: Uint32Array): Uint32Array {
  const { offset, bits } = chunk;
  const localBits = Math.min(bits, LOCAL_BITS);
  const parts = 1 << (bits - localBits);
  const a = offset >>> 5;
  const shift = offset & 31;
  const two = shift + bits > 32;
  const right = 32 - bits;
  const low = 64 - shift - bits;
  const starts = new Uint32Array(parts + 1);
  for (let base = 0, end = n * PDQ_WORDS; base < end; base += PDQ_WORDS) {
    let k = (words[base + a]! << shift) >>> right;
    if (two) k |= words[base + a + 1]! >>> low;
    starts[(k >>> localBits) + 1]!++;
  }
  for (let i = 0; i < parts; i++) starts[i + 1]! += starts[i]!;
  const fill = starts.slice(0, parts);
  for (let p = 0, base = 0; p < n; p++, base += PDQ_WORDS) {
    let k = (words[base + a]! << shift) >>> right;
    if (two) k |= words[base + a + 1]! >>> low;
    const o = fill[k >>> localBits]!++ * 5;
    records[o] = k;
    records[o + 1] = words[base]!;
    records[o + 2] = words[base + 1]!;
    records[o + 3] = words[base + 2]!;
    records[o + 4] = p;
  }
  return starts;
}

/** Hashes [base, base + n) of `words` counting-sorted by chunk key into the merge kernel's records (hash, position). */
function sortByKey(
  words: Uint32Array,
  base: number,
  n: number,
  offset: number,
  bits: number,
  out: Uint32Array,
  directory: Uint32Array,
  scratch: Scratch,
): void {
  const size = 1 << bits;
  const keys = scratch.get('sort keys', n);
  directory.fill(0, 0, size + 1);
  for (let i = 0; i < n; i++) {
    const k = chunkKey(words, (base + i) * PDQ_WORDS, offset, bits);
    keys[i] = k;
    directory[k + 1]!++;
  }
  for (let k = 0; k < size; k++) directory[k + 1]! += directory[k]!;
  const fill = scratch.get('sort fill', size);
  fill.set(directory.subarray(0, size));
  for (let i = 0, wb = base * PDQ_WORDS; i < n; i++, wb += PDQ_WORDS) {
    const o = fill[keys[i]!]!++ * RECORD_WORDS;
    out[o] = words[wb]!;
    out[o + 1] = words[wb + 1]!;
    out[o + 2] = words[wb + 2]!;
    out[o + 3] = words[wb + 3]!;
    out[o + 4] = words[wb + 4]!;
    out[o + 5] = words[wb + 5]!;
    out[o + 6] = words[wb + 6]!;
    out[o + 7] = words[wb + 7]!;
    out[o + 8] = i;
  }
}

/** Flat results: per query its hit count, then (index, distance) pairs, nearest first, ties by index. */
function ordered(found: Hits, count: number): { counts: Uint32Array; hits: Uint32Array } {
  const counts = new Uint32Array(count);
  const data = found.data;
  const total = found.length / 3;
  for (let h = 0; h < total; h++) counts[data[h * 3]!]!++;
  const starts = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) starts[i + 1] = starts[i]! + counts[i]!;
  const hits = new Uint32Array(total * 2);
  const fill = starts.slice(0, count);
  for (let h = 0; h < total; h++) {
    const o = fill[data[h * 3]!]!++ * 2;
    hits[o] = data[h * 3 + 1]!;
    hits[o + 1] = data[h * 3 + 2]!;
  }
  sortEachQuery(counts, hits);
  return { counts, hits };
}
