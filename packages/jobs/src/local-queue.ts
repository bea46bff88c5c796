import { VestigeError, type ErrorCode } from '@vestige/evidence';
import { capabilityMissing } from './capabilities.ts';
import { declinesWorker, errorInfo, isBadInput, withTimeout, workersExhausted } from './failure.ts';
import { farmLine, readFarmLog, workerName } from './farm-log.ts';
import type { ChildJob, JobContext } from '@vestige/evidence';
import type { JobRegistry } from './job-registry.ts';
import type { EnqueueOptions, JobRecord, JobState, QueueBackend, QueueEvents } from './queue-backend.ts';

export { errorInfo } from './failure.ts';

interface LocalJob extends JobRecord {
  options: Required<Pick<EnqueueOptions, 'attempts' | 'backoffMs'>>;
  controller: AbortController;
  waiters: Array<{ resolve(value: unknown): void; reject(err: unknown): void }>;
  lines: string[];
}

/**
 * The embedded queue: jobs run in this process, `concurrency` at a time, in the order they were queued,
 * with retries, time limits, flows (a parent waits for its children without holding a slot) and
 * cancellation. No services needed: this is what one machine uses by default. It is one worker, so a
 * job that block-lists it (`failuresPerWorker`, or an error that declines the worker) fails here.
 */
