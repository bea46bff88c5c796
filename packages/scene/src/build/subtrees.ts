/**
 * Octree build, phase 4 (index): each chunk's subtree built whole by a worker thread (node-tasks.mjs),
 * which writes the chunk's nodes below its root into octree.bin and hashes each as it goes, and its root
 * into roots.bin for the merge.
 *
 * octree.bin holds, in chunk (name) order, each chunk's nodes below its root, then the upper part (the
 * chunk roots and the levels above them, written after the merge). A chunk's place is therefore the sum
 * of the earlier chunks' points minus their roots' points, and its root's place in roots.bin the sum of
 * the earlier roots. Chunks are handed out in name order and each worker reports its root's size as soon
 * as the root is chosen; this thread answers, through shared memory, every place whose earlier roots are
 * all known. Every earlier chunk has already started, so no worker waits for long and none can wait
 * forever.
 *
 * octree.bin is chunks.bin itself, rewritten in place: a chunk's nodes end where the chunk's records end
 * less the roots so far, so they only cover records of this chunk and earlier ones, and a place is only
 * answered once every earlier chunk has reported its root, which a worker does after reading its records.
 * Pages the chunk pass filled are written again rather than new ones taken: on this build's virtual
 * machines a new page of file cache costs more than the copy into it.
 */
import type { RecordLayout } from '../core/potree/layout.ts';
import type { Chunk } from './chunk-plan.ts';
import type { BuildPool } from './count-inputs.ts';
import type { SubtreeResult } from './node-tasks.mjs';

export interface BuiltChunk {
  chunk: Chunk;
  result: SubtreeResult;
}

export interface IndexOptions {
  layout: RecordLayout;
  maxLeafPoints: number;
  sampler: string;
  /** chunks.bin, which becomes octree.bin (see above). */
  chunksPath: string;
  rootsPath: string;
  pool: BuildPool;
  onChunk?: (done: number, total: number) => void;
}

/** Places in octree.bin and roots.bin, answered in chunk order as the roots' sizes arrive. */
class ChunkPlaces {
  readonly shared: { offsets: SharedArrayBuffer; rootOffsets: SharedArrayBuffer; flags: SharedArrayBuffer };
  private readonly offsets: Float64Array;
  private readonly rootOffsets: Float64Array;
  private readonly flags: Int32Array;
  private readonly roots: (number | undefined)[];
  private cursor = 0;
  /** Bytes of all chunks' nodes below their roots once every place is known: where the upper part starts. */
  below = 0;
  /** Bytes of the roots whose places are answered. */
  private rootBytes = 0;

  constructor(
    private readonly chunks: readonly Chunk[],
    private readonly bpp: number,
  ) {
    this.shared = {
      offsets: new SharedArrayBuffer(8 * Math.max(1, chunks.length)),
      rootOffsets: new SharedArrayBuffer(8 * Math.max(1, chunks.length)),
      flags: new SharedArrayBuffer(4 * Math.max(1, chunks.length)),
    };
    this.offsets = new Float64Array(this.shared.offsets);
    this.rootOffsets = new Float64Array(this.shared.rootOffsets);
    this.flags = new Int32Array(this.shared.flags);
    this.roots = new Array(chunks.length);
  }

  rootKnown(slot: number, rootCount: number): void {
    this.roots[slot] = rootCount;
    while (this.cursor < this.chunks.length && this.roots[this.cursor] !== undefined) {
      this.offsets[this.cursor] = this.below;
      this.rootOffsets[this.cursor] = this.rootBytes;
      Atomics.store(this.flags, this.cursor, 1);
      Atomics.notify(this.flags, this.cursor);
      this.below += (this.chunks[this.cursor]!.count - this.roots[this.cursor]!) * this.bpp;
      this.rootBytes += this.roots[this.cursor]! * this.bpp;
      this.cursor++;
    }
  }

  /** Releases every waiting worker after a failure. */
  stop(): void {
    for (let i = 0; i < this.chunks.length; i++) {
      if (Atomics.load(this.flags, i) === 0) {
        Atomics.store(this.flags, i, -1);
        Atomics.notify(this.flags, i);
      }
    }
  }
}

export async function buildChunkSubtrees(
  chunks: readonly Chunk[],
  options: IndexOptions,
): Promise<{ built: BuiltChunk[]; upperStart: number }> {
  const places = new ChunkPlaces(chunks, options.layout.bytesPerPoint);
  let done = 0;
  try {
    const built = await Promise.all(
      chunks.map(async (chunk, slot) => {
        const task = {
          type: 'subtree',
          chunksPath: options.chunksPath,
          byteOffset: chunk.byteOffset,
          count: chunk.count,
          name: chunk.name,
          cube: chunk.cube,
          layout: options.layout,
          maxLeafPoints: options.maxLeafPoints,
          sampler: options.sampler,
          rootsPath: options.rootsPath,
          slot,
          shared: places.shared,
        };
        const { result } = await options.pool.run(task, {
          onPartial: (partial) => places.rootKnown(slot, (partial as { rootCount: number }).rootCount),
        });
        options.onChunk?.(++done, chunks.length);
        return { chunk, result: result as SubtreeResult };
      }),
    );
    return { built, upperStart: places.below };
  } catch (err) {
    places.stop();
    throw err;
  }
}
