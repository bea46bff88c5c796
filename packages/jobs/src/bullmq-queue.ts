import { Queue, QueueEvents, QueueEventsProducer, type ConnectionOptions, type Job } from 'bullmq';
import { VestigeError, type ErrorCode } from '@vestige/evidence';
import { capabilityQueueName, qualifiedJobId, splitJobId } from './capabilities.ts';
import type { JobRegistry } from './job-registry.ts';
import type {
  EnqueueOptions,
  JobRecord,
  JobState,
  QueueBackend,
  QueueEvents as VestigeQueueEvents,
} from './queue-backend.ts';

export const DEFAULT_QUEUE_NAME = 'vestige';
/** The custom event that asks the worker holding an active job to stop it (BullMQ can only cancel in process). */
export const CANCEL_EVENT = 'vestige.cancel';
export const CANCEL_LINE = 'cancel requested by an operator';

/** `redis://[:password@]host:port[/db]` → connection options. Only the URL the operator gave is used. */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VestigeError('E_USAGE', `not a Redis URL: ${url}`, {
      hint: 'Use redis://HOST:PORT, e.g. redis://127.0.0.1:6379.',
    });
  }
  if (parsed.protocol !== 'redis:')
    throw new VestigeError('E_USAGE', `not a Redis URL: ${url}`, { hint: 'Use redis://HOST:PORT.' });
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
  };
}

/** The options every job is added with, here and by a parent adding its children. */
export function bullJobOptions(options: EnqueueOptions): {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: false;
  removeOnFail: false;
} {
  return {
    attempts: Math.max(1, options.attempts ?? 1),
    backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
    // Finished jobs stay in Redis so that results, failures and logs can be read back.
    removeOnComplete: false,
    removeOnFail: false,
  };
}

interface Lane {
  queue: Queue;
  events: QueueEvents;
}

/**
 * Producer side of the distributed queue: jobs are kept in Redis (run it with AOF persistence) and run
 * by `BullMqWorker`s on any node that shares the case store. A job type that requires a capability goes to
 * that capability's own queue (see capabilities.ts); its id then names the capability (`cuda/17`).
 */
export class BullMqQueue implements QueueBackend {
  readonly kind = 'bullmq' as const;
  private readonly lanes = new Map<string | undefined, Lane>();

  constructor(
    private readonly registry: JobRegistry,
    private readonly connection: ConnectionOptions,
    private readonly name = DEFAULT_QUEUE_NAME,
  ) {
    this.lane(undefined);
  }

  /** The general queue and the queue of every capability a registered job type requires. */
  private allLanes(): Array<string | undefined> {
    return [
      undefined,
      ...new Set(
        this.registry
          .ids()
          .map((id) => this.registry.get(id).requires)
          .filter((c): c is string => c !== undefined),
      ),
    ];
  }

  private lane(capability: string | undefined): Lane {
    let lane = this.lanes.get(capability);
    if (!lane) {
      const name = capabilityQueueName(this.name, capability);
      lane = {
        queue: new Queue(name, { connection: this.connection }),
        events: new QueueEvents(name, { connection: this.connection }),
      };
      this.lanes.set(capability, lane);
    }
    return lane;
  }

  private async job(jobId: string): Promise<{ job: Job | undefined; capability: string | undefined; lane: Lane }> {
    const { capability, id } = splitJobId(jobId);
    const lane = this.lane(capability);
    return { job: await lane.queue.getJob(id), capability, lane };
  }

  async enqueue(type: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    const validated = this.registry.validate(type, payload);
    const capability = this.registry.get(type).requires;
    const job = await this.lane(capability).queue.add(type, validated, {
      ...(options.jobId ? { jobId: options.jobId } : {}),
      ...bullJobOptions(options),
    });
    return qualifiedJobId(capability, job.id!);
  }

  async waitFor<Result = unknown>(jobId: string): Promise<Result> {
    const { job, capability, lane } = await this.job(jobId);
    await lane.events.waitUntilReady();
    if (!job)
      throw new VestigeError(
        'E_PARAM_INVALID',
        `no job ${jobId} in queue ${capabilityQueueName(this.name, capability)}`,
      );
    try {
      return (await job.waitUntilFinished(lane.events)) as Result;
    } catch (err) {
      const record = await this.get(jobId);
      throw new VestigeError(
        (record?.error?.code as ErrorCode | undefined) ?? 'E_JOB_FAILED',
        record?.error?.message ?? (err as Error).message,
      );
    }
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const { job, capability } = await this.job(jobId);
    return job ? toRecord(job, await job.getState(), capability, this.name) : undefined;
  }

  async list(options: { states?: JobState[]; limit?: number } = {}): Promise<JobRecord[]> {
    const limit = options.limit ?? 100;
    const records: JobRecord[] = [];
    for (const capability of this.allLanes()) {
      const jobs = await this.lane(capability).queue.getJobs(
        ['active', 'waiting', 'waiting-children', 'delayed', 'prioritized', 'completed', 'failed'],
        0,
        limit - 1,
        false,
      );
      for (const job of jobs)
        if (job) records.push(toRecord(job as Job, await (job as Job).getState(), capability, this.name));
    }
    return records
      .filter((r) => !options.states || options.states.includes(r.state))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
      .slice(0, limit);
  }

