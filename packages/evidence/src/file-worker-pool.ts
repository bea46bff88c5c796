import { availableParallelism } from 'node:os';
import type { Digests } from './types.ts';
import { WorkerPool } from './worker-pool/worker-pool.ts';

/** A batch of files to SHA-256 only (verify): one message for many small blobs keeps both sides busy. */
export interface AddressTask {
  addresses: string[];
}

export type AddressResult =
  | { sha256: string; size: number; error?: undefined }
  | { error: { code: string; message: string }; sha256?: undefined };

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

/** What file-worker.mjs answers to each kind of request. */
export type FileWorkerRequest = FileTask | AddressTask;
export type FileWorkerResult = FileTaskResult | { addresses: AddressResult[] };

/** Tasks given to one worker at a time: the second hashes while the first one's copy is being flushed. */
const TASKS_PER_WORKER = 4;

/**
 * Worker threads that hash (and optionally copy) files, so that ingest and verify use every core while
 * the main thread keeps the database (file-worker.mjs on the one WorkerPool).
 */
export class FileWorkerPool {
  private readonly pool: WorkerPool<FileWorkerRequest, FileWorkerResult>;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 8))) {
    this.pool = new WorkerPool(new URL('./file-worker.mjs', import.meta.url), {
      name: 'file hashing',
      size,
      requestsPerWorker: TASKS_PER_WORKER,
    });
  }

  get size(): number {
    return this.pool.size;
  }

  /** How many tasks can usefully be outstanding at once. */
  get capacity(): number {
    return this.pool.capacity;
  }

  run(task: FileTask): Promise<FileTaskResult> {
    return this.pool.run(task) as Promise<FileTaskResult>;
  }

  /** SHA-256 of each file of a batch, in order. */
  async hashAddresses(paths: string[]): Promise<AddressResult[]> {
    return ((await this.pool.run({ addresses: paths })) as { addresses: AddressResult[] }).addresses;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
