import { popcount32 } from '../hex.ts';

/**
 * One table of the PDQ index: a sequence of 32-bit chunk values, stored once, that answers both
 * "which values lie within τ bits of q?" (the inverted index a multi-index search needs) and
 * "what is the value at position x?" (what checking a candidate needs).
 *
 * The values are kept sorted by their top k bits — read backwards, the order a wavelet matrix
 * gives them (Claude, Navarro & Ordóñez, "The wavelet matrix", 2015) — as three parts:
 *  - the k top bits are not stored at all: a directory gives each k-bit prefix its interval;
 *  - the low 32 − k bits ("suffixes") are stored in that sorted order;
 *  - the permutation between insertion order and sorted order is the first k levels of a wavelet
 *    matrix: level l holds bit 31 − l of every value in the order after sorting by the first l
 *    bits, and rank/select on the levels move a position down (insertion → sorted) or up.
 * So the table costs the value's 32 bits plus the rank directory on k of them — with k = 18 at
 * 10 M values, about 37 bits a value — where an inverted list would add a 24-bit id to a copy.
 *
 * A search enumerates the prefixes within τ of q's, looks each up in the directory and scans its
 * suffixes, which lie side by side: a few sequential reads per prefix rather than a cache miss per
 * bit, as a walk down all 32 levels of a full wavelet matrix would cost.
 */

/** Rank blocks: [ones before the block, 8 words of bits] — what one rank needs, side by side. */
const BLOCK_WORDS = 9;
const BLOCK_BITS = 256;
/** The block of every 512th one and every 512th zero of a level, so select starts near its answer. */
const SELECT_SAMPLE_SHIFT = 9;

/**
 * Directory width for `length` values: ~32 values per prefix, so a scan is a few cache lines —
 * but at least 16 bits once there are ≥ 8 values per 16-bit prefix, so suffixes fit in 16 bits.
 */
export function prefixBitsFor(length: number): number {
  const log = length > 0 ? Math.floor(Math.log2(length)) : 0;
  return Math.max(0, Math.min(24, Math.max(log - 5, Math.min(16, log - 3))));
}

/** The arrays of a table, plain or shared, for handing to worker threads. */
export interface ChunkTableParts {
  readonly length: number;
  /** k: how many top bits the directory and the wavelet levels cover. */
  readonly prefixBits: number;
  /** k levels of `levelStride` words each, in rank blocks. */
  readonly levels: Uint32Array;
  /** Zeros on each level: where the ones' side of the next level starts. */
  readonly zeros: Uint32Array;
  /** starts[r]: first sorted position of the prefix whose bits reversed are r; starts[2^k] = length. */
  readonly starts: Uint32Array;
  /** Low 32 − k bits of each value, in sorted order. */
  readonly suffixes: Uint16Array | Uint32Array;
  /**
   * Within each prefix's interval, the offsets of its suffixes in ascending suffix order (one byte
   * each while no interval holds more than 256 values): a probe that must match the suffix exactly —
   * 816 of the 988 prefixes a τ = 3 search visits — is a binary search, not a scan of the interval.
   */
  readonly order: Uint8Array | Uint16Array;
  /** For level l: from selectHintOffsets[2l + one], the block of the (512·j)-th zero or one. */
  readonly selectHints: Uint32Array;
  readonly selectHintOffsets: Uint32Array;
}

const REVERSE_BYTE = new Uint8Array(256).map((_, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >>> i) & 1) << (7 - i);
  return r;
});

/** The low `bits` bits of `v` in reverse order. */
export function reverseBits(v: number, bits: number): number {
  const r =
    (REVERSE_BYTE[v & 0xff]! << 24) |
    (REVERSE_BYTE[(v >>> 8) & 0xff]! << 16) |
    (REVERSE_BYTE[(v >>> 16) & 0xff]! << 8) |
    REVERSE_BYTE[v >>> 24]!;
  return bits === 0 ? 0 : r >>> (32 - bits);
}