  async logs(jobId: string): Promise<string[]> {
    const { capability, id } = splitJobId(jobId);
    return (await this.lane(capability).queue.getJobLogs(id, 0, -1, true)).logs;
  }

  /** Removes a waiting job; asks the worker holding an active one to stop it. A flow's children go first. */
  async cancel(jobId: string): Promise<void> {
    const { job, capability } = await this.job(jobId);
    if (!job) return;
    for (const child of await this.childIds(job)) await this.cancel(child);
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return;
    // Written first: a worker that picks the job up between these steps reads it and stops.
    await job.log(CANCEL_LINE);
    if (state === 'active') {
      const producer = new QueueEventsProducer(capabilityQueueName(this.name, capability), {
        connection: this.connection,
      });
      try {
        await producer.publishEvent({ eventName: CANCEL_EVENT, jobId: job.id! });
      } finally {
        await producer.close();
      }
    } else {
      // taken by a worker meanwhile: it reads the line
      await job.remove({ removeChildren: true }).catch(() => undefined);
    }
  }

  /** Retries a failed job; a flow's failed children first, so a parent resumes where it stopped. */
  async retry(jobId: string): Promise<void> {
    const { job } = await this.job(jobId);
    if (!job) throw new VestigeError('E_PARAM_INVALID', `no job ${jobId}`);
    for (const child of await this.childIds(job)) {
      const c = await this.get(child);
      if (c?.state === 'failed') await this.retry(child);
    }
    if ((await job.getState()) === 'failed') await job.retry('failed');
  }

  /** Qualified ids of a job's children (processed, pending and failed). */
  private async childIds(job: Job): Promise<string[]> {
    const deps = await job.getDependencies();
    const keys = [
      ...Object.keys(deps.processed ?? {}),
      ...(deps.unprocessed ?? []),
      ...Object.keys(deps.failed ?? {}),
      ...Object.keys(deps.ignored ?? {}),
    ];
    return [...new Set(keys)].map((key) => this.idFromKey(key));
  }

  private idFromKey(key: string): string {
    return idFromKey(key, this.name);
  }

  watch(events: VestigeQueueEvents): () => void {
    const off: Array<() => void> = [];
    for (const capability of this.allLanes()) {
      const e = this.lane(capability).events;
      const progress = ({ jobId, data }: { jobId: string; data: unknown }) =>
        typeof data === 'number' && events.progress?.(qualifiedJobId(capability, jobId), data);
      const completed = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) =>
        events.completed?.(qualifiedJobId(capability, jobId), returnvalue);
      const failed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) =>
        events.failed?.(qualifiedJobId(capability, jobId), parseError(failedReason), false);
      e.on('progress', progress);
      e.on('completed', completed);
      e.on('failed', failed);
      off.push(() => {
        e.off('progress', progress);
        e.off('completed', completed);
        e.off('failed', failed);
      });
    }
    return () => off.forEach((f) => f());
  }

  async close(): Promise<void> {
    for (const { queue, events } of this.lanes.values()) {
      await events.close();
      await queue.close();
    }
  }
}

/** `E_CODE: message` (how workers report failures through Redis) → code and message. */
export function parseError(message: string): { code: string; message: string } {
  const m = /^(E_[A-Z_]+): ([\s\S]*)$/.exec(message);
  return m ? { code: m[1]!, message: m[2]! } : { code: 'E_JOB_FAILED', message };
}

/** `bull:vestige.render:17.frames.0` → `render/17.frames.0` (a job key, as flows name children and parents). */
export function idFromKey(key: string, base: string): string {
  const parts = key.split(':');
  const id = parts.at(-1)!;
  const queueName = parts.slice(1, -1).join(':');
  const capability = queueName.startsWith(`${base}.`) ? queueName.slice(base.length + 1) : undefined;
  return qualifiedJobId(capability, id);
}

function toRecord(job: Job, state: string, capability: string | undefined, base: string): JobRecord {
  const error = job.failedReason ? parseError(job.failedReason) : undefined;
  const mapped: JobState =
    state === 'completed'
      ? 'completed'
      : state === 'failed'
        ? error?.code === 'E_CANCELLED'
          ? 'cancelled'
          : 'failed'
        : state === 'active'
          ? 'active'
          : 'waiting';
  return {
    id: qualifiedJobId(capability, job.id!),
    type: job.name,
    payload: job.data,
    state: mapped,
    attempts: job.attemptsMade,
    progress: typeof job.progress === 'number' ? job.progress : 0,
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
    ...(error ? { error } : {}),
    ...(job.parent ? { parentId: idFromKey(`${job.parent.queueKey}:${job.parent.id}`, base) } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
}
