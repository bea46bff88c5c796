import { ChunkTable, reverseBits, type ChunkTableParts } from './chunk-table.ts';
import { hitsOfOneQuery, masksFor, PDQ_WORDS, tauFor, type IndexHit, type PdqHashArray } from './pdq-hashes.ts';

/**
 * The PDQ index for large sets: multi-index hashing (Norouzi, Punjani & Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012) whose tables hold the hashes
 * themselves — no separate copy of the hashes, no id lists.
 *
 * Each hash is cut into 8 chunks of 32 bits. If two hashes are within distance r then, by the
 * generalised pigeonhole principle, some chunk i differs in at most τ_i bits, where Σ(τ_i + 1) > r;
 * at r = 31 that is τ = 3 for every chunk. Chunk i of every hash lives in one ChunkTable, which
 * finds the hashes whose chunk is within τ_i of the query's and also gives back any hash's chunk by
 * position. A candidate found in table i is checked against the query chunk by chunk (stopping once
 * past the radius) and kept only if no earlier table j would have found it (d_j > τ_j), so every
 * hit is reported once. Nothing within the radius can be missed: the result is exactly the
 * brute-force result.
 *
 * Memory: each table stores its 32 bits of every hash plus a rank directory and select hints on
 * the k bits the permutation needs, a prefix directory, and one byte a value giving each prefix
 * interval's suffixes in sorted order — about 46 bytes per hash at 10 M hashes, 1.44× the raw
 * hashes. (The previous design, a copy of the hashes plus a 3-byte id per
 * hash per table, needed 2.5×.)
 */
/** Chunks (and tables): each of the hash's eight 32-bit words is one. */
export const PDQ_CHUNKS = 8;

/**
 * The k-bit masks with at most τ bits set, bit-reversed (see ChunkTable.forEachWithin) and sorted,
 * so prefixes that differ only in their first bits — neighbours in a table — are visited in turn.
 */
const reversedCache = new Map<string, Uint32Array>();
function reversedMasksFor(length: number, tau: number): Uint32Array {
  const key = `${length}:${tau}`;
  let m = reversedCache.get(key);
  if (!m) reversedCache.set(key, (m = Uint32Array.from(masksFor(length, tau), (v) => reverseBits(v, length)).sort()));
  return m;
}

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export interface CompactIndexParts {
  readonly size: number;
  readonly tables: readonly ChunkTableParts[];
}

export class CompactIndex {
  private constructor(private readonly tables: readonly ChunkTable[]) {}

  get size(): number {
    return this.tables[0]!.length;
  }

  /** Width of the tables' prefix directories (they all hold the same number of values). */
  get prefixBits(): number {
    return this.tables[0]!.prefixBits;
  }

  /**
   * Builds the 8 chunk tables over every hash in `store`. The store is not kept: once built, the
   * index alone holds the hashes (see `hashAt`), so the caller can let the store go.
   */
  static build(store: PdqHashArray, options: { shared?: boolean; prefixBits?: number } = {}): CompactIndex {
    const shared = options.shared ?? store.words.buffer instanceof SharedArrayBuffer;
    const n = store.size;
    const words = store.words;
    const tables: ChunkTable[] = [];
    const symbols = new Uint32Array(n);
    for (let c = 0; c < PDQ_CHUNKS; c++) {
      for (let p = 0; p < n; p++) symbols[p] = words[p * PDQ_WORDS + c]!;
      tables.push(ChunkTable.build(symbols, { shared, prefixBits: options.prefixBits }));
    }
    return new CompactIndex(tables);
  }

  parts(): CompactIndexParts {
    return { size: this.size, tables: this.tables.map((t) => t.parts()) };
  }

  static fromParts(parts: CompactIndexParts): CompactIndex {
    return new CompactIndex(parts.tables.map((t) => ChunkTable.fromParts(t)));
  }

  /** Bytes held: every table's levels, rank counts and prefix directory. */
  memoryBytes(): number {
    return this.tables.reduce((s, t) => s + t.memoryBytes(), 0);
  }

  describe(): string {
    const t = this.tables[0]!;
    return `multi-index hashing over 8 tables of 32-bit chunks, each the only copy of its chunk: values sorted by a ${t.prefixBits}-bit prefix (prefix directory, ${t.suffixes.BYTES_PER_ELEMENT * 8}-bit suffixes, wavelet-matrix levels for the permutation)`;
  }

