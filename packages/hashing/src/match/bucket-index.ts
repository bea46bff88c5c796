import { popcount32 } from '../hex.ts';
import {
  bruteForceSearch,
  byDistanceThenIndex,
  masksFor,
  PdqHashArray,
  PDQ_WORDS,
  tauFor,
  type IndexHit,
} from './pdq-hashes.ts';

/**
 * The PDQ index for small and medium sets: multi-index hashing (Norouzi, Punjani & Fleet, CVPR
 * 2012) in its plain form — the hashes as they are, plus per 16-bit chunk a table of buckets
 * listing the ids of the hashes with that chunk value. If two hashes are within r = 31, some chunk
 * differs in at most one bit (generalised pigeonhole, see tauFor), so a query reads the 17 buckets
 * within one bit of each of its 16 chunks and checks each id found there against the hash itself.
 *
 * Fast at this size (a few hundred candidates per query, each one read of the hashes) but about
 * 80 bytes per hash: the hashes plus a 3-byte id per hash per table. Large sets use CompactIndex.
 */
/** Ids packed 3 bytes each while there are fewer than 2^24 hashes, else 4 bytes each. */
export type IdColumn =
  | { readonly wide: false; readonly a: Uint8Array }
  | { readonly wide: true; readonly a: Uint32Array };

function idColumn(n: number, shared: boolean): IdColumn {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return n < 1 << 24
    ? { wide: false, a: new Uint8Array(buffer(n * 3)) }
    : { wide: true, a: new Uint32Array(buffer(n * 4)) };
}

/** 16 chunks of 16 bits (τ = 1 each at r = 31: 17 probes per table), 65,537 offsets per table. */
const CHUNKS = 16;
const CHUNK_BITS = 16;

/** Chunk c (16 bits) of a hash held as 8 big-endian words from `base`. */
function chunkValue(words: Uint32Array, base: number, c: number): number {
  const w = words[base + (c >>> 1)]!;
  return c & 1 ? w & 0xffff : w >>> 16;
}

/** Probe masks beyond this many per query make a linear scan the faster exact method. */
const MAX_PROBES = 40_000;

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export interface BucketIndexParts {
  readonly words: Uint32Array;
  readonly size: number;
  readonly offsets: readonly Uint32Array[];
  readonly ids: readonly IdColumn[];
}

export class BucketIndex {
  private readonly offsets: Uint32Array[] = [];
  private readonly ids: IdColumn[] = [];

  private constructor(readonly store: PdqHashArray) {}

  get size(): number {
    return this.store.size;
  }

  /** Builds one table per 16-bit chunk over every hash in `store` (a counting sort per table). */
  static build(store: PdqHashArray, options: { shared?: boolean } = {}): BucketIndex {
    const shared = options.shared ?? store.words.buffer instanceof SharedArrayBuffer;
    const index = new BucketIndex(store);
    const n = store.size;
    const words = store.words;
    const values = new Uint32Array(n);
    const buckets = 2 ** CHUNK_BITS;
    for (let c = 0; c < CHUNKS; c++) {
      for (let p = 0; p < n; p++) values[p] = chunkValue(words, p * PDQ_WORDS, c);
      const offsets = shared ? new Uint32Array(new SharedArrayBuffer((buckets + 1) * 4)) : new Uint32Array(buckets + 1);
      for (let p = 0; p < n; p++) offsets[values[p]! + 1]!++;
      for (let v = 0; v < buckets; v++) offsets[v + 1]! += offsets[v]!;
      const fill = offsets.slice(0, buckets);
      const ids = idColumn(n, shared);
      if (ids.wide) for (let p = 0; p < n; p++) ids.a[fill[values[p]!]!++] = p;
      else {
        const a = ids.a;
        for (let p = 0; p < n; p++) {
          const i = fill[values[p]!]!++ * 3;
          a[i] = p & 0xff;
          a[i + 1] = (p >>> 8) & 0xff;
          a[i + 2] = (p >>> 16) & 0xff;
        }
      }
      index.offsets.push(offsets);
      index.ids.push(ids);
    }
    return index;
  }

  parts(): BucketIndexParts {
    return { words: this.store.words, size: this.store.size, offsets: this.offsets, ids: this.ids };
  }

