import { popcount32 } from '../hex.ts';
import { bruteForceSearch, byDistanceThenIndex, masksFor, PdqHashArray, PDQ_WORDS, tauFor, type IndexHit } from './pdq-hashes.ts';

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
export type IdColumn = { readonly wide: false; readonly a: Uint8Array } | { readonly wide: true; readonly a: Uint32Array };

function idColumn(n: number, shared: boolean): IdColumn {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return n < 1 << 24 ? { wide: false, a: new Uint8Array(buffer(n * 3)) } : { wide: true, a: new Uint32Array(buffer(n * 4)) };
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
    return this.store.words.byteLength + this.ids.reduce((s, i) => s + i.a.byteLength, 0) + this.offsets.reduce((s, o) => s + o.byteLength, 0);
  }

  describe(): string {
    return 'multi-index hashing: the hashes plus 16 tables of 16-bit chunks with id lists';
  }

  hashAt(index: number): Uint8Array {
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let w = 0; w < PDQ_WORDS; w++) view.setUint32(w * 4, this.store.words[index * PDQ_WORDS + w]!);
    return out;
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
    const q0 = q[0]!, q1 = q[1]!, q2 = q[2]!, q3 = q[3]!, q4 = q[4]!, q5 = q[5]!, q6 = q[6]!, q7 = q[7]!;
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
          d += popcount32(words[b + 4]! ^ q4) + popcount32(words[b + 5]! ^ q5) + popcount32(words[b + 6]! ^ q6) + popcount32(words[b + 7]! ^ q7);
          if (d <= radius) found.set(p, d);
        }
      }
    }
    return [...found].map(([index, distance]) => ({ index, distance })).sort(byDistanceThenIndex);
  }
}
