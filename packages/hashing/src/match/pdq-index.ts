import { popcount32 } from '../hex.ts';

/**
 * Exact radius search over 256-bit PDQ hashes by multi-index hashing (Norouzi, Punjani & Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012).
 *
 * Each hash is cut into chunks and every chunk has its own table (bucket = chunk value). If two hashes
 * are within distance r, then by the (generalised) pigeonhole principle at least one chunk i differs
 * in at most τ_i bits, where Σ(τ_i + 1) > r — with 16 chunks of 16 bits and r = 31, τ = 1 everywhere.
 * A query looks only in the buckets within τ_i of each of its chunks; every hash found there is a
 * candidate whose full distance is checked. Nothing within the radius can be missed, so the result is
 * exactly the brute-force result.
 *
 * Memory: the hashes (32 bytes each, insertion order), per table one id per hash (3 bytes while the
 * index holds fewer than 2^24 hashes, else 4) and the bucket offsets — about 80 bytes per hash at
 * 10 M, 2.5× the raw hashes (see the package README for why an exact index cannot reach 1.5×).
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
    this.words = options.shared ? new Uint32Array(new SharedArrayBuffer(capacity * PDQ_WORDS * 4)) : new Uint32Array(capacity * PDQ_WORDS);
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

function byDistanceThenIndex(a: IndexHit, b: IndexHit): number {
  return a.distance - b.distance || a.index - b.index;
}

/** Ids packed 3 bytes each while there are fewer than 2^24 hashes, else 4 bytes each. */
export type IdColumn = { readonly wide: false; readonly a: Uint8Array } | { readonly wide: true; readonly a: Uint32Array };

function idColumn(n: number, shared: boolean): IdColumn {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return n < 1 << 24 ? { wide: false, a: new Uint8Array(buffer(n * 3)) } : { wide: true, a: new Uint32Array(buffer(n * 4)) };
}

/** Which bits each table indexes: chunk i covers bits [start, start + length) of the 256, MSB first. */
export interface ChunkLayout {
  readonly starts: readonly number[];
  readonly lengths: readonly number[];
}

function layoutOf(lengths: number[]): ChunkLayout {
  const starts: number[] = [];
  let at = 0;
  for (const l of lengths) {
    starts.push(at);
    at += l;
  }
  if (at !== 256) throw new Error('chunk layout must cover 256 bits');
  return { starts, lengths };
}

/** 16 chunks of 16 bits: small tables (65,537 offsets each), right for up to about a million hashes. */
export const LAYOUT_16x16 = layoutOf(Array(16).fill(16));
/** 12 chunks (4 × 22 + 8 × 21 bits): fewer, finer tables for millions of hashes (see `tauFor`). */
export const LAYOUT_12 = layoutOf([22, 22, 22, 22, 21, 21, 21, 21, 21, 21, 21, 21]);

/** Bits [start, start + length) of a hash held as 8 big-endian words (length ≤ 32). */
function chunkValue(words: Uint32Array, base: number, start: number, length: number): number {
  const w = start >>> 5;
  const offset = start & 31;
  const first = words[base + w]!;
  if (offset + length <= 32) return (first >>> (32 - offset - length)) & ((2 ** length - 1) >>> 0);
  const spill = offset + length - 32;
  const high = first & ((2 ** (32 - offset) - 1) >>> 0);
  return ((high * 2 ** spill) + (words[base + w + 1]! >>> (32 - spill))) >>> 0;
}

/**
 * Per-chunk probe radii by the generalised pigeonhole principle (Qin et al., "GPH", ICDE 2018): if
 * d(a, b) ≤ r then some chunk i has d_i ≤ τ_i whenever Σ(τ_i + 1) > r. With 16 chunks and r = 31
 * that is τ = 1 everywhere; with 12 chunks, eight 21-bit chunks at τ = 2 and four 22-bit at τ = 1.
 * Extra radius goes to the shortest chunks first (fewer probes per unit of τ).
 */
export function tauFor(layout: ChunkLayout, radius: number): number[] {
  const m = layout.lengths.length;
  const total = Math.max(0, radius - m + 1);
  const tau = Array<number>(m).fill(Math.floor(total / m));
  const order = layout.lengths.map((l, i) => [l, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let k = 0; k < total % m; k++) tau[order[k]![1]]!++;
  return tau;
}

/** All masks of `length` bits with at most `tau` bits set. */
const maskCache = new Map<string, Uint32Array>();
function probeMasksFor(length: number, tau: number): Uint32Array {
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
    if (tau > 0) extend(0, 0, tau);
    m = Uint32Array.from(list);
    maskCache.set(key, m);
  }
  return m;
}

