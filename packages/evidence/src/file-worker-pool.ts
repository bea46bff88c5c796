import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Digests } from './types.ts';

/** A batch of files to SHA-256 only (verify): one message for many small blobs keeps both sides busy. */
export interface AddressTask {
  addresses: string[];
}

export type AddressResult = { sha256: string; size: number; error?: undefined } | { error: { code: string; message: string }; sha256?: undefined };

export interface FileTask {
  /** Path as string, or raw bytes for names that are not valid UTF-8. */
  path: string | Uint8Array;
  /** When set, the bytes are also written (and fsynced) to this new file. */
  tmpPath?: string;
  expectedSize?: number;
  /** false: leave the copy unsynced; the caller flushes it in a batch (see BlobStore.commitBatch). */
  syncNow?: boolean;
}

export type FileTaskResult =
  | { digests: Digests; mtimeMs: number; head?: Uint8Array; synced?: boolean; error?: undefined }
  | { error: { code: string; message: string; errno?: string }; digests?: undefined };

interface Pending {
  resolve(result: FileTaskResult): void;
  reject(err: unknown): void;
}

/** Tasks given to one worker at a time: the second hashes while the first one's copy is being flushed. */
const TASKS_PER_WORKER = 4;

/**
 * A small pool of worker threads that hash (and optionally copy) files, so that ingest and verify use
 * every core while the main thread keeps the database.
 */
export class FileWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Array<{ task: (FileTask | AddressTask) & { id: number }; pending: Pending }> = [];
  private readonly inFlight = new Map<number, Pending>();
  private readonly workerTasks = new Map<Worker, Set<number>>();
  private nextId = 1;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 8))) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./file-worker.mjs', import.meta.url));
      this.workerTasks.set(worker, new Set());
      worker.on('message', (msg: FileTaskResult & { id: number }) => {
        const pending = this.inFlight.get(msg.id);
        this.inFlight.delete(msg.id);
        this.workerTasks.get(worker)!.delete(msg.id);
        const { id: _id, ...result } = msg;
        pending?.resolve(result as FileTaskResult);
        this.fill(worker);
      });
      worker.on('error', (err) => {
        for (const id of this.workerTasks.get(worker) ?? []) this.inFlight.get(id)?.reject(err);
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** How many tasks can usefully be outstanding at once. */
  get capacity(): number {
    return this.workers.length * TASKS_PER_WORKER;
  }

  run(task: FileTask): Promise<FileTaskResult> {
    return this.submit(task) as Promise<FileTaskResult>;
  }

  /** SHA-256 of each file of a batch, in order. */
  async hashAddresses(paths: string[]): Promise<AddressResult[]> {
    return ((await this.submit({ addresses: paths })) as unknown as { addresses: AddressResult[] }).addresses;
  }

  private submit(task: FileTask | AddressTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ }, pending: { resolve: resolve as Pending['resolve'], reject } });
      // Least-loaded worker first.
      const worker = [...this.workers].sort((a, b) => this.workerTasks.get(a)!.size - this.workerTasks.get(b)!.size)[0];
      if (worker) this.fill(worker);
    });
  }

  private fill(worker: Worker): void {
    const tasks = this.workerTasks.get(worker)!;
    while (tasks.size < TASKS_PER_WORKER && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.inFlight.set(job.task.id, job.pending);
      tasks.add(job.task.id);
      worker.postMessage(job.task);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
