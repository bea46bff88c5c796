import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VestigeError, type ErrorCode } from '@vestige/evidence';
import type { PdqIndex } from '../match/pdq-index.ts';
import type { WorkerRequest, WorkerResponse } from './protocol.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Worker threads for CPU-bound hashing work: decoding + PDQ of image files, and searches over a PDQ
 * index whose arrays live in shared memory (every worker reads the same index, nothing is copied).
 */
export class HashingWorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private readonly busy: number[];
  private nextId = 1;

  constructor(readonly size = Math.max(1, availableParallelism())) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      w.on('message', (m: WorkerResponse) => this.settle(m));
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      return w;
    });
    this.busy = this.workers.map(() => 0);
  }

  private settle(m: WorkerResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new VestigeError(m.error.code as ErrorCode, m.error.message));
  }

  /** Sends to the least-busy worker (or a given one). */
  run<T>(request: Request, workerIndex?: number): Promise<T> {
    const i = workerIndex ?? this.busy.indexOf(Math.min(...this.busy));
    const id = this.nextId++;
    this.busy[i]!++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[i]!.postMessage({ ...request, id });
    }).finally(() => this.busy[i]!--);
  }

  hashFile(path: string): Promise<{ hex: string; quality: number; width: number; height: number }> {
    return this.run({ type: 'hash-file', path });
  }

  /** Gives every worker the index (which must have been built with shared memory). */
  async loadIndex(index: PdqIndex): Promise<void> {
    const parts = index.parts();
    await Promise.all(this.workers.map((_, i) => this.run({ type: 'load-index', parts }, i)));
  }

  search(queries: Uint32Array, from: number, to: number, radius: number, workerIndex?: number): Promise<{ counts: Uint32Array; hits: Uint32Array }> {
    return this.run({ type: 'search', queries, from, to, radius }, workerIndex);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