// The table's fields are its parts (declaration merging: no second list of them to keep in step).
export interface ChunkTable extends ChunkTableParts {}
export class ChunkTable {
  private readonly levelStride: number;
  private readonly blocks: number;
  private readonly suffixMask: number;

  private constructor(parts: ChunkTableParts) {
    const { length, prefixBits, levels, zeros, starts, suffixes, order, selectHints, selectHintOffsets } = parts;
    Object.assign(this, { length, prefixBits, levels, zeros, starts, suffixes, order, selectHints, selectHintOffsets });
    // One block more than the bits need, so rank(length) never reads past a level.
    this.blocks = Math.floor(parts.length / BLOCK_BITS) + 1;
    this.levelStride = this.blocks * BLOCK_WORDS;
    this.suffixMask = parts.prefixBits === 0 ? 0xffffffff : (2 ** (32 - parts.prefixBits) - 1) >>> 0;
  }

  static fromParts(parts: ChunkTableParts): ChunkTable {
    return new ChunkTable(parts);
  }

  /**
   * Builds the table of `values` (reordered in place: it is scratch space). k stable partitions,
   * linear time, one extra copy of the sequence while building.
   */
  static build(values: Uint32Array, options: { shared?: boolean; prefixBits?: number } = {}): ChunkTable {
    const n = values.length;
    const buffer = (bytes: number) => (options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const words = (count: number) => new Uint32Array(buffer(count * 4));
    const k = options.prefixBits ?? prefixBitsFor(n);
    const blocks = Math.floor(n / BLOCK_BITS) + 1;
    const stride = blocks * BLOCK_WORDS;
    const levels = words(k * stride);
    const zeros = words(Math.max(1, k));
    const starts = words(2 ** k + 1);

    // Directory: count each prefix, then lay the counts out in reversed-prefix order — the order
    // of the prefixes' intervals after k stable partitions by bits 31, 30, …
    if (k > 0) {
      const shift = 32 - k;
      for (let i = 0; i < n; i++) starts[reverseBits(values[i]! >>> shift, k) + 1]!++;
      for (let r = 0; r < 2 ** k; r++) starts[r + 1]! += starts[r]!;
    } else starts[1] = n;

    const hintLists: Uint32Array[] = [];
    let current: Uint32Array = values;
    let next: Uint32Array = new Uint32Array(n);
    for (let level = 0; level < k; level++) {
      const shift = 31 - level;
      const base = level * stride;
      let ones = 0;
      for (let b = 0; b < blocks; b++) {
        const at = base + b * BLOCK_WORDS;
        levels[at] = ones;
        for (let w = 0; w < 8; w++) {
          const first = (b * 8 + w) * 32;
          const last = Math.min(n, first + 32);
          let word = 0;
          for (let i = first; i < last; i++) word |= ((current[i]! >>> shift) & 1) << (i - first);
          levels[at + 1 + w] = word;
          ones += popcount32(word);
        }
      }
      const z = n - ones;
      zeros[level] = z;
      for (const one of [0, 1]) {
        const hints = new Uint32Array(((one ? ones : z) >>> SELECT_SAMPLE_SHIFT) + 1);
        for (let b = 0, j = 0; b < blocks && j < hints.length; b++) {
          const onesAfter = b + 1 < blocks ? levels[base + (b + 1) * BLOCK_WORDS]! : ones;
          const after = one ? onesAfter : Math.min(n, (b + 1) * BLOCK_BITS) - onesAfter;
          while (j < hints.length && j * 2 ** SELECT_SAMPLE_SHIFT < after) hints[j++] = b;
        }
        hintLists.push(hints);
      }
      let zi = 0;
      let oi = z;
      for (let i = 0; i < n; i++) {
        const v = current[i]!;
        if ((v >>> shift) & 1) next[oi++] = v;
        else next[zi++] = v;
      }
      const t = current;
      current = next;
      next = t;
    }

    const suffixes = 32 - k <= 16 ? new Uint16Array(buffer(n * 2)) : new Uint32Array(buffer(n * 4));
    const mask = k === 0 ? 0xffffffff : (2 ** (32 - k) - 1) >>> 0;
    for (let i = 0; i < n; i++) suffixes[i] = (current[i]! & mask) >>> 0;
    const order = intervalOrder(suffixes, starts, 2 ** k, buffer);

    const selectHintOffsets = words(2 * k + 1);
    for (let i = 0; i < 2 * k; i++) selectHintOffsets[i + 1] = selectHintOffsets[i]! + hintLists[i]!.length;
    const selectHints = words(selectHintOffsets[2 * k]!);
    hintLists.forEach((h, i) => selectHints.set(h, selectHintOffsets[i]!));
    return new ChunkTable({
      length: n,
      prefixBits: k,
      levels,
      zeros,
      starts,
      suffixes,
      order,
      selectHints,
      selectHintOffsets,
    });
  }

  parts(): ChunkTableParts {
    const { length, prefixBits, levels, zeros, starts, suffixes, order, selectHints, selectHintOffsets } = this;
    return { length, prefixBits, levels, zeros, starts, suffixes, order, selectHints, selectHintOffsets };
  }

  memoryBytes(): number {
    return (
      this.levels.byteLength +
      this.zeros.byteLength +
      this.starts.byteLength +
      this.suffixes.byteLength +
      this.order.byteLength +
      this.selectHints.byteLength +
      this.selectHintOffsets.byteLength
    );
  }

  /**
   * Reports each position p in [s, e) — one prefix's interval — whose suffix is within `budget` bits
   * of qs, as found(p, used + d). Budget 0 is a binary search through `order`; otherwise a scan.
   */
  private probe(
    s: number,
    e: number,
    qs: number,
    budget: number,
    used: number,
    found: (p: number, distance: number) => void,
  ): void {
    const suffixes = this.suffixes;
    if (budget === 0) {
      const order = this.order;
      let lo = 0;
      let hi = e - s;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (suffixes[s + order[s + mid]!]! < qs) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < e - s; j++) {
        const p = s + order[s + j]!;
        if (suffixes[p] !== qs) break;
        found(p, used);
      }
      return;
    }
    for (let p = s; p < e; p++) {
      const d = popcount32(suffixes[p]! ^ qs);
      if (d <= budget) found(p, used + d);
    }
  }

