/**
 * Octree build, phase 4 (index): each chunk's subtree built whole by a worker thread (node-tasks.mjs),
 * which writes the chunk's nodes below its root straight into octree.bin and hashes each as it goes.
 *
 * octree.bin holds, in chunk (name) order, each chunk's nodes below its root, then the upper part (the
 * chunk roots and the levels above them, written after the merge). A chunk's place is therefore the sum
 * of the earlier chunks' points minus their roots' points. Chunks are handed out in name order and each
 * worker reports its root's size as soon as the root is chosen; this thread answers, through shared
 * memory, every place whose earlier roots are all known. Every earlier chunk has already started, so no
 * worker waits for long and none can wait forever.
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
  chunksPath: string;
  octreePath: string;
  pool: BuildPool;
  onChunk?: (done: number, total: number) => void;
}

/** Places in octree.bin, answered in chunk order as the roots' sizes arrive. */
class ChunkPlaces {
  readonly shared: { offsets: SharedArrayBuffer; flags: SharedArrayBuffer };
  private readonly offsets: Float64Array;
  private readonly flags: Int32Array;
  private readonly roots: (number | undefined)[];
  private cursor = 0;
  /** Bytes of all chunks' nodes below their roots once every place is known: where the upper part starts. */
  below = 0;

  constructor(
    private readonly chunks: readonly Chunk[],
    private readonly bpp: number,
  ) {
    this.shared = {
      offsets: new SharedArrayBuffer(8 * Math.max(1, chunks.length)),
      flags: new SharedArrayBuffer(4 * Math.max(1, chunks.length)),
    };
    this.offsets = new Float64Array(this.shared.offsets);
    this.flags = new Int32Array(this.shared.flags);
    this.roots = new Array(chunks.length);
  }

  rootKnown(slot: number, rootCount: number): void {
    this.roots[slot] = rootCount;
    while (this.cursor < this.chunks.length && this.roots[this.cursor] !== undefined) {
      this.offsets[this.cursor] = this.below;
      Atomics.store(this.flags, this.cursor, 1);
      Atomics.notify(this.flags, this.cursor);
      this.below += (this.chunks[this.cursor]!.count - this.roots[this.cursor]!) * this.bpp;
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
          octreePath: options.octreePath,
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
