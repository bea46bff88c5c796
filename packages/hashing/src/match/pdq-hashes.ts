import { popcount32 } from '../hex.ts';

/**
 * PDQ hashes as 8 big-endian 32-bit words, a compact store of many, the brute-force search every
 * index must agree with, and the pieces the indexes share: the generalised-pigeonhole split of a
 * radius over equal chunks and the cached probe masks.
 */
export const PDQ_WORDS = 8;

export interface IndexHit {
  /** Position of the hash in the order it was added. */
  readonly index: number;
  readonly distance: number;
}

/** Big-endian 32-bit words of a 32-byte hash. */
export function hashWords(hash: Uint8Array, out: Uint32Array = new Uint32Array(PDQ_WORDS), outOffset = 0): Uint32Array {
  for (let i = 0; i < PDQ_WORDS; i++) {
    const b = i * 4;
    out[outOffset + i] = ((hash[b]! << 24) | (hash[b + 1]! << 16) | (hash[b + 2]! << 8) | hash[b + 3]!) >>> 0;
  }
  return out;
}

/** Distance between stored hash `p` and query words, giving up (returning > limit) past `limit`. */
function boundedDistance(words: Uint32Array, p: number, q: Uint32Array, limit: number): number {
  const base = p * PDQ_WORDS;
  let d = 0;
  for (let i = 0; i < PDQ_WORDS; i++) {
    d += popcount32(words[base + i]! ^ q[i]!);
    if (d > limit) return d;
  }
  return d;
}

/** A compact store of N hashes as words; the brute-force search runs over this directly. */
export class PdqHashArray {
  readonly words: Uint32Array;
  size = 0;

  /** `shared`: back the array with a SharedArrayBuffer so worker threads can search it without a copy. */
  constructor(capacity: number, options: { shared?: boolean } = {}) {
    this.words = options.shared
      ? new Uint32Array(new SharedArrayBuffer(capacity * PDQ_WORDS * 4))
      : new Uint32Array(capacity * PDQ_WORDS);
  }

  static fromWords(words: Uint32Array, size: number): PdqHashArray {
    const a = Object.create(PdqHashArray.prototype) as PdqHashArray;
    (a as { words: Uint32Array }).words = words;
    a.size = size;
    return a;
  }

  get capacity(): number {
    return this.words.length / PDQ_WORDS;
  }

  push(hash: Uint8Array): number {
    if (hash.length !== 32) throw new RangeError(`a PDQ hash is 32 bytes, not ${hash.length}`);
    if (this.size >= this.capacity) throw new RangeError('PdqHashArray is full');
    hashWords(hash, this.words, this.size * PDQ_WORDS);
    return this.size++;
  }

  /** The hash at position `index`, as 32 bytes. */
  hashAt(index: number): Uint8Array {
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let w = 0; w < PDQ_WORDS; w++) view.setUint32(w * 4, this.words[index * PDQ_WORDS + w]!);
    return out;
  }

  pushWords(words: Uint32Array, offset = 0): number {
    if (this.size >= this.capacity) throw new RangeError('PdqHashArray is full');
    this.words.set(words.subarray(offset, offset + PDQ_WORDS), this.size * PDQ_WORDS);
    return this.size++;
  }
}

/** Linear scan: the reference the index must agree with. */
export function bruteForceSearch(store: PdqHashArray, query: Uint8Array | Uint32Array, radius: number): IndexHit[] {
  const q = query instanceof Uint32Array ? query : hashWords(query);
  const hits: IndexHit[] = [];
  const n = store.size;
  const words = store.words;
  for (let p = 0; p < n; p++) {
    const d = boundedDistance(words, p, q, radius);
    if (d <= radius) hits.push({ index: p, distance: d });
  }
  return hits.sort(byDistanceThenIndex);
}

export function byDistanceThenIndex(a: IndexHit, b: IndexHit): number {
  return a.distance - b.distance || a.index - b.index;
}

/**
 * Per-chunk probe radii by the generalised pigeonhole principle (Qin et al., "GPH", ICDE 2018): if
 * d(a, b) ≤ r then some chunk i has d_i ≤ τ_i whenever Σ(τ_i + 1) > r. With `chunks` equal chunks
 * of 256/chunks bits each: at r = 31, τ = 3 for 8 chunks and τ = 1 for 16.
 */
export function tauFor(radius: number, chunks: number): number[] {
  const total = Math.max(0, radius - chunks + 1);
  const width = 256 / chunks;
  return Array.from({ length: chunks }, (_, i) =>
    Math.min(width, Math.floor(total / chunks) + (i < total % chunks ? 1 : 0)),
  );
}