  static fromParts(parts: BucketIndexParts): BucketIndex {
    const index = new BucketIndex(PdqHashArray.fromWords(parts.words, parts.size));
    index.offsets.push(...parts.offsets);
    index.ids.push(...parts.ids);
    return index;
  }

  /** Bytes held: hashes, ids and offsets. */
  memoryBytes(): number {
    return (
      this.store.words.byteLength +
      this.ids.reduce((s, i) => s + i.a.byteLength, 0) +
      this.offsets.reduce((s, o) => s + o.byteLength, 0)
    );
  }

  describe(): string {
    return 'multi-index hashing: the hashes plus 16 tables of 16-bit chunks with id lists';
  }

  hashAt(index: number): Uint8Array {
    return this.store.hashAt(index);
  }

  /**
   * Every stored hash within `radius` of the query, nearest first (ties by insertion order). When
   * the probes needed would outnumber a scan's work (very large radii), a linear scan answers.
   */
  search(q: Uint32Array, radius: number): IndexHit[] {
    const tau = tauFor(radius, CHUNKS);
    if (tau.some((t) => t > 3) || tau.reduce((s, t) => s + masksFor(CHUNK_BITS, t).length, 0) > MAX_PROBES) {
      return bruteForceSearch(this.store, q, radius);
    }
    const words = this.store.words;
    const q0 = q[0]!,
      q1 = q[1]!,
      q2 = q[2]!,
      q3 = q[3]!,
      q4 = q[4]!,
      q5 = q[5]!,
      q6 = q[6]!,
      q7 = q[7]!;
    const found = new Map<number, number>();
    for (let c = 0; c < CHUNKS; c++) {
      const qc = chunkValue(q, 0, c);
      const masks = masksFor(CHUNK_BITS, tau[c]!);
      const offsets = this.offsets[c]!;
      const col = this.ids[c]!;
      const narrow = col.wide ? undefined : col.a;
      const wide = col.wide ? col.a : undefined;
      for (let m = 0; m < masks.length; m++) {
        const v = (qc ^ masks[m]!) >>> 0;
        const end = offsets[v + 1]!;
        for (let i = offsets[v]!; i < end; i++) {
          const p = narrow ? narrow[i * 3]! | (narrow[i * 3 + 1]! << 8) | (narrow[i * 3 + 2]! << 16) : wide![i]!;
          // Verify first (most candidates fail within two words); de-duplicate only the hits.
          const b = p * PDQ_WORDS;
          let d = popcount32(words[b]! ^ q0) + popcount32(words[b + 1]! ^ q1);
          if (d > radius) continue;
          d += popcount32(words[b + 2]! ^ q2) + popcount32(words[b + 3]! ^ q3);
          if (d > radius) continue;
          d +=
            popcount32(words[b + 4]! ^ q4) +
            popcount32(words[b + 5]! ^ q5) +
            popcount32(words[b + 6]! ^ q6) +
            popcount32(words[b + 7]! ^ q7);
          if (d <= radius) found.set(p, d);
        }
      }
    }
    return [...found].map(([index, distance]) => ({ index, distance })).sort(byDistanceThenIndex);
  }
  /**
   * `search` for queries from..to at once, table by table: the probes of all queries are sorted by
   * bucket (a counting sort), so each table's offsets and id lists are read front to back once per
   * batch. A hash within the radius is reported from the first table that holds it within τ, so
   * each once. Flat results as PdqIndex.searchMany.
   */
  searchMany(
    queries: Uint32Array,
    from: number,
    to: number,
    radius: number,
  ): { counts: Uint32Array; hits: Uint32Array } {
    const count = to - from;
    const tau = tauFor(radius, CHUNKS);
    const counts = new Uint32Array(count);
    // A sweep visits all 65,536 buckets of every table: worth it from a few hundred queries on.
    if (count < 256 || tau.some((t) => t > 1)) return this.searchEach(queries, from, to, radius, counts);
    const words = this.store.words;
    const found: number[] = []; // (query, index, distance) triples
    const buckets = 2 ** CHUNK_BITS;
    const probeStarts = new Uint32Array(buckets + 1);
    const fill = new Uint32Array(buckets);
    const probes = new Uint32Array(count * (CHUNK_BITS + 1));
    for (let c = 0; c < CHUNKS; c++) {
      const masks = masksFor(CHUNK_BITS, tau[c]!);
      probeStarts.fill(0);
      for (let b = 0; b < count; b++) {
        const qc = chunkValue(queries, (from + b) * PDQ_WORDS, c);
        for (let m = 0; m < masks.length; m++) probeStarts[(qc ^ masks[m]!) + 1]!++;
      }
      for (let v = 0; v < buckets; v++) probeStarts[v + 1]! += probeStarts[v]!;
      fill.set(probeStarts.subarray(0, buckets));
      for (let b = 0; b < count; b++) {
        const qc = chunkValue(queries, (from + b) * PDQ_WORDS, c);
        for (let m = 0; m < masks.length; m++) probes[fill[qc ^ masks[m]!]!++] = b;
      }
      const offsets = this.offsets[c]!;
      const col = this.ids[c]!;
      const narrow = col.wide ? undefined : col.a;
      const wide = col.wide ? col.a : undefined;
      for (let v = 0; v < buckets; v++) {
        const pFrom = probeStarts[v]!;
        const pTo = probeStarts[v + 1]!;
        if (pFrom === pTo) continue;
        const start = offsets[v]!;
        const end = offsets[v + 1]!;
        for (let i = start; i < end; i++) {
          const p = narrow ? narrow[i * 3]! | (narrow[i * 3 + 1]! << 8) | (narrow[i * 3 + 2]! << 16) : wide![i]!;
          const base = p * PDQ_WORDS;
          for (let k = pFrom; k < pTo; k++) {
            const b = probes[k]!;
            const d = boundedDistance(words, base, queries, (from + b) * PDQ_WORDS, radius);
            if (d <= radius && firstTable(words, base, queries, (from + b) * PDQ_WORDS, c, tau)) found.push(b, p, d);
          }
        }
      }
    }
    return groupHits(found, counts);
  }

