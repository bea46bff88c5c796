import { Worker } from 'node:worker_threads';

/**
 * A fixed set of worker threads running one script; tasks queue until a thread is free and each answers
 * `{ id, ...result }` or `{ id, error: { message } }`. A task may also report on its way with
 * `{ id, partial }` messages (the octree build's workers say how many points a chunk's root keeps, so the
 * chunk's place in octree.bin is known before it is written). Readers keep a bounded number of tasks in
 * flight, so memory holds that many chunks whatever the file's size. One pool serves every worker script
 * of the scene package: the LAZ reader and the octree build.
 */
export class TaskThreads<Task extends object, Result> {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { task: Task; transfer: ArrayBuffer[]; resolve: (r: Result) => void; reject: (e: Error) => void; onPartial: ((p: unknown) => void) | undefined }[] = [];
  private readonly running = new Map<Worker, { resolve: (r: Result) => void; reject: (e: Error) => void; onPartial: ((p: unknown) => void) | undefined }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(script: URL, readonly size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      worker.on('message', (msg: Result & { error?: { message: string }; partial?: unknown }) => {
        const job = this.running.get(worker);
        if (msg.partial !== undefined) {
          job?.onPartial?.(msg.partial);
          return;
        }
        this.running.delete(worker);
        this.idle.push(worker);
        if (job) {
          if (msg.error) job.reject(new Error(msg.error.message));
          else job.resolve(msg);
        }
        this.pump();
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker thread exited with code ${code}`));
      });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: Task, transfer: ArrayBuffer[] = [], onPartial?: (partial: unknown) => void): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject, onPartial });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(worker, { resolve: job.resolve, reject: job.reject, onPartial: job.onPartial });
      worker.postMessage({ id: this.nextId++, ...job.task }, job.transfer);
    }
  }

  /** Whether a thread failed (the build then stops its other threads waiting on shared memory). */
  get failed(): Error | undefined {
    return this.failure;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.running.values()) job.reject(err);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(err);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