  /** Ones among positions [0, i) of `level`. */
  private rank1(level: number, i: number): number {
    const levels = this.levels;
    const at = level * this.levelStride + (i >>> 8) * BLOCK_WORDS;
    let r = levels[at]!;
    const w = (i >>> 5) & 7;
    for (let j = 1; j <= w; j++) r += popcount32(levels[at + j]!);
    const rem = i & 31;
    if (rem !== 0) r += popcount32(levels[at + 1 + w]! << (32 - rem));
    return r;
  }

  /** Position on `level` of its k-th one (k from 0), or of its k-th zero when `one` is false. */
  private select(level: number, k: number, one: boolean): number {
    const levels = this.levels;
    const base = level * this.levelStride;
    // Last block whose count-before is ≤ k (for zeros: 256·b − ones before), stepping forward
    // from the hinted block: 512 ones or zeros span only a few blocks.
    let b = this.selectHints[this.selectHintOffsets[level * 2 + (one ? 1 : 0)]! + (k >>> SELECT_SAMPLE_SHIFT)]!;
    const last = this.blocks - 1;
    while (b < last) {
      const nextAt = base + (b + 1) * BLOCK_WORDS;
      if ((one ? levels[nextAt]! : (b + 1) * BLOCK_BITS - levels[nextAt]!) > k) break;
      b++;
    }
    const at = base + b * BLOCK_WORDS;
    k -= one ? levels[at]! : b * BLOCK_BITS - levels[at]!;
    for (let w = 0; w < 8; w++) {
      let word = one ? levels[at + 1 + w]! : ~levels[at + 1 + w]!;
      const c = popcount32(word);
      if (k < c) {
        for (; k > 0; k--) word &= word - 1; // drop the k lowest set bits
        return b * BLOCK_BITS + w * 32 + (31 - Math.clz32(word & -word));
      }
      k -= c;
    }
    throw new RangeError(`select past the end of level ${level}`);
  }

