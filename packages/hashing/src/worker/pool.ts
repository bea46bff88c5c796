import { availableParallelism } from 'node:os';
import { WorkerPool } from '@vestige/evidence/worker-pool';
import type { PdqIndex } from '../match/pdq-index.ts';
import { mergeShares, type SearchShare } from '../match/pdq-hashes.ts';
import type { FileHash, HashingRequest, HashingResult, SearchHits } from './protocol.ts';

/**
 * Worker threads for CPU-bound hashing work: decoding + PDQ of image files, and searches over a PDQ
 * index whose arrays live in shared memory (every worker reads the same index, nothing is copied).
 */
export class HashingWorkerPool {
  private readonly pool: WorkerPool<HashingRequest, HashingResult>;

  constructor(size = Math.max(1, availableParallelism())) {
    this.pool = new WorkerPool(new URL('./hashing-worker.ts', import.meta.url), { name: 'hashing', size });
  }

  get size(): number {
    return this.pool.size;
  }

  hashFile(path: string): Promise<FileHash> {
    return this.pool.run({ type: 'hash-file', path }) as Promise<FileHash>;
  }

  /** Gives every worker the index (which must have been built with shared memory), and any replacement worker too. */
  async loadIndex(index: PdqIndex): Promise<void> {
    await this.pool.everyWorker({ type: 'load-index', parts: index.parts() }, { keep: 'index' });
  }

  /** Searches queries [from, to) on the next free worker (`share`: only that part of the work). */
  search(queries: Uint32Array, from: number, to: number, radius: number, share?: SearchShare): Promise<SearchHits> {
    return this.pool.run({ type: 'search', queries, from, to, radius, share }) as Promise<SearchHits>;
  }

  /**
   * Searches queries [from, to) on every worker at once, each taking one share of the work
   * (PdqIndex.searchMany), and puts the shares together: the same answer as one `search`.
   */
  async searchAll(queries: Uint32Array, from: number, to: number, radius: number): Promise<SearchHits> {
    const of = this.pool.size;
    const parts = await Promise.all(
      Array.from({ length: of }, (_, index) => this.search(queries, from, to, radius, { index, of })),
    );
    return {
      ...mergeShares(parts),
      peakWorkingBytes: Math.max(...parts.map((p) => p.peakWorkingBytes ?? 0)),
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
