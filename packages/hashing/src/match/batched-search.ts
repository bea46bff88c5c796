import { hexToBytes } from '../hex.ts';
import { hashWords, PDQ_WORDS } from './pdq-hashes.ts';
import type { PdqIndex } from './pdq-index.ts';

/**
 * Streams many PDQ lookups through an index in batches (PdqIndex.searchMany) instead of one search
 * each: how a hash set of millions of entries meets a case's index. Each hit is handed on with the
 * tag its query was added with, queries in the order added, each query's hits nearest first — the
 * same hits, in the same order, as one `search` per query. Batches are 65,536 queries by default
 * (2 MiB of hashes): the sweep layout joins a whole batch against the case in one pass per chunk
 * table, so a query's share of that pass shrinks as the batch grows.
 */
export class BatchedPdqSearch<T> {
  private readonly words: Uint32Array;
  private readonly tags: T[] = [];

  constructor(
    private readonly index: PdqIndex,
    private readonly radius: number,
    private readonly onHit: (tag: T, index: number, distance: number) => void,
    private readonly batch = 65_536,
  ) {
    this.words = new Uint32Array(batch * PDQ_WORDS);
  }

  /** Queues a 64-hex-digit PDQ; a full batch is searched at once. */
  add(hex: string, tag: T): void {
    hashWords(hexToBytes(hex), this.words, this.tags.length * PDQ_WORDS);
    this.tags.push(tag);
    if (this.tags.length === this.batch) this.flush();
  }

  /** Searches what is queued (call once more after the last `add`). */
  flush(): void {
    const count = this.tags.length;
    if (count === 0) return;
    const { counts, hits } = this.index.searchMany(this.words, 0, count, this.radius);
    for (let q = 0, k = 0; q < count; q++) {
      for (let c = 0; c < counts[q]!; c++, k += 2) this.onHit(this.tags[q]!, hits[k]!, hits[k + 1]!);
    }
    this.tags.length = 0;
  }
}
