import { readFileSync } from 'node:fs';

/**
 * The merge join's candidate loop (merge-join.wat), and the memory it reads: the sweep index sorts
 * both sides of a table straight into this kernel's memory (`views`), then `join` checks every pair
 * under keys within τ and hands back the hits. One kernel per thread: its memory is its own.
 */
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const compiled = new wasm.Module(readFileSync(new URL('./merge-join.wasm', import.meta.url)));

/**
 * The part of the WebAssembly API used here: @types/node 20 does not declare its globals (they come
 * with TypeScript's DOM library, which a Node project does not load).
 */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: object };
}

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  mergeTable(
    a: number,
    aDirectory: number,
    b: number,
    bDirectory: number,
    size: number,
    masks: number,
    v: number,
    radius: number,
    table: number,
    earlier: number,
    out: number,
    outCapacity: number,
    state: number,
  ): number;
}

/** A record: the hash's 8 words, then its position (36 bytes). */
export const RECORD_WORDS = 9;
const STATE_BYTES = 16;
const EARLIER_BYTES = 32;
const HIT_WORDS = 3;
const PAGE = 65536;

/** What one merge call needs room for. */
export interface MergeJoinSizes {
  readonly setRecords: number;
  readonly queryRecords: number;
  /** Directory entries: 2^(widest chunk). */
  readonly keys: number;
  /** Probe masks of the table with the most. */
  readonly masks: number;
  readonly tables: number;
  /** Hits held before they are handed over; at least twice the longer side (tests ask for fewer). */
  readonly hits?: number;
}

/** Views of the kernel's memory for one merge call (valid until the next `layout`). */
export interface MergeJoinViews {
  readonly setSorted: Uint32Array;
  readonly setDirectory: Uint32Array;
  readonly querySorted: Uint32Array;
  readonly queryDirectory: Uint32Array;
}

/** One chunk's bits as two (lane, mask) pairs over the four 64-bit lanes of a record. */
export interface ChunkLanes {
  readonly tau: number;
  /** Byte offset of each lane in a record, and the chunk's bits in it. */
  readonly lanes: readonly [number, bigint, number, bigint];
}

export class MergeJoinKernel {
  private readonly exports: Exports;
  private at = { masks: 0, earlier: 0, setDirectory: 0, queryDirectory: 0, setSorted: 0, querySorted: 0, out: 0 };
  private outCapacity = 0;

  constructor() {
    this.exports = new wasm.Instance(compiled).exports as unknown as Exports;
  }

  /** Bytes the kernel's memory holds (it grows, never shrinks: a worker reuses it batch after batch). */
  bytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Places one call's arrays in memory, growing it if needed. The hit buffer holds at least twice
   * the longer side, so that two rows' candidates always fit (see merge-join.wat).
   */
  layout(sizes: MergeJoinSizes): MergeJoinViews {
    let end = STATE_BYTES;
    const take = (bytes: number): number => {
      const start = end;
      end += Math.ceil(bytes / 8) * 8;
      return start;
    };
    this.outCapacity = Math.max(sizes.hits ?? 1 << 16, 2 * sizes.setRecords, 2 * sizes.queryRecords);
    this.at = {
      masks: take(sizes.masks * 4),
      earlier: take(sizes.tables * EARLIER_BYTES),
      setDirectory: take((sizes.keys + 1) * 4),
      queryDirectory: take((sizes.keys + 1) * 4),
      // One spare record after each side: the kernel reads records two at a time.
      setSorted: take((sizes.setRecords + 1) * RECORD_WORDS * 4),
      querySorted: take((sizes.queryRecords + 1) * RECORD_WORDS * 4),
      out: take(this.outCapacity * HIT_WORDS * 4),
    };
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    const words = (start: number, length: number) => new Uint32Array(memory.buffer, start, length);
    return {
      setSorted: words(this.at.setSorted, sizes.setRecords * RECORD_WORDS),
      setDirectory: words(this.at.setDirectory, sizes.keys + 1),
      querySorted: words(this.at.querySorted, sizes.queryRecords * RECORD_WORDS),
      queryDirectory: words(this.at.queryDirectory, sizes.keys + 1),
    };
  }

  /** The chunks of every table, for the kernel's "found by an earlier table" test. */
  setChunks(chunks: readonly ChunkLanes[]): void {
    const view = new DataView(this.exports.memory.buffer, this.at.earlier, chunks.length * EARLIER_BYTES);
    chunks.forEach((c, j) => {
      const o = j * EARLIER_BYTES;
      view.setInt32(o, c.lanes[0], true);
      view.setInt32(o + 4, c.tau, true);
      view.setBigUint64(o + 8, c.lanes[1], true);
      view.setInt32(o + 16, c.lanes[2], true);
      view.setBigUint64(o + 24, c.lanes[3], true);
    });
  }

  /**
   * Joins table `table` (chunk keys < `size`, probe `masks`) with the set as side a when `setIsA`,
   * calling `hit(setPosition, queryPosition, distance)` for every pair within `radius` that no
   * earlier table reports.
   */
  join(
    table: number,
    size: number,
    masks: Uint32Array,
    radius: number,
    setIsA: boolean,
    hit: (setPosition: number, queryPosition: number, distance: number) => void,
  ): void {
    const memory = this.exports.memory;
    new Uint32Array(memory.buffer, this.at.masks, masks.length).set(masks);
    const state = new Uint32Array(memory.buffer, 0, 3);
    state.fill(0);
    const { at } = this;
    const [a, aDirectory, b, bDirectory] = setIsA
      ? [at.setSorted, at.setDirectory, at.querySorted, at.queryDirectory]
      : [at.querySorted, at.queryDirectory, at.setSorted, at.setDirectory];
    const out = new Uint32Array(memory.buffer, at.out, this.outCapacity * HIT_WORDS);
    while (state[0]! < size) {
      const before = `${state[0]},${state[1]},${state[2]}`;
      const written = this.exports.mergeTable(
        a,
        aDirectory,
        b,
        bDirectory,
        size,
        at.masks,
        masks.length,
        radius,
        table,
        at.earlier,
        at.out,
        this.outCapacity,
        0,
      );
      if (written === 0 && state[0]! < size && before === `${state[0]},${state[1]},${state[2]}`)
        throw new Error("merge join made no progress: its hit buffer cannot hold two rows' candidates");
      for (let h = 0; h < written * HIT_WORDS; h += HIT_WORDS) {
        if (setIsA) hit(out[h]!, out[h + 1]!, out[h + 2]!);
        else hit(out[h + 1]!, out[h]!, out[h + 2]!);
      }
    }
  }
}
