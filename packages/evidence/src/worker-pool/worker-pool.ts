import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';
import { VestigeError, type ErrorCode } from '../errors.ts';
import type { ToWorker, FromWorker, WorkerFailure } from './worker-thread.mjs';

/**
 * The one worker-thread pool of Vestige (ingest and verify hashing, PDQ hashing and index search, the
 * octree build and LAZ decoding, vision models). A request goes to the least-loaded worker; its answer
 * comes back by id, so answers may arrive in any order. The worker side is `serveRequests`
 * (`@vestige/evidence/worker-thread`).
 *
 * How worker scripts load (one rule): a worker script is a file beside the module that starts it, named
 * by `new URL('./x-worker.mjs', import.meta.url)`. A plain `.mjs` script (`// @ts-check`, typed with JSDoc
 * and checked by `pnpm run typecheck`) starts at once and is what hot paths use; a `.ts` script is started
 * through `ts-worker.mjs`, which registers tsx inside the thread first (about a second of CPU per worker),
 * resolved from the script's own package. The CLI bundle rewrites `import.meta.url` to each source
 * file's URL, so from packages/cli/dist the same URLs name the same source files.
 *
 * Failure: a request whose handler throws is rejected with the worker's error (its code kept when it is a
 * Vestige code, else E_INTERNAL). A worker that crashes (an uncaught error, or the thread exits) fails the requests it
 * held with `E_WORKER_FAILED` and is replaced when work is waiting; requests given with `keep` (a loaded
 * model or index) are run again on the replacement before anything else. Idle workers do not keep the
 * process alive.
 */
export interface WorkerPoolOptions {
  /** What the workers do, as errors name it: `ingest hashing`, `octree build`. */
  readonly name: string;
  /** Worker threads (default: os.availableParallelism()). */
  readonly size?: number;
  /** Requests one worker holds at once (default 1); more keeps it busy while an answer travels back. */
  readonly requestsPerWorker?: number;
}

