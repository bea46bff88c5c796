import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { VestigeError, type CaseStore, type Digests } from '@vestige/evidence';

interface Pending {
  resolve(d: Digests): void;
  reject(e: unknown): void;
  bytes: number;
  tmpPath: string;
}

/**
 * Stores many frame-sized blobs without stalling the decode. Each blob goes to a worker thread that hashes it and
 * writes it to a temp path from the case's blob store, its fsync handed to libuv so that many are in flight together
 * (one journal commit for a group of frames); once a blob is durable the main thread commits it to its content
 * address with the store's own `commitTemp`, its directory fsyncs grouped (`dirsToSync`) and done together by
 * `drain()` before anything refers to them. A blob is thus never visible before its bytes are on disk, and nothing
 * refers to it before its directory entry is. Memory is bounded: `push` waits while `maxBytes` are in flight.
 */
export class BlobWriteQueue {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Array<() => void> = [];
  private nextId = 0;
  private turn = 0;
  /** One temp name per queue, suffixed per blob: the temp folder is made and a random name drawn once, not per frame. */
  private readonly tmpBase: string;
  private bytes = 0;
  private failure: unknown;

  constructor(
    private readonly store: CaseStore,
    private readonly options: { workers?: number; maxBytes?: number } = {},
  ) {
    this.tmpBase = store.blobs.newTempPath();
    const count = Math.max(1, options.workers ?? 2);
    for (let i = 0; i < count; i++) {
      // execArgv [] keeps the parent's TypeScript loader out of the worker: it is plain JavaScript and starts faster.
      const worker = new Worker(new URL('./blob-writer-worker.mjs', import.meta.url), { execArgv: [] });
      worker.on('message', (msg: { id: number; digests?: Digests; error?: { message: string; code?: string } }) => this.settle(msg));
      worker.on('error', (err) => this.fail(err));
      this.workers.push(worker);
    }
  }

  private settle(msg: { id: number; digests?: Digests; error?: { message: string; code?: string } }): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    this.bytes -= p.bytes;
    if (msg.error || !msg.digests) {
      const err = new VestigeError('E_INPUT_UNREADABLE', `could not store a frame in the case: ${msg.error?.message ?? 'unknown error'}`, { details: { code: msg.error?.code } });
      this.fail(err);
      p.reject(err);
    } else {
      try {
        this.store.blobs.commitTemp(p.tmpPath, msg.digests.sha256, this.dirsToSync);
        p.resolve(msg.digests);
      } catch (err) {
        this.fail(err);
        p.reject(err);
      }
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Directories whose fsync is owed for commits so far; `drain()` syncs them together. */
  private readonly dirsToSync = new Set<string>();

  /** Kept for symmetry with `drain()`; directory fsyncs are grouped from the first commit on. */
  async start(): Promise<void> {}

  /**
   * Queues `data`, taking it over: the caller must not use `data` afterwards (its memory may move to the worker).
   * Resolves (once it is queued) to a promise of its digests, which settles when the blob is in its content address.
   * Waits first while too much is in flight.
   */
  async push(data: Buffer): Promise<{ stored: Promise<Digests> }> {
    const maxBytes = this.options.maxBytes ?? 64 << 20;
    while (!this.failure && this.pending.size > 0 && this.bytes + data.length > maxBytes) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    this.bytes += data.length;
    const tmpPath = `${this.tmpBase}.${id}`;
    const done = new Promise<Digests>((resolve, reject) => this.pending.set(id, { resolve, reject, bytes: data.length, tmpPath }));
    done.catch(() => undefined);
    const worker = this.workers[this.turn++ % this.workers.length]!;
    // A buffer that is the whole of its memory (as PngStreamSplitter hands out) moves to the worker without a copy, and
    // its memory is then the worker's to free: the main heap never holds frames, so it never needs a full collection
    // for them. A view into shared memory (a pooled small buffer) is copied as before.
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
    worker.postMessage({ id, data, tmpPath }, owned ? [data.buffer as ArrayBuffer] : []);
    return { stored: done };
  }

  /** Waits until every queued blob is committed and its directory fsynced; throws the first failure. */
  async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
    const dirs = [...this.dirsToSync];
    this.dirsToSync.clear();
    await Promise.all(
      dirs.map(async (dir) => {
        const handle = await open(dir, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    );
  }

  /** Waits for every write to end, successful or not (before giving up on a failed extraction). */
  async settleAll(): Promise<void> {
    while (this.pending.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