/** All masks of `length` bits with at most `tau` bits set, 0 first (cached: queries reuse them). */
const maskCache = new Map<string, Uint32Array>();
export function masksFor(length: number, tau: number): Uint32Array {
  const key = `${length}:${tau}`;
  let m = maskCache.get(key);
  if (!m) {
    const list: number[] = [0];
    const extend = (prefix: number, from: number, left: number) => {
      for (let b = from; b < length; b++) {
        const v = (prefix | (1 << b)) >>> 0;
        list.push(v);
        if (left > 1) extend(v, b + 1, left - 1);
      }
    };
    if (tau > 0) extend(0, 0, Math.min(tau, length));
    m = Uint32Array.from(list);
    maskCache.set(key, m);
  }
  return m;
}

/** Flat search results: per query its hit count, then (index, distance) pairs, query after query. */
export interface FlatHits {
  readonly counts: Uint32Array;
  readonly hits: Uint32Array;
}

/** The hits of a one-query flat answer, as `search` returns them. */
export function hitsOfOneQuery({ counts, hits }: FlatHits): IndexHit[] {
  const out: IndexHit[] = [];
  for (let k = 0; k < counts[0]! * 2; k += 2) out.push({ index: hits[k]!, distance: hits[k + 1]! });
  return out;
}

/** Puts each query's (index, distance) pairs in `search`'s order, nearest first, ties by index (in place). */
export function sortEachQuery(counts: Uint32Array, hits: Uint32Array): void {
  for (let q = 0, start = 0; q < counts.length; start += counts[q++]! * 2) {
    const end = start + counts[q]! * 2;
    // A query's hits are few: insertion sort.
    for (let x = start + 2; x < end; x += 2) {
      const index = hits[x]!;
      const distance = hits[x + 1]!;
      let y = x - 2;
      while (y >= start && (hits[y + 1]! > distance || (hits[y + 1] === distance && hits[y]! > index))) {
        hits[y + 2] = hits[y]!;
        hits[y + 3] = hits[y + 1]!;
        y -= 2;
      }
      hits[y + 2] = index;
      hits[y + 3] = distance;
    }
  }
}

/** Part `index` (from 0) of `of` equal parts of one search's work (PdqIndex.searchMany). */
export interface SearchShare {
  readonly index: number;
  readonly of: number;
}

/** A share's slice of the queries [from, to): even slices, in order. */
export function shareOfQueries(from: number, to: number, share: SearchShare): [number, number] {
  const count = to - from;
  return [
    from + Math.floor((share.index * count) / share.of),
    from + Math.floor(((share.index + 1) * count) / share.of),
  ];
}

/**
 * The answers of several shares of one search (each flat, over the same queries, see
 * PdqIndex.searchMany's `share`) as one answer: per query every share's hits, in `search`'s order.
 */
export function mergeShares(parts: readonly FlatHits[]): FlatHits {
  const count = parts[0]?.counts.length ?? 0;
  const counts = new Uint32Array(count);
  for (const part of parts) for (let q = 0; q < count; q++) counts[q]! += part.counts[q]!;
  let total = 0;
  for (let q = 0; q < count; q++) total += counts[q]! * 2;
  const hits = new Uint32Array(total);
  // Each share's hits are already in order, query by query: a k-way merge of their runs (a
  // concatenation sorted again cost O(k²) per query with many hits, as clustered sets have).
  const next = new Uint32Array(parts.length);
  const end = new Uint32Array(parts.length);
  for (let q = 0, o = 0; q < count; q++) {
    for (let p = 0; p < parts.length; p++) end[p] = next[p]! + parts[p]!.counts[q]! * 2;
    for (const stop = o + counts[q]! * 2; o < stop; o += 2) {
      let best = -1;
      for (let p = 0; p < parts.length; p++) {
        if (next[p] === end[p]) continue;
        if (best < 0 || precedes(parts[p]!.hits, next[p]!, parts[best]!.hits, next[best]!)) best = p;
      }
      const from = parts[best]!.hits;
      hits[o] = from[next[best]!]!;
      hits[o + 1] = from[next[best]! + 1]!;
      next[best]! += 2;
    }
  }
  return { counts, hits };
}

/** Whether hit `i` of `x` comes before hit `j` of `y` in `search`'s order (nearer, then lower index). */
function precedes(x: Uint32Array, i: number, y: Uint32Array, j: number): boolean {
  return x[i + 1]! < y[j + 1]! || (x[i + 1] === y[j + 1] && x[i]! < y[j]!);
}
