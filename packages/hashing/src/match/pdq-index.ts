import { BucketIndex, type BucketIndexParts } from './bucket-index.ts';
import { CompactIndex, type CompactIndexParts } from './compact-index.ts';
import {
  type FlatHits,
  hashWords,
  PdqHashArray,
  type IndexHit,
  type SearchShare,
  shareOfQueries,
} from './pdq-hashes.ts';
import { SweepIndex, type SweepIndexParts } from './sweep-index.ts';

/**
 * Exact radius search over PDQ hashes: every stored hash within Hamming distance r of a query,
 * always exactly what a linear scan returns. Three layouts, one contract:
 *
 * - `sweep` (SweepIndex, the default): the hashes only (32 bytes each); each batch of queries is
 *   joined against them chunk table by chunk table at search time, in cache-sized partitions. The
 *   fastest for batches at every size (see bench/results/hashing.json); a single query is a scan.
 * - `buckets` (BucketIndex): the hashes plus 16 tables of id lists, ~80 bytes per hash. Answers a
 *   single query in microseconds while the set is small.
 * - `compact` (CompactIndex): 8 tables that are themselves the only copy of the hashes, ~46 bytes
 *   per hash; a single query in about a millisecond at 10 M.
 *
 * Every caller in Vestige searches in batches (BatchedPdqSearch, searchMany), so `build` gives
 * `sweep` unless asked; the persistent layouts remain for callers that look up one hash at a time.
 */
export type PdqIndexLayout = 'sweep' | 'buckets' | 'compact';

/**
 * For `persistent` builds: from this many hashes (2^21, about 2 M), `compact`. Measured on random
 * hashes at radius 31, one thread: buckets 0.26 ms vs compact 0.76 ms per query at 100 k; 1.3 vs
 * 1.7 ms at 2 M; 2.3 vs 2.6 ms at 4 M (at 10 M the compact layout is the faster). From 2 M the bucket
 * layout's extra speed is small and its 80 bytes per hash are not (160 MB at 2 M, against 72 MB).
 */
export const COMPACT_FROM = 1 << 21;

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export type PdqIndexParts =
  | { readonly layout: 'sweep'; readonly parts: SweepIndexParts }
  | { readonly layout: 'buckets'; readonly parts: BucketIndexParts }
  | { readonly layout: 'compact'; readonly parts: CompactIndexParts };

type Engine = SweepIndex | BucketIndex | CompactIndex;

export class PdqIndex {
  private constructor(
    private readonly engine: Engine,
    readonly layout: PdqIndexLayout,
  ) {}

  get size(): number {
    return this.engine.size;
  }

  /**
   * Indexes every hash in `store`. `sweep` and `buckets` search the store in place; `compact` does
   * not keep it (the caller can let it go). `persistent` picks `buckets` or `compact` by size, for
   * one-at-a-time lookups. `prefixBits` forces the compact tables' directory width (tests).
   */
  static build(
    store: PdqHashArray,
    options: { shared?: boolean; layout?: PdqIndexLayout | 'persistent'; prefixBits?: number } = {},
  ): PdqIndex {
    const asked = options.layout ?? 'sweep';
    const layout = asked === 'persistent' ? (store.size >= COMPACT_FROM ? 'compact' : 'buckets') : asked;
    if (layout === 'sweep') return new PdqIndex(SweepIndex.build(store), layout);
    return layout === 'compact'
      ? new PdqIndex(CompactIndex.build(store, options), layout)
      : new PdqIndex(BucketIndex.build(store, options), layout);
  }

  static fromHashes(
    hashes: Iterable<Uint8Array> | readonly Uint8Array[],
    options: { layout?: PdqIndexLayout | 'persistent' } = {},
  ): PdqIndex {
    const list = Array.isArray(hashes) ? hashes : [...hashes];
    const store = new PdqHashArray(list.length);
    for (const h of list) store.push(h);
    return PdqIndex.build(store, options);
  }

  parts(): PdqIndexParts {
    const e = this.engine;
    if (e instanceof SweepIndex) return { layout: 'sweep', parts: e.parts() };
    return e instanceof CompactIndex
      ? { layout: 'compact', parts: e.parts() }
      : { layout: 'buckets', parts: e.parts() };
  }

  static fromParts(parts: PdqIndexParts): PdqIndex {
    if (parts.layout === 'sweep') return new PdqIndex(SweepIndex.fromParts(parts.parts), 'sweep');
    return parts.layout === 'compact'
      ? new PdqIndex(CompactIndex.fromParts(parts.parts), 'compact')
      : new PdqIndex(BucketIndex.fromParts(parts.parts), 'buckets');
  }

  /**
   * Bytes the index holds between searches (for `sweep` and `buckets` that includes the hashes they
   * search in place). A `sweep` search also holds working memory while it runs: peakWorkingBytes.
   */
  memoryBytes(): number {
    return this.engine.memoryBytes();
  }

  /** What the index is, in words (for benchmark and match-run records). */
  describe(): string {
    return this.engine.describe();
  }

  /** The hash added at position `index`. */
  hashAt(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`no hash at ${index}: the index holds ${this.size}`);
    return this.engine.hashAt(index);
  }

  /**
   * `search` for queries from..to of `queries` (8 big-endian words each), answered together: the
   * sweep layout joins the batch against the set, the compact layout reads its tables front to back
   * once per batch instead of at random per query. The bigger the batch, the less each query costs
   * (up to 65,536 queries a pass for `sweep`). Flat results: per query its hit count, then (index,
   * distance) pairs in `search`'s order. `share` answers only part `index` of `of` of the work, for
   * worker threads that each take one (mergeShares puts the parts together; HashingWorkerPool.searchAll
   * does both).
   */
  searchMany(queries: Uint32Array, from: number, to: number, radius: number, share?: SearchShare): FlatHits {
    if (!Number.isInteger(radius) || radius < 0)
      throw new RangeError(`radius must be a whole number ≥ 0, not ${radius}`);
    if (
      share &&
      !(
        Number.isInteger(share.of) &&
        share.of >= 1 &&
        Number.isInteger(share.index) &&
        share.index >= 0 &&
        share.index < share.of
      )
    )
      throw new RangeError(`share ${share.index} of ${share.of} is not a part of the search`);
    if (this.size === 0) return { counts: new Uint32Array(to - from), hits: new Uint32Array(0) };
    if (this.engine instanceof SweepIndex) return this.engine.searchMany(queries, from, to, radius, { share });
    if (!share || share.of === 1) return this.engine.searchMany(queries, from, to, radius);
    // The persistent layouts split by queries: this share's slice, answered in place in the whole range.
    const [mine, mineEnd] = shareOfQueries(from, to, share);
    const part = this.engine.searchMany(queries, mine, mineEnd, radius);
    const counts = new Uint32Array(to - from);
    counts.set(part.counts, mine - from);
    return { counts, hits: part.hits };
  }

  /** The most working memory one `searchMany` call has held so far (bytes; `sweep` only, else 0). */
  peakWorkingBytes(): number {
    return this.engine instanceof SweepIndex ? this.engine.peakWorkingBytes : 0;
  }

  /** Every stored hash within `radius` of the query, nearest first (ties by insertion order). */
  search(query: Uint8Array | Uint32Array, radius: number): IndexHit[] {
    if (!Number.isInteger(radius) || radius < 0)
      throw new RangeError(`radius must be a whole number ≥ 0, not ${radius}`);
    if (this.size === 0) return [];
    return this.engine.search(query instanceof Uint32Array ? query : hashWords(query), radius);
  }
}
