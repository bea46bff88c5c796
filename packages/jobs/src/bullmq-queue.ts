import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { VestigeError, isVestigeError, type ErrorCode } from '@vestige/evidence';
import { capabilityMissing, capabilityQueueName, qualifiedJobId, splitJobId } from './capabilities.ts';
import type { JobRegistry } from './job-registry.ts';
import { errorInfo } from './local-queue.ts';
import type { EnqueueOptions, JobRecord, JobState, QueueBackend, QueueEvents as VestigeQueueEvents } from './queue-backend.ts';

export const DEFAULT_QUEUE_NAME = 'vestige';

/** `redis://[:password@]host:port[/db]` → connection options. Only the URL the operator gave is used. */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VestigeError('E_USAGE', `not a Redis URL: ${url}`, { hint: 'Use redis://HOST:PORT, e.g. redis://127.0.0.1:6379.' });
  }
  if (parsed.protocol !== 'redis:') throw new VestigeError('E_USAGE', `not a Redis URL: ${url}`, { hint: 'Use redis://HOST:PORT.' });
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
  };
}

/**
 * Producer side of the distributed queue: jobs are kept in Redis (run it with AOF persistence) and run
 * by `BullMqWorker`s on any node that shares the case store. A job type that requires a capability goes to
 * that capability's own queue (see capabilities.ts); its id then names the capability (`cuda/17`).
 */
export class BullMqQueue implements QueueBackend {
  readonly kind = 'bullmq' as const;
  private readonly queues = new Map<string | undefined, { queue: Queue; events: QueueEvents }>();

  constructor(
    private readonly registry: JobRegistry,
    private readonly connection: ConnectionOptions,
    private readonly name = DEFAULT_QUEUE_NAME,
  ) {
    this.lane(undefined);
  }

  private lane(capability: string | undefined): { queue: Queue; events: QueueEvents } {
    let lane = this.queues.get(capability);
    if (!lane) {
      const name = capabilityQueueName(this.name, capability);
      lane = { queue: new Queue(name, { connection: this.connection }), events: new QueueEvents(name, { connection: this.connection }) };
      this.queues.set(capability, lane);
    }
    return lane;
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    const validated = this.registry.validate(type, payload);
    const capability = this.registry.get(type).requires;
    const job = await this.lane(capability).queue.add(type, validated, {
      ...(options.jobId ? { jobId: options.jobId } : {}),
      attempts: Math.max(1, options.attempts ?? 1),
      backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
      // Finished jobs stay in Redis so that results and failures can be read back.
      removeOnComplete: false,
      removeOnFail: false,
    });
    return qualifiedJobId(capability, job.id!);
  }

  async waitFor<Result = unknown>(jobId: string): Promise<Result> {
    const { capability, id } = splitJobId(jobId);
    const { queue, events } = this.lane(capability);
    await events.waitUntilReady();
    const job = await queue.getJob(id);
    if (!job) throw new VestigeError('E_PARAM_INVALID', `no job ${jobId} in queue ${capabilityQueueName(this.name, capability)}`);
    try {
      return (await job.waitUntilFinished(events)) as Result;
    } catch (err) {
      const record = await this.get(jobId);
      throw new VestigeError((record?.error?.code as ErrorCode | undefined) ?? 'E_JOB_FAILED', record?.error?.message ?? (err as Error).message);
    }
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const { capability, id } = splitJobId(jobId);
    const job = await this.lane(capability).queue.getJob(id);
    return job ? { ...toRecord(job, await job.getState()), id: jobId } : undefined;
  }

  async cancel(jobId: string): Promise<void> {
    const { capability, id } = splitJobId(jobId);
    const job = await this.lane(capability).queue.getJob(id);
    if (!job) return;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') await job.remove();
    // Active jobs are cancelled by the worker that holds them (see BullMqWorker.cancel).
  }

  async close(): Promise<void> {
    for (const { queue, events } of this.queues.values()) {
      await events.close();
      await queue.close();
    }
  }
}

export interface BullMqWorkerOptions {
  name?: string;
  concurrency?: number;
  events?: VestigeQueueEvents;
  /** Capabilities this node advertises: it also takes jobs from each one's queue. */
  capabilities?: readonly string[];
}

/**
 * Consumer side: what `vestige worker --redis URL [--capability NAME]…` runs on each node. One BullMQ worker on
 * the general queue, and one on the queue of each advertised capability.
 */
export class BullMqWorker {
  private readonly workers: Worker[];

  constructor(registry: JobRegistry, connection: ConnectionOptions, options: BullMqWorkerOptions = {}) {
    const capabilities = [...new Set(options.capabilities ?? [])];
    const processor = async (job: Job, _token?: string, signal?: AbortSignal) => {
      const type = registry.get(job.name);
      const payload = registry.validate(job.name, job.data);
      try {
        if (type.requires && !capabilities.includes(type.requires)) throw capabilityMissing(type, 'this worker');
        return await type.run(payload, {
          signal: signal ?? new AbortController().signal,
          attempt: job.attemptsMade + 1,
          jobId: job.id!,
          progress: (fraction, message) => {
            void job.updateProgress(Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 1000);
            options.events?.progress?.(job.id!, fraction, message);
          },
          log: (message) => void job.log(message),
        });
      } catch (err) {
        // Record the Vestige error code in the message so that producers on other nodes see it.
        const info = errorInfo(err);
        const wrapped = new Error(`${info.code}: ${info.message}`);
        if (isVestigeError(err) && /^E_(INPUT|PARAM|RECIPE|USAGE|NOT_A_CASE|CAPABILITY)/.test(err.code)) {
          // Bad input will not get better by trying again.
          await job.discard();
        }
        throw wrapped;
      }
    };
    const base = options.name ?? DEFAULT_QUEUE_NAME;
    this.workers = [undefined, ...capabilities].map((capability) => {
      const worker = new Worker(capabilityQueueName(base, capability), processor, { connection, concurrency: Math.max(1, options.concurrency ?? 1), autorun: true });
      worker.on('failed', (job, err) => {
        if (job) options.events?.failed?.(qualifiedJobId(capability, job.id!), parseError(err.message), job.attemptsMade < (job.opts.attempts ?? 1));
      });
      worker.on('completed', (job, result) => options.events?.completed?.(qualifiedJobId(capability, job.id!), result));
      return worker;
    });
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  cancel(jobId: string): boolean {
    const { id } = splitJobId(jobId);
    return this.workers.some((w) => w.cancelJob(id, 'cancelled by operator'));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function parseError(message: string): { code: string; message: string } {
  const m = /^(E_[A-Z_]+): ([\s\S]*)$/.exec(message);
  return m ? { code: m[1]!, message: m[2]! } : { code: 'E_JOB_FAILED', message };
}

function toRecord(job: Job, state: string): JobRecord {
  const mapped: JobState = state === 'completed' ? 'completed' : state === 'failed' ? 'failed' : state === 'active' ? 'active' : 'waiting';
  return {
    id: job.id!,
    type: job.name,
    payload: job.data,
    state: mapped,
    attempts: job.attemptsMade,
    progress: typeof job.progress === 'number' ? job.progress : 0,
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: parseError(job.failedReason) } : {}),
  };
}