/** Probe masks beyond this many per query make a linear scan the faster exact method. */
const MAX_PROBES = 40_000;

/** The arrays of an index, for handing to worker threads (shared memory is not copied). */
export interface PdqIndexParts {
  readonly words: Uint32Array;
  readonly size: number;
  readonly layout: ChunkLayout;
  readonly offsets: readonly Uint32Array[];
  readonly ids: readonly IdColumn[];
}

export class PdqIndex {
  private readonly offsets: Uint32Array[] = [];
  private readonly ids: IdColumn[] = [];

  private constructor(
    readonly store: PdqHashArray,
    readonly layout: ChunkLayout,
  ) {}

  get size(): number {
    return this.store.size;
  }

  /**
   * Builds one table per chunk over every hash in `store` (a counting sort per table). The layout
   * defaults to 16 × 16-bit chunks below 4 million hashes and 12 chunks of 21–22 bits above, where
   * larger buckets would otherwise make candidate checking the cost.
   */
  static build(store: PdqHashArray, options: { shared?: boolean; layout?: ChunkLayout } = {}): PdqIndex {
    const shared = options.shared ?? store.words.buffer instanceof SharedArrayBuffer;
    const layout = options.layout ?? (store.size >= 1 << 22 ? LAYOUT_12 : LAYOUT_16x16);
    const index = new PdqIndex(store, layout);
    const n = store.size;
    const words = store.words;
    const values = new Uint32Array(n);
    for (let c = 0; c < layout.lengths.length; c++) {
      const start = layout.starts[c]!;
      const length = layout.lengths[c]!;
      const buckets = 2 ** length;
      for (let p = 0; p < n; p++) values[p] = chunkValue(words, p * PDQ_WORDS, start, length);
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

  static fromHashes(hashes: Iterable<Uint8Array> | readonly Uint8Array[], count?: number): PdqIndex {
    const list = Array.isArray(hashes) ? hashes : [...hashes];
    const store = new PdqHashArray(count ?? list.length);
    for (const h of list) store.push(h);
    return PdqIndex.build(store);
  }

  parts(): PdqIndexParts {
    return { words: this.store.words, size: this.store.size, layout: this.layout, offsets: this.offsets, ids: this.ids };
  }

  static fromParts(parts: PdqIndexParts): PdqIndex {
    const index = new PdqIndex(PdqHashArray.fromWords(parts.words, parts.size), parts.layout);
    index.offsets.push(...parts.offsets);
    index.ids.push(...parts.ids);
    return index;
  }

  /** Bytes held: hashes, ids and offsets. */
  memoryBytes(): number {
    return this.store.words.byteLength + this.ids.reduce((s, i) => s + i.a.byteLength, 0) + this.offsets.reduce((s, o) => s + o.byteLength, 0);
  }

  /**
   * Every stored hash within `radius` of the query, nearest first (ties by insertion order). When
   * the probes needed would outnumber a scan's work (very large radii), a linear scan answers.
   */
  search(query: Uint8Array | Uint32Array, radius: number): IndexHit[] {
    if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`radius must be a whole number ≥ 0, not ${radius}`);
    const q = query instanceof Uint32Array ? query : hashWords(query);
    const layout = this.layout;
    const tau = tauFor(layout, radius);
    if (tau.some((t) => t > 3) || tau.reduce((s, t, i) => s + probeMasksFor(layout.lengths[i]!, t).length, 0) > MAX_PROBES) {
      return bruteForceSearch(this.store, q, radius);
    }
    const words = this.store.words;
    const q0 = q[0]!, q1 = q[1]!, q2 = q[2]!, q3 = q[3]!, q4 = q[4]!, q5 = q[5]!, q6 = q[6]!, q7 = q[7]!;
    const found = new Map<number, number>();
    for (let c = 0; c < layout.lengths.length; c++) {
      const qc = chunkValue(q, 0, layout.starts[c]!, layout.lengths[c]!);
      const masks = probeMasksFor(layout.lengths[c]!, tau[c]!);
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
          d += popcount32(words[b + 4]! ^ q4) + popcount32(words[b + 5]! ^ q5) + popcount32(words[b + 6]! ^ q6) + popcount32(words[b + 7]! ^ q7);
          if (d <= radius) found.set(p, d);
        }
      }
    }
    return [...found].map(([index, distance]) => ({ index, distance })).sort(byDistanceThenIndex);
  }
}