  private searchEach(
    queries: Uint32Array,
    from: number,
    to: number,
    radius: number,
    counts: Uint32Array,
  ): { counts: Uint32Array; hits: Uint32Array } {
    const flat: number[] = [];
    for (let q = from; q < to; q++) {
      const hits = this.search(queries.subarray(q * PDQ_WORDS, q * PDQ_WORDS + PDQ_WORDS), radius);
      counts[q - from] = hits.length;
      for (const h of hits) flat.push(h.index, h.distance);
    }
    return { counts, hits: Uint32Array.from(flat) };
  }
}

/** Distance between stored words at `a` and query words at `b`, stopping past `limit`. */
function boundedDistance(words: Uint32Array, a: number, q: Uint32Array, b: number, limit: number): number {
  let d = popcount32(words[a]! ^ q[b]!) + popcount32(words[a + 1]! ^ q[b + 1]!);
  if (d > limit) return d;
  d += popcount32(words[a + 2]! ^ q[b + 2]!) + popcount32(words[a + 3]! ^ q[b + 3]!);
  if (d > limit) return d;
  return (
    d +
    popcount32(words[a + 4]! ^ q[b + 4]!) +
    popcount32(words[a + 5]! ^ q[b + 5]!) +
    popcount32(words[a + 6]! ^ q[b + 6]!) +
    popcount32(words[a + 7]! ^ q[b + 7]!)
  );
}

/** True when no table before `c` holds the pair within its τ (that table reports it instead). */
function firstTable(
  words: Uint32Array,
  a: number,
  q: Uint32Array,
  b: number,
  c: number,
  tau: readonly number[],
): boolean {
  for (let j = 0; j < c; j++) if (popcount32(chunkValue(words, a, j) ^ chunkValue(q, b, j)) <= tau[j]!) return false;
  return true;
}

/** (query, index, distance) triples grouped by query, each query's nearest first (ties by index). */
export function groupHits(found: number[], counts: Uint32Array): { counts: Uint32Array; hits: Uint32Array } {
  const order = Array.from({ length: found.length / 3 }, (_, i) => i);
  order.sort(
    (x, y) =>
      found[3 * x]! - found[3 * y]! || found[3 * x + 2]! - found[3 * y + 2]! || found[3 * x + 1]! - found[3 * y + 1]!,
  );
  const hits = new Uint32Array(order.length * 2);
  order.forEach((i, k) => {
    counts[found[3 * i]!]!++;
    hits[2 * k] = found[3 * i + 1]!;
    hits[2 * k + 1] = found[3 * i + 2]!;
  });
  return { counts, hits };
}
