import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Digests } from './types.ts';

export interface FileTask {
  /** Path as string, or raw bytes for names that are not valid UTF-8. */
  path: string | Uint8Array;
  /** When set, the bytes are also written (and fsynced) to this new file. */
  tmpPath?: string;
  expectedSize?: number;
}

export type FileTaskResult =
  | { digests: Digests; mtimeMs: number; error?: undefined }
  | { error: { code: string; message: string; errno?: string }; digests?: undefined };

interface Pending {
  resolve(result: FileTaskResult): void;
  reject(err: unknown): void;
}

/**
 * A small pool of worker threads that hash (and optionally copy) files, so that ingest and verify use
 * every core while the main thread keeps the database.
 */
export class FileWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ task: FileTask & { id: number }; pending: Pending }> = [];
  private readonly inFlight = new Map<number, Pending>();
  private readonly workerTask = new Map<Worker, number>();
  private nextId = 1;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 8))) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./file-worker.mjs', import.meta.url));
      worker.on('message', (msg: FileTaskResult & { id: number }) => {
        const pending = this.inFlight.get(msg.id);
        this.inFlight.delete(msg.id);
        this.workerTask.delete(worker);
        const { id: _id, ...result } = msg;
        pending?.resolve(result as FileTaskResult);
        this.release(worker);
      });
      worker.on('error', (err) => {
        const id = this.workerTask.get(worker);
        if (id !== undefined) this.inFlight.get(id)?.reject(err);
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  run(task: FileTask): Promise<FileTaskResult> {
    return new Promise((resolve, reject) => {
      const job = { task: { ...task, id: this.nextId++ }, pending: { resolve, reject } };
      const worker = this.idle.pop();
      if (worker) this.dispatch(worker, job);
      else this.queue.push(job);
    });
  }

  private dispatch(worker: Worker, job: { task: FileTask & { id: number }; pending: Pending }): void {
    this.inFlight.set(job.task.id, job.pending);
    this.workerTask.set(worker, job.task.id);
    worker.postMessage(job.task);
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    if (next) this.dispatch(worker, next);
    else this.idle.push(worker);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }
}