export interface RunOptions {
  /** Buffers handed over to the worker (detached here). */
  readonly transfer?: readonly Transferable[];
  /** Cancels the request: dropped if still queued; if running, the worker's handler sees its signal abort. */
  readonly signal?: AbortSignal;
  /** Called with each progress message the handler sends before its answer. */
  readonly onPartial?: (partial: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Requests sent to this worker and not yet answered (cancelled ones included: the worker is still on them). */
  readonly held: Map<number, Job>;
  /** Requests only this worker may take (everyWorker, and kept requests replayed on a replacement). */
  readonly pinned: Job[];
  /** Kept requests being run again on this replacement: shared requests wait until they are answered. */
  replaying: number;
  /** Whether it ever answered successfully: a worker that fails before that fails a waiting request too. */
  answered: boolean;
  live: boolean;
}

interface Job {
  readonly id: number;
  readonly request: unknown;
  readonly transfer: readonly Transferable[];
  readonly onPartial: ((partial: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  settled: boolean;
  /** A replay of a kept request on a replacement worker: its failure retires the worker. */
  readonly replay: boolean;
  slot?: Slot;
  detach?: () => void;
}

const TS_WORKER = new URL('./ts-worker.mjs', import.meta.url);

export class WorkerPool<Request, Result> {
  readonly name: string;
  readonly size: number;
  readonly requestsPerWorker: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly kept = new Map<string, unknown>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly script: URL,
    options: WorkerPoolOptions,
  ) {
    this.name = options.name;
    this.size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.requestsPerWorker = Math.max(1, options.requestsPerWorker ?? 1);
    // Started now, not on first use: a worker's start-up overlaps the caller's own preparation.
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  /** How many requests the workers can hold at once: callers keep about this many outstanding. */
  get capacity(): number {
    return this.size * this.requestsPerWorker;
  }

  /** Worker threads running now (fewer than `size` after a crash, until work calls a replacement). */
  get threads(): number {
    return this.slots.length;
  }

  run(request: Request, options: RunOptions = {}): Promise<Result> {
    return this.enqueue(request, options, undefined) as Promise<Result>;
  }

  /**
   * Runs the request once on every worker (to load a model or an index, or to ask each its memory), in
   * worker order. With `keep`, a replacement worker runs it too before any other request; a later call
   * with the same key replaces it. Kept requests cannot transfer buffers (they are sent again).
   */
  everyWorker(
    request: Request,
    options: { keep?: string; transfer?: readonly Transferable[] } = {},
  ): Promise<Result[]> {
    if (options.keep !== undefined) {
      if (options.transfer?.length)
        throw new VestigeError(
          'E_PARAM_INVALID',
          `${this.name}: a kept worker request cannot transfer buffers (it is sent again to replacement workers).`,
        );
      this.kept.set(options.keep, request);
    }
    return Promise.all(
      this.slots.map((slot) => this.enqueue(request, { transfer: options.transfer ?? [] }, slot) as Promise<Result>),
    );
  }

  /** Terminates every worker; requests still queued or running are rejected with E_CANCELLED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = () =>
      new VestigeError('E_CANCELLED', `The ${this.name} workers were closed before this request finished.`);
    for (const job of this.queue.splice(0)) this.settle(job, error());
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.live = false;
      for (const job of [...slot.held.values(), ...slot.pinned.splice(0)]) this.settle(job, error());
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private enqueue(
    request: unknown,
    options: RunOptions & { replay?: boolean },
    pinTo: Slot | undefined,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new VestigeError('E_CANCELLED', `The ${this.name} workers are closed.`));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(this.cancelled(signal));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        request,
        transfer: options.transfer ?? [],
        onPartial: options.onPartial,
        resolve,
        reject,
        settled: false,
        replay: options.replay ?? false,
      };
      if (signal) {
        const onAbort = () => this.cancel(job, signal);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      if (pinTo) pinTo.pinned.push(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private cancelled(signal: AbortSignal): VestigeError {
    return new VestigeError('E_CANCELLED', `A ${this.name} request was cancelled.`, { cause: signal.reason });
  }

  private cancel(job: Job, signal: AbortSignal): void {
    if (job.settled) return;
    const queuedAt = this.queue.indexOf(job);
    if (queuedAt >= 0) this.queue.splice(queuedAt, 1);
    // A running request stays held until the worker answers, so the pool never holds more than its bound.
    if (job.slot?.live) job.slot.worker.postMessage({ cancel: job.id } satisfies ToWorker);
    for (const slot of this.slots) {
      const at = slot.pinned.indexOf(job);
      if (at >= 0) slot.pinned.splice(at, 1);
    }
    this.settle(job, this.cancelled(signal));
  }

  private settle(job: Job, error: Error | undefined, value?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.detach?.();
    if (error) job.reject(error);
    else job.resolve(value);
  }

  private spawn(): Slot {
    const worker = this.script.pathname.endsWith('.ts')
      ? new Worker(TS_WORKER, { workerData: { script: this.script.href } })
      : new Worker(this.script);
    const slot: Slot = { worker, held: new Map(), pinned: [], replaying: 0, answered: false, live: true };
    worker.unref();
    worker.on('message', (message: FromWorker) => this.answer(slot, message));
    worker.on('error', (err) => this.fail(slot, `failed: ${err.message}`, err));
    worker.on('exit', (code) => this.fail(slot, `stopped (exit code ${code})`, undefined));
    this.slots.push(slot);
    for (const request of this.kept.values()) {
      const job: Job = {
        id: this.nextId++,
        request,
        transfer: [],
        onPartial: undefined,
        resolve: () => {},
        reject: () => {},
        settled: false,
        replay: true,
      };
      slot.pinned.push(job);
    }
    return slot;
  }

  private answer(slot: Slot, message: FromWorker): void {
    const job = slot.held.get(message.id);
    if (!job) return;
    if ('partial' in message) {
      if (!job.settled) job.onPartial?.(message.partial);
      return;
    }
    slot.held.delete(job.id);
    if (job.replay) slot.replaying--;
    if (slot.held.size === 0) slot.worker.unref();
    if (message.ok) {
      slot.answered = true;
      this.settle(job, undefined, message.value);
    } else if (job.replay) {
      this.fail(slot, `could not be prepared again after a replacement: ${message.error.message}`, undefined);
      return;
    } else {
      this.settle(job, this.requestError(message.error));
    }
    this.pump();
  }

  private requestError(e: WorkerFailure): VestigeError {
    return new VestigeError(e.code as ErrorCode, e.message, {
      ...(e.file === undefined ? {} : { file: e.file }),
      ...(e.hint === undefined ? {} : { hint: e.hint }),
      details: { ...e.details, worker: this.name },
    });
  }

  /** A worker crashed or exited: its requests fail, and a replacement starts when work is waiting. */
  private fail(slot: Slot, what: string, cause: Error | undefined): void {
    if (!slot.live) return;
    slot.live = false;
    this.slots.splice(this.slots.indexOf(slot), 1);
    const error = (job: Job | undefined) =>
      new VestigeError(
        'E_WORKER_FAILED',
        `A ${this.name} worker thread ${what}${job ? ` while it ran request ${job.id}` : ' as it started'}.`,
        {
          hint: 'The request that was running is lost; the pool starts a new worker for the next one. Run the command again; if it fails the same way, report it with this message.',
          details: { worker: this.name, ...(job ? { request: job.id } : {}) },
          ...(cause ? { cause } : {}),
        },
      );
    const held = [...slot.held.values()].filter((j) => !j.replay);
    for (const job of held) this.settle(job, error(job));
    for (const job of slot.pinned.splice(0)) this.settle(job, error(job));
    // A worker that never answered (a script that cannot start) fails the oldest waiting request, so a
    // broken script uses up the queue instead of being replaced for ever.
    if (!slot.answered && held.length === 0) {
      const waiting = this.queue.shift();
      if (waiting) this.settle(waiting, error(undefined));
    }
    void slot.worker.terminate();
    this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && this.slots.length < this.size) this.spawn();
    for (;;) {
      let best: Slot | undefined;
      for (const slot of this.slots) {
        if (slot.held.size >= this.requestsPerWorker) continue;
        // A replacement runs its kept requests before anything else.
        if (slot.pinned.length === 0 && (this.queue.length === 0 || slot.replaying > 0)) continue;
        if (!best || slot.held.size < best.held.size) best = slot;
      }
      if (!best) return;
      this.send(best, best.pinned.shift() ?? this.queue.shift()!);
    }
  }

  private send(slot: Slot, job: Job): void {
    job.slot = slot;
    slot.held.set(job.id, job);
    if (job.replay) slot.replaying++;
    // A busy worker keeps the process alive until its answer arrives.
    if (slot.held.size === 1) slot.worker.ref();
    slot.worker.postMessage({ id: job.id, request: job.request } satisfies ToWorker, job.transfer as Transferable[]);
  }
}
