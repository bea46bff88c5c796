import { BucketIndex, type BucketIndexParts } from './bucket-index.ts';
import { CompactIndex, type CompactIndexParts } from './compact-index.ts';
import { hashWords, PdqHashArray, type IndexHit } from './pdq-hashes.ts';

/**
 * Exact radius search over PDQ hashes: every stored hash within Hamming distance r of a query,
 * always exactly what a linear scan returns. Two layouts of multi-index hashing, one contract:
 *
 * - `buckets` (BucketIndex): the hashes plus 16 tables of id lists. Fastest per query while the
 *   set is small, but ~80 bytes per hash.
 * - `compact` (CompactIndex): 8 tables that are themselves the only copy of the hashes, ~46 bytes
 *   per hash (1.44× the raw hashes at 10 M) and faster than `buckets` at that size.
 *
 * `build` picks by size; matching a case indexes the case (usually small) and streams a hash set
 * through it, a benchmark or a standing set of millions gets the compact layout.
 */
export type PdqIndexLayout = 'buckets' | 'compact';

/**
 * From this many hashes (2^21, about 2 M), `compact`. Measured on random hashes at radius 31, one
 * thread: buckets 0.26 ms vs compact 0.76 ms per query at 100 k; 1.3 vs 1.7 ms at 2 M; 2.3 vs 2.6 ms
 * at 4 M (at 10 M the compact layout is the faster). From 2 M the bucket layout's extra speed is small
 * and its 80 bytes per hash are not (160 MB at 2 M, against 72 MB).
 */
export const COMPACT_FROM = 1 << 21;

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export type PdqIndexParts =
  | { readonly layout: 'buckets'; readonly parts: BucketIndexParts }
  | { readonly layout: 'compact'; readonly parts: CompactIndexParts };

export class PdqIndex {
  private constructor(
    private readonly engine: BucketIndex | CompactIndex,
    readonly layout: PdqIndexLayout,
  ) {}

  get size(): number {
    return this.engine.size;
  }

  /**
   * Indexes every hash in `store`. The compact layout does not keep the store (the caller can let
   * it go); the bucket layout searches it in place. `prefixBits` forces the compact tables'
   * directory width (tests).
   */
  static build(
    store: PdqHashArray,
    options: { shared?: boolean; layout?: PdqIndexLayout; prefixBits?: number } = {},
  ): PdqIndex {
    const layout = options.layout ?? (store.size >= COMPACT_FROM ? 'compact' : 'buckets');
    return layout === 'compact'
      ? new PdqIndex(CompactIndex.build(store, options), layout)
      : new PdqIndex(BucketIndex.build(store, options), layout);
  }

  static fromHashes(
    hashes: Iterable<Uint8Array> | readonly Uint8Array[],
    options: { layout?: PdqIndexLayout } = {},
  ): PdqIndex {
    const list = Array.isArray(hashes) ? hashes : [...hashes];
    const store = new PdqHashArray(list.length);
    for (const h of list) store.push(h);
    return PdqIndex.build(store, options);
  }

  parts(): PdqIndexParts {
    return this.engine instanceof CompactIndex
      ? { layout: 'compact', parts: this.engine.parts() }
      : { layout: 'buckets', parts: this.engine.parts() };
  }

  static fromParts(parts: PdqIndexParts): PdqIndex {
    return parts.layout === 'compact'
      ? new PdqIndex(CompactIndex.fromParts(parts.parts), 'compact')
      : new PdqIndex(BucketIndex.fromParts(parts.parts), 'buckets');
  }

  /** Bytes the index holds (for `buckets` that includes the hashes it searches in place). */
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
   * compact layout then reads its tables front to back once per batch instead of at random per
   * query. Flat results: per query its hit count, then (index, distance) pairs in `search`'s order.
   */
  searchMany(
    queries: Uint32Array,
    from: number,
    to: number,
    radius: number,
  ): { counts: Uint32Array; hits: Uint32Array } {
    if (!Number.isInteger(radius) || radius < 0)
      throw new RangeError(`radius must be a whole number ≥ 0, not ${radius}`);
    if (this.size === 0) return { counts: new Uint32Array(to - from), hits: new Uint32Array(0) };
    return this.engine.searchMany(queries, from, to, radius);
  }

  /** Every stored hash within `radius` of the query, nearest first (ties by insertion order). */
  search(query: Uint8Array | Uint32Array, radius: number): IndexHit[] {
    if (!Number.isInteger(radius) || radius < 0)
      throw new RangeError(`radius must be a whole number ≥ 0, not ${radius}`);
    if (this.size === 0) return [];
    return this.engine.search(query instanceof Uint32Array ? query : hashWords(query), radius);
  }
}
