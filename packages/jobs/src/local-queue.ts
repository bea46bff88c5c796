import { VestigeError, isVestigeError, type ErrorCode } from '@vestige/evidence';
import { capabilityMissing } from './capabilities.ts';
import type { JobRegistry } from './job-registry.ts';
import type { EnqueueOptions, JobRecord, QueueBackend, QueueEvents } from './queue-backend.ts';

interface LocalJob extends JobRecord {
  options: Required<Pick<EnqueueOptions, 'attempts' | 'backoffMs'>>;
  controller: AbortController;
  waiters: Array<{ resolve(value: unknown): void; reject(err: unknown): void }>;
}

/**
 * The embedded queue: jobs run in this process, `concurrency` at a time, in the order they were queued,
 * with retries and cancellation. No services needed: this is what one machine uses by default.
 */
export class LocalQueue implements QueueBackend {
  readonly kind = 'local' as const;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly waiting: string[] = [];
  private running = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly registry: JobRegistry,
    private readonly options: { concurrency?: number; events?: QueueEvents; /** What this process can do (e.g. `cuda`); jobs needing anything else are refused. */ capabilities?: readonly string[] } = {},
  ) {}

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (this.closed) throw new VestigeError('E_USAGE', 'the queue is closed');
    const validated = this.registry.validate(type, payload);
    const jobType = this.registry.get(type);
    if (jobType.requires && !(this.options.capabilities ?? []).includes(jobType.requires)) throw capabilityMissing(jobType, 'this machine\'s embedded queue');
    const id = options.jobId ?? `job-${this.nextId++}`;
    if (this.jobs.has(id)) return id;
    this.jobs.set(id, {
      id,
      type,
      payload: validated,
      state: 'waiting',
      attempts: 0,
      progress: 0,
      options: { attempts: Math.max(1, options.attempts ?? 1), backoffMs: options.backoffMs ?? 500 },
      controller: new AbortController(),
      waiters: [],
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
    if (!job) return undefined;
    const { options: _o, controller: _c, waiters: _w, ...record } = job;
    return { ...record };
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.require(jobId);
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') return;
    const wasWaiting = job.state === 'waiting';
    job.controller.abort(new VestigeError('E_CANCELLED', `job ${jobId} was cancelled`));
    if (wasWaiting) {
      this.waiting.splice(this.waiting.indexOf(jobId), 1);
      this.settle(job, 'cancelled', { error: { code: 'E_CANCELLED', message: `job ${jobId} was cancelled` } });
    }
  }

  /** Resolves when nothing is waiting or running. */
  async onIdle(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiting]) await this.cancel(id);
    for (const job of this.jobs.values()) if (job.state === 'active') job.controller.abort(new VestigeError('E_CANCELLED', 'the queue was closed'));
    await this.onIdle();
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

  private async runJob(job: LocalJob): Promise<void> {
    const type = this.registry.get(job.type);
    job.state = 'active';
    for (;;) {
      job.attempts++;
      try {
        const result = await type.run(job.payload, {
          signal: job.controller.signal,
          attempt: job.attempts,
          jobId: job.id,
          progress: (fraction, message) => {
            job.progress = Math.min(1, Math.max(0, fraction));
            this.options.events?.progress?.(job.id, job.progress, message);
          },
          log: () => {},
        });
        this.settle(job, 'completed', { result });
        return;
      } catch (err) {
        const error = errorInfo(err);
        if (job.controller.signal.aborted) {
          this.settle(job, 'cancelled', { error: { code: 'E_CANCELLED', message: error.message } });
          return;
        }
        // Bad input will not get better by trying again.
        const retryable = !(isVestigeError(err) && /^E_(INPUT|PARAM|RECIPE|USAGE|NOT_A_CASE)/.test(err.code));
        const willRetry = retryable && job.attempts < job.options.attempts;
        this.options.events?.failed?.(job.id, error, willRetry);
        if (!willRetry) {
          this.settle(job, 'failed', { error });
          return;
        }
        await new Promise((r) => setTimeout(r, job.options.backoffMs * 2 ** (job.attempts - 1)));
      }
    }
  }

  private settle(job: LocalJob, state: 'completed' | 'failed' | 'cancelled', outcome: { result?: unknown; error?: { code: string; message: string } }): void {
    job.state = state;
    if (state === 'completed') {
      job.result = outcome.result;
      job.progress = 1;
      this.options.events?.completed?.(job.id, outcome.result);
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

export function errorInfo(err: unknown): { code: string; message: string } {
  if (isVestigeError(err)) return { code: err.code, message: err.message };
  return { code: 'E_JOB_FAILED', message: err instanceof Error ? err.message : String(err) };
}

function toError(job: JobRecord): VestigeError {
  return new VestigeError((job.error?.code as ErrorCode | undefined) ?? 'E_JOB_FAILED', job.error?.message ?? `job ${job.id} ${job.state}`);
}