  /** Sorted position of the value inserted at `x`, walking the levels down. */
  sortedPosition(x: number): number {
    for (let level = 0; level < this.prefixBits; level++) x = Math.floor(this.down(level, x) / 2);
    return x;
  }

  /**
   * One step down from position x of `level`: where that value sits on the next level, times two,
   * plus its bit on this level (packed so the step stays one small, inlinable call).
   */
  private down(level: number, x: number): number {
    const r = this.rank1(level, x);
    const bit =
      (this.levels[level * this.levelStride + (x >>> 8) * BLOCK_WORDS + 1 + ((x >>> 5) & 7)]! >>> (x & 31)) & 1;
    return (bit ? this.zeros[level]! + r : x - r) * 2 + bit;
  }

  /** The value inserted at position `x`. */
  access(x: number): number {
    const k = this.prefixBits;
    let prefix = 0;
    for (let level = 0; level < k; level++) {
      const step = this.down(level, x);
      prefix = prefix * 2 + (step & 1);
      x = Math.floor(step / 2);
    }
    return k === 0 ? this.suffixes[x]! >>> 0 : (prefix * 2 ** (32 - k) + this.suffixes[x]!) >>> 0;
  }

  /**
   * Hamming distance between the value inserted at `x` and `q`, giving up (returning a value over
   * `limit`) once past it — most candidates fail within a few levels.
   */
  distanceAt(x: number, q: number, limit: number): number {
    let d = 0;
    for (let level = 0; level < this.prefixBits; level++) {
      const step = this.down(level, x);
      if ((step & 1) !== ((q >>> (31 - level)) & 1) && ++d > limit) return d;
      x = Math.floor(step / 2);
    }
    return d + popcount32((this.suffixes[x]! ^ q) & this.suffixMask);
  }

  /** Insertion position of the value at sorted position `p`, walking the levels up. */
  locate(p: number): number {
    const zeros = this.zeros;
    for (let level = this.prefixBits - 1; level >= 0; level--) {
      const z = zeros[level]!;
      p = p < z ? this.select(level, p, false) : this.select(level, p - z, true);
    }
    return p;
  }

  /**
   * `locate` for many sorted positions at once, in place: level by level across all of them, so
   * their cache misses overlap instead of each walk waiting on its own, one level at a time.
   */
  locateAll(positions: Uint32Array, from: number, to: number): void {
    const zeros = this.zeros;
    for (let level = this.prefixBits - 1; level >= 0; level--) {
      const z = zeros[level]!;
      for (let i = from; i < to; i++) {
        const p = positions[i]!;
        positions[i] = p < z ? this.select(level, p, false) : this.select(level, p - z, true);
      }
    }
  }