  /** The hash added at position `index`, read back out of the tables. */
  hashAt(index: number): Uint8Array {
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let c = 0; c < PDQ_CHUNKS; c++) view.setUint32(c * 4, this.tables[c]!.access(index));
    return out;
  }

  /**
   * Every stored hash within `radius` of the query, nearest first (ties by insertion order).
   *
   * Three passes, each over all candidates at once so their cache misses overlap (the tables are
   * far larger than the caches): collect every position whose chunk lies within τ_t of the
   * query's, in each table t; find each one's insertion position; then add up its distance table
   * by table, dropping it once past the radius, or as soon as an earlier table j holds it within
   * τ_j — that table found it too, and each hash is reported once.
   */
  search(q: Uint32Array, radius: number): IndexHit[] {
    return hitsOfOneQuery(this.searchMany(q, 0, 1, radius));
  }

  /**
   * `search` for queries from..to of `queries` (8 words each) at once, the same three passes over
   * the candidates of all of them; a batch (a few hundred queries or more) sweeps each table's
   * directory in order instead of probing it at random (ChunkTable.sweepWithin). Results flat: per
   * query its hit count, then (index, distance) pairs, nearest first.
   */
  searchMany(
    queries: Uint32Array,
    from: number,
    to: number,
    radius: number,
  ): { counts: Uint32Array; hits: Uint32Array } {
    const count = to - from;
    const counts = new Uint32Array(count);
    if (this.size === 0 || count === 0) return { counts, hits: new Uint32Array(0) };
    const words = queries.subarray(from * PDQ_WORDS, to * PDQ_WORDS);
    const tables = this.tables;
    const tau = tauFor(radius, PDQ_CHUNKS);
    const c = this.candidates;
    c.count = 0;
    const tableEnds: number[] = [];
    const chunks = new Uint32Array(count);
    for (let t = 0; t < PDQ_CHUNKS; t++) {
      const table = tables[t]!;
      const masks = reversedMasksFor(table.prefixBits, tau[t]!);
      if (count === 1) table.forEachWithin(words[t]!, tau[t]!, masks, (p, distance) => c.push(0, t, p, distance));
      else {
        for (let b = 0; b < count; b++) chunks[b] = words[b * PDQ_WORDS + t]!;
        table.sweepWithin(chunks, count, tau[t]!, masks, (b, p, distance) => c.push(b, t, p, distance));
      }
      tableEnds.push(c.count);
    }
    const n = c.count;
    for (let t = 0, start = 0; t < PDQ_CHUNKS; start = tableEnds[t++]!)
      tables[t]!.locateAll(c.positions, start, tableEnds[t]!);
    const which = c.which;
    for (let j = 0; j < PDQ_CHUNKS; j++) {
      let alive = 0;
      for (let i = 0; i < n; i++) if (c.alive[i] && c.table[i] !== j) which[alive++] = i;
      if (alive === 0) continue;
      const before = c.before;
      for (let a = 0; a < alive; a++) before[a] = c.distances[which[a]!]!;
      tables[j]!.addDistances(c.positions, which, alive, c.query, words, j, c.distances, radius, c.scratch);
      for (let a = 0; a < alive; a++) {
        const i = which[a]!;
        const d = c.distances[i]! - before[a]!;
        if (c.distances[i]! > radius || (j < c.table[i]! && d <= tau[j]!)) c.alive[i] = 0;
      }
    }
    return c.results(counts);
  }

  private readonly candidates = new Candidates();
}

/** Scratch for one search's candidates, reused across searches and grown as needed. */
class Candidates {
  count = 0;
  query = new Uint32Array(256);
  table = new Uint8Array(256);
  /** Sorted position in its table, then (after locating) insertion position. */
  positions = new Uint32Array(256);
  distances = new Int32Array(256);
  alive = new Uint8Array(256);
  which = new Uint32Array(256);
  before = new Int32Array(256);
  scratch = new Uint32Array(512);

  push(query: number, table: number, position: number, distance: number): void {
    if (this.count === this.table.length) this.grow();
    const i = this.count++;
    this.query[i] = query;
    this.table[i] = table;
    this.positions[i] = position;
    this.distances[i] = distance;
    this.alive[i] = 1;
  }

  private grow(): void {
    const size = this.table.length * 2;
    const grown = <T extends Uint8Array | Uint32Array | Int32Array>(a: T, length: number): T => {
      const b = new (a.constructor as new (n: number) => T)(length);
      b.set(a);
      return b;
    };
    this.query = grown(this.query, size);
    this.table = grown(this.table, size);
    this.positions = grown(this.positions, size);
    this.distances = grown(this.distances, size);
    this.alive = grown(this.alive, size);
    this.which = new Uint32Array(size);
    this.before = new Int32Array(size);
    this.scratch = new Uint32Array(2 * size);
  }

  /** The surviving candidates grouped by query, each query's nearest first (ties by index). */
  results(counts: Uint32Array): { counts: Uint32Array; hits: Uint32Array } {
    const kept: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (!this.alive[i]) continue;
      kept.push(i);
      counts[this.query[i]!]!++;
    }
    kept.sort(
      (a, b) =>
        this.query[a]! - this.query[b]! ||
        this.distances[a]! - this.distances[b]! ||
        this.positions[a]! - this.positions[b]!,
    );
    const hits = new Uint32Array(kept.length * 2);
    kept.forEach((i, k) => {
      hits[2 * k] = this.positions[i]!;
      hits[2 * k + 1] = this.distances[i]!;
    });
    return { counts, hits };
  }
}