export class LocalQueue implements QueueBackend {
  readonly kind = 'local' as const;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly waiting: string[] = [];
  private readonly watchers = new Set<QueueEvents>();
  private readonly worker = workerName();
  private running = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly registry: JobRegistry,
    private readonly options: {
      concurrency?: number;
      events?: QueueEvents /** What this process can do (e.g. `cuda`); jobs needing anything else are refused. */;
      capabilities?: readonly string[];
    } = {},
  ) {
    if (options.events) this.watchers.add(options.events);
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (this.closed) throw new VestigeError('E_USAGE', 'the queue is closed');
    const validated = this.registry.validate(type, payload);
    const jobType = this.registry.get(type);
    if (jobType.requires && !(this.options.capabilities ?? []).includes(jobType.requires))
      throw capabilityMissing(jobType, "this machine's embedded queue");
    const id = options.jobId ?? `job-${this.nextId++}`;
    if (this.jobs.has(id)) return id;
    this.jobs.set(id, {
      id,
      type,
      payload: validated,
      state: 'waiting',
      attempts: 0,
      progress: 0,
      createdAt: new Date().toISOString(),
      options: { attempts: Math.max(1, options.attempts ?? 1), backoffMs: options.backoffMs ?? 500 },
      controller: new AbortController(),
      waiters: [],
      lines: [],
    });
    this.waiting.push(id);
    queueMicrotask(() => this.pump());
    return id;
  }

  waitFor<Result = unknown>(jobId: string): Promise<Result> {
    const job = this.require(jobId);
    if (job.state === 'completed') return Promise.resolve(job.result as Result);
    if (job.state === 'failed' || job.state === 'cancelled') return Promise.reject(toError(job));
    return new Promise((resolve, reject) => job.waiters.push({ resolve: resolve as (v: unknown) => void, reject }));
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const job = this.jobs.get(jobId);
    return job ? record(job) : undefined;
  }

  async list(options: { states?: JobState[]; limit?: number } = {}): Promise<JobRecord[]> {
    const all = [...this.jobs.values()].reverse().filter((j) => !options.states || options.states.includes(j.state));
    return all.slice(0, options.limit ?? 100).map(record);
  }

  async logs(jobId: string): Promise<string[]> {
    return [...this.require(jobId).lines];
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.require(jobId);
    for (const child of this.childrenOf(jobId)) await this.cancel(child.id);
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') return;
    const wasWaiting = job.state === 'waiting';
    job.controller.abort(new VestigeError('E_CANCELLED', `job ${jobId} was cancelled`));
    if (wasWaiting) {
      this.waiting.splice(this.waiting.indexOf(jobId), 1);
      this.settle(job, 'cancelled', { error: { code: 'E_CANCELLED', message: `job ${jobId} was cancelled` } });
    }
  }

  async retry(jobId: string): Promise<void> {
    const job = this.require(jobId);
    for (const child of this.childrenOf(jobId))
      if (child.state === 'failed' || child.state === 'cancelled') await this.retry(child.id);
    if (job.state !== 'failed' && job.state !== 'cancelled') return;
    job.state = 'waiting';
    delete job.error;
    job.attempts = 0;
    job.controller = new AbortController();
    job.lines.push(`retried by the operator`);
    this.waiting.push(jobId);
    queueMicrotask(() => this.pump());
  }

  watch(events: QueueEvents): () => void {
    this.watchers.add(events);
    return () => this.watchers.delete(events);
  }

  /** Resolves when nothing is waiting or running. */
  async onIdle(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiting]) await this.cancel(id);
    for (const job of this.jobs.values())
      if (job.state === 'active') job.controller.abort(new VestigeError('E_CANCELLED', 'the queue was closed'));
    await this.onIdle();
  }

  private childrenOf(jobId: string): LocalJob[] {
    return [...this.jobs.values()].filter((j) => j.parentId === jobId);
  }

  private pump(): void {
    const limit = Math.max(1, this.options.concurrency ?? 1);
    while (this.running < limit && this.waiting.length > 0) {
      const job = this.require(this.waiting.shift()!);
      this.running++;
      void this.runJob(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private context(job: LocalJob, signal: AbortSignal): JobContext {
    const before = [...job.lines];
    return {
      signal,
      attempt: job.attempts,
      jobId: job.id,
      worker: this.worker,
      progress: (fraction, message) => {
        job.progress = Math.min(1, Math.max(0, fraction));
        for (const w of this.watchers) w.progress?.(job.id, job.progress, message);
      },
      log: (message) => void job.lines.push(message),
      history: async () => before,
      children: (stage, specs) => this.runChildren(job, stage, specs),
    };
  }

  /** A parent waits for its children without holding a slot, so one slot is enough for a whole flow. */
  private async runChildren(job: LocalJob, stage: string, specs: readonly ChildJob[]): Promise<unknown[]> {
    const ids: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const id = await this.enqueue(spec.type, spec.payload, { ...spec.options, jobId: `${job.id}.${stage}.${i}` });
      this.require(id).parentId = job.id;
      ids.push(id);
    }
    this.running--;
    this.pump();
    try {
      return await Promise.all(ids.map((id) => this.waitFor(id)));
    } finally {
      this.running++;
    }
  }

  private async runJob(job: LocalJob): Promise<void> {
    const type = this.registry.get(job.type);
    job.state = 'active';
    for (;;) {
      job.attempts++;
      const blocked = readFarmLog(job.lines).blocked;
      if (blocked.has(this.worker))
        return this.settle(job, 'failed', { error: errorInfo(workersExhausted(job.id, blocked)) });
      job.lines.push(farmLine.started(job.attempts, this.worker));
      const attempt = new AbortController();
      const onCancel = () => attempt.abort(job.controller.signal.reason);
      job.controller.signal.addEventListener('abort', onCancel, { once: true });
      try {
        const run = type.run(job.payload, this.context(job, attempt.signal));
        const result = await withTimeout(
          run,
          type.timeoutMs?.(job.payload),
          (why) => attempt.abort(why),
          `job ${job.id} (${job.type})`,
        );
        job.lines.push(farmLine.done(this.worker));
        return this.settle(job, 'completed', { result });
      } catch (err) {
        const error = errorInfo(err);
        if (job.controller.signal.aborted)
          return this.settle(job, 'cancelled', { error: { code: 'E_CANCELLED', message: error.message } });
        job.lines.push(farmLine.failed(job.attempts, this.worker, error.code, error.message));
        const cap = type.failuresPerWorker?.(job.payload);
        const blockedNow =
          declinesWorker(err) || (cap !== undefined && (readFarmLog(job.lines).failures.get(this.worker) ?? 0) >= cap);
        if (blockedNow)
          job.lines.push(
            farmLine.blocked(this.worker, declinesWorker(err) ? `${error.code}: ${error.message}` : `${cap} failures`),
          );
        const willRetry = !isBadInput(err) && !blockedNow && job.attempts < job.options.attempts;
        for (const w of this.watchers) w.failed?.(job.id, error, willRetry);
        if (!willRetry) {
          const final =
            blockedNow && !declinesWorker(err) && job.attempts < job.options.attempts
              ? errorInfo(workersExhausted(job.id, readFarmLog(job.lines).blocked))
              : error;
          return this.settle(job, 'failed', { error: final });
        }
        await new Promise((r) => setTimeout(r, job.options.backoffMs * 2 ** (job.attempts - 1)));
      } finally {
        job.controller.signal.removeEventListener('abort', onCancel);
      }
    }
  }

  private settle(
    job: LocalJob,
    state: 'completed' | 'failed' | 'cancelled',
    outcome: { result?: unknown; error?: { code: string; message: string } },
  ): void {
    job.state = state;
    job.finishedAt = new Date().toISOString();
    if (state === 'completed') {
      job.result = outcome.result;
      job.progress = 1;
      for (const w of this.watchers) w.completed?.(job.id, outcome.result);
      for (const w of job.waiters.splice(0)) w.resolve(outcome.result);
    } else {
      job.error = outcome.error!;
      for (const w of job.waiters.splice(0)) w.reject(toError(job));
    }
  }

  private require(jobId: string): LocalJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new VestigeError('E_PARAM_INVALID', `no job ${jobId} in this queue`);
    return job;
  }
}

function record(job: LocalJob): JobRecord {
  const { options: _o, controller: _c, waiters: _w, lines: _l, ...rest } = job;
  return { ...rest };
}

function toError(job: JobRecord): VestigeError {
  return new VestigeError(
    (job.error?.code as ErrorCode | undefined) ?? 'E_JOB_FAILED',
    job.error?.message ?? `job ${job.id} ${job.state}`,
  );
}