  /**
   * `distanceAt` for many insertion positions at once: distances[i] += the distance between the
   * value at xs[i] and its query's chunk (`queryWords[8·queryOf[i] + chunk]`), for the `count`
   * entries listed in `which`; an entry whose sum passes `limit` stops early (its sum is then only
   * known to be over the limit). Level by level across the entries, like `locateAll`. `scratch`
   * must hold 2·count numbers.
   */
  addDistances(
    xs: Uint32Array,
    which: Uint32Array,
    count: number,
    queryOf: Uint32Array,
    queryWords: Uint32Array,
    chunk: number,
    distances: Int32Array,
    limit: number,
    scratch: Uint32Array,
  ): void {
    // scratch[0, count): entries still walking; scratch[count, 2·count): their current positions.
    let alive = count;
    for (let a = 0; a < count; a++) {
      scratch[a] = which[a]!;
      scratch[count + a] = xs[which[a]!]!;
    }
    for (let level = 0; level < this.prefixBits && alive > 0; level++) {
      const shift = 31 - level;
      let kept = 0;
      for (let a = 0; a < alive; a++) {
        const i = scratch[a]!;
        const step = this.down(level, scratch[count + a]!);
        if ((step & 1) !== ((queryWords[queryOf[i]! * 8 + chunk]! >>> shift) & 1) && ++distances[i]! > limit) continue;
        scratch[kept] = i;
        scratch[count + kept] = Math.floor(step / 2);
        kept++;
      }
      alive = kept;
    }
    const suffixes = this.suffixes;
    const mask = this.suffixMask;
    for (let a = 0; a < alive; a++) {
      const i = scratch[a]!;
      distances[i]! += popcount32((suffixes[scratch[count + a]!]! ^ queryWords[queryOf[i]! * 8 + chunk]!) & mask);
    }
  }

  /**
   * forEachWithin for a batch of queries at once (`chunks[b]` is query b's value): every prefix any
   * query probes is visited once, in the order the table lays them out, so the directory and the
   * suffixes are read front to back instead of at ~1,000 random places per query — on a table far
   * larger than the caches, those random reads were most of a query's time.
   */
  sweepWithin(
    chunks: Uint32Array,
    count: number,
    tau: number,
    reversedMasks: Uint32Array,
    found: (b: number, p: number, distance: number) => void,
  ): void {
    const k = this.prefixBits;
    const masks = reversedMasks.length;
    const total = count * masks;
    // A probe is packed as query << shift | mask, so unpacking is a shift, not a division.
    const shift = 32 - Math.clz32(Math.max(1, masks - 1));
    const buckets = 2 ** k;
    // Counting sort of the (prefix, query, mask) probes by reversed prefix.
    const first = this.sweepScratch(buckets + 1, total);
    const { starts: probeStarts, probes } = first;
    probeStarts.fill(0, 0, buckets + 1);
    const rp = new Uint32Array(count);
    for (let b = 0; b < count; b++) {
      rp[b] = k === 0 ? 0 : reverseBits(chunks[b]! >>> (32 - k), k);
      for (let m = 0; m < masks; m++) probeStarts[((rp[b]! ^ reversedMasks[m]!) >>> 0) + 1]!++;
    }
    for (let r = 0; r < buckets; r++) probeStarts[r + 1]! += probeStarts[r]!;
    const fill = first.fill;
    fill.set(probeStarts.subarray(0, buckets));
    for (let b = 0; b < count; b++)
      for (let m = 0; m < masks; m++) probes[fill[(rp[b]! ^ reversedMasks[m]!) >>> 0]!++] = (b << shift) | m;
    const starts = this.starts;
    const mask = this.suffixMask;
    const used = new Uint8Array(masks);
    for (let m = 0; m < masks; m++) used[m] = popcount32(reversedMasks[m]!);
    let b = 0;
    const report = (p: number, distance: number) => found(b, p, distance);
    for (let r = 0; r < buckets; r++) {
      const from = probeStarts[r]!;
      const to = probeStarts[r + 1]!;
      if (from === to) continue;
      const s = starts[r]!;
      const e = starts[r + 1]!;
      if (s === e) continue;
      for (let i = from; i < to; i++) {
        const probe = probes[i]!;
        b = probe >>> shift;
        const u = used[probe & ((1 << shift) - 1)]!;
        this.probe(s, e, (chunks[b]! & mask) >>> 0, tau - u, u, report);
      }
    }
  }

  private sweep = { starts: new Uint32Array(0), fill: new Uint32Array(0), probes: new Uint32Array(0) };
  private sweepScratch(
    buckets: number,
    probes: number,
  ): { starts: Uint32Array; fill: Uint32Array; probes: Uint32Array } {
    if (this.sweep.starts.length < buckets)
      this.sweep = { starts: new Uint32Array(buckets), fill: new Uint32Array(buckets), probes: this.sweep.probes };
    if (this.sweep.probes.length < probes) this.sweep.probes = new Uint32Array(probes);
    return this.sweep;
  }

  /**
   * Calls `found(p, distance)` for every sorted position p whose value is within `tau` bits of
   * `q`. `reversedMasks` are the k-bit patterns with at most `tau` bits set, bit-reversed (the
   * caller caches them): each gives one prefix near q's, whose suffixes are then scanned with the
   * budget left.
   */
  forEachWithin(
    q: number,
    tau: number,
    reversedMasks: Uint32Array,
    found: (p: number, distance: number) => void,
  ): void {
    const k = this.prefixBits;
    const reversedPrefix = k === 0 ? 0 : reverseBits(q >>> (32 - k), k);
    const qs = (q & this.suffixMask) >>> 0;
    const starts = this.starts;
    const suffixes = this.suffixes;
    const count = reversedMasks.length;
    const spans = this.spanScratch(count);
    // Two passes: first every prefix's interval and its first suffixes (independent loads, so
    // their cache misses overlap), then the scans.
    let sink = 0;
    for (let m = 0; m < count; m++) {
      const r = (reversedPrefix ^ reversedMasks[m]!) >>> 0;
      const s = starts[r]!;
      spans[2 * m] = s;
      spans[2 * m + 1] = starts[r + 1]!;
      sink += suffixes[s] ?? 0;
    }
    this.sink = sink;
    for (let m = 0; m < count; m++) {
      // Most prefixes near q's already spend the whole budget (at τ = 3 and k = 18, 816 of 988):
      // their suffixes must equal q's, a binary search.
      const used = popcount32(reversedMasks[m]!);
      this.probe(spans[2 * m]!, spans[2 * m + 1]!, qs, tau - used, used, found);
    }
  }

  /** Keeps the first pass's touches observable, so the compiler cannot drop them. */
  private sink = 0;
  private spans = new Uint32Array(0);
  private spanScratch(count: number): Uint32Array {
    if (this.spans.length < 2 * count) this.spans = new Uint32Array(2 * count);
    return this.spans;
  }
}

/** Per prefix interval, the offsets of its suffixes sorted by suffix (see ChunkTable.order). */
function intervalOrder(
  suffixes: Uint16Array | Uint32Array,
  starts: Uint32Array,
  intervals: number,
  buffer: (bytes: number) => ArrayBufferLike,
): Uint8Array | Uint16Array {
  let largest = 0;
  for (let r = 0; r < intervals; r++) largest = Math.max(largest, starts[r + 1]! - starts[r]!);
  const n = suffixes.length;
  const order =
    largest <= 256 ? new Uint8Array(buffer(n)) : largest <= 65536 ? new Uint16Array(buffer(n * 2)) : undefined;
  if (!order) throw new RangeError(`a prefix interval holds ${largest} values; the index needs a wider directory`);
  const scratch = new Float64Array(largest);
  for (let r = 0; r < intervals; r++) {
    const s = starts[r]!;
    const len = starts[r + 1]! - s;
    // Insertion sort of (suffix, offset) keys: intervals hold a few dozen values.
    for (let j = 0; j < len; j++) {
      const key = suffixes[s + j]! * 65536 + j;
      let i = j - 1;
      while (i >= 0 && scratch[i]! > key) {
        scratch[i + 1] = scratch[i]!;
        i--;
      }
      scratch[i + 1] = key;
    }
    for (let j = 0; j < len; j++) order[s + j] = scratch[j]! & 0xffff;
  }
  return order;
}
