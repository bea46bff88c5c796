/**
 * Consumer side of the distributed queue: what `vestige worker --redis URL [--capability NAME]…` runs on
 * each node. One BullMQ worker on the general queue and one on the queue of each advertised capability,
 * with the farm's behaviour on top (learned from Flamenco, Deadline and OpenCue):
 *
 * - every attempt, failure, block-listing and takeover is a line in the job's log (farm-log.ts), kept in
 *   Redis with the job, so any worker reads the job's history before it runs it;
 * - a job type's `failuresPerWorker` block-lists a worker for a job after that many failures there, and an
 *   error that declines the worker (a render class that differs) block-lists it at once; a block-listed
 *   worker hands the job back, and when no live worker is left that may run it the job fails with
 *   E_WORKERS_EXHAUSTED naming each worker and why;
 * - a job type's `timeoutMs` stops an attempt that runs too long (E_JOB_TIMEOUT, retried);
 * - a worker that dies loses its lock; after `lockDurationMs` the job is stalled and another worker takes
 *   it over (BullMQ's stalled-job check), writing so in the log; `maxStalledCount` is raised from
 *   BullMQ's 1 to 5 so that a farm that loses several nodes does not fail the job;
 * - children of a flow (`ctx.children`) are added under the job, which waits for them without holding
 *   the worker (BullMQ's waiting-children state) and runs again from the start when they are done;
 * - an operator's cancel reaches the worker holding the job through a custom queue event.
 */
import {
  DelayedError,
  Queue,
  QueueEvents,
  WaitingChildrenError,
  Worker,
  type ConnectionOptions,
  type Job,
} from 'bullmq';
import { VestigeError, type ErrorCode } from '@vestige/evidence';
import { capabilityMissing, capabilityQueueName, qualifiedJobId } from './capabilities.ts';
import { CANCEL_EVENT, CANCEL_LINE, DEFAULT_QUEUE_NAME, bullJobOptions, parseError } from './bullmq-queue.ts';
import { declinesWorker, errorInfo, isBadInput, withTimeout, workersExhausted } from './failure.ts';
import { farmLine, readFarmLog, workerName } from './farm-log.ts';
import type { ChildJob, JobContext, JobType } from '@vestige/evidence';
import type { JobRegistry } from './job-registry.ts';
import type { QueueEvents as VestigeQueueEvents } from './queue-backend.ts';

export interface BullMqWorkerOptions {
  /** The queue's base name (default `vestige`). */
  name?: string;
  concurrency?: number;
  events?: VestigeQueueEvents;
  /** Capabilities this node advertises: it also takes jobs from each one's queue. */
  capabilities?: readonly string[];
  /** How this worker is named in job logs and Redis (default `host-pid`). */
  workerId?: string;
  /**
   * How long a job's lock lasts without renewal: a dead worker's job is taken over after about this long (default 30
   * s).
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default: the lock duration). */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails (default 5; BullMQ's own default is 1). */
  maxStalledCount?: number;
}

/** A job already handed back or suspended: BullMQ's own signals pass through untouched. */
function isFlowSignal(err: unknown): boolean {
  return err instanceof WaitingChildrenError || err instanceof DelayedError;
}

export class BullMqWorker {
  readonly workerId: string;
  private readonly workers: Worker[];
  private readonly listeners: QueueEvents[] = [];
  private readonly producers = new Map<string, Queue>();
  private readonly base: string;

  constructor(
    private readonly registry: JobRegistry,
    private readonly connection: ConnectionOptions,
    private readonly options: BullMqWorkerOptions = {},
  ) {
    const capabilities = [...new Set(options.capabilities ?? [])];
    this.workerId = options.workerId ?? workerName();
    this.base = options.name ?? DEFAULT_QUEUE_NAME;
    const lockDuration = options.lockDurationMs ?? 30_000;
    this.workers = [undefined, ...capabilities].map((capability) => {
      const queueName = capabilityQueueName(this.base, capability);
      const worker = new Worker(queueName, (job, token, signal) => this.process(job, token, signal, capabilities), {
        connection,
        concurrency: Math.max(1, options.concurrency ?? 1),
        autorun: true,
        name: this.workerId,
        lockDuration,
        stalledInterval: options.stalledIntervalMs ?? lockDuration,
        maxStalledCount: options.maxStalledCount ?? 5,
      });
      worker.on('failed', (job, err) => {
        if (job && !isFlowSignal(err))
          options.events?.failed?.(
            qualifiedJobId(capability, job.id!),
            parseError(err.message),
            job.attemptsMade < (job.opts.attempts ?? 1),
          );
      });
      worker.on('completed', (job, result) => options.events?.completed?.(qualifiedJobId(capability, job.id!), result));
      // From the start of the event stream, not only what arrives after this connection is ready: a cancel
      // published in that gap would otherwise be missed. Old cancels name jobs this worker does not hold.
      const cancels = new QueueEvents(queueName, { connection, lastEventId: '0-0' });
      cancels.on(
        CANCEL_EVENT as 'waiting',
        (args: unknown) => void worker.cancelJob((args as { jobId: string }).jobId, 'cancelled by operator'),
      );
      this.listeners.push(cancels);
      return worker;
    });
  }

  private producer(type: string): Queue {
    return this.queueNamed(capabilityQueueName(this.base, this.registry.get(type).requires));
  }

  /** A Queue handle for `name` (adding children, reading logs, listing live workers). */
  private queueNamed(name: string): Queue {
    let queue = this.producers.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection });
      this.producers.set(name, queue);
    }
    return queue;
  }

  private async process(
    job: Job,
    token: string | undefined,
    signal: AbortSignal | undefined,
    capabilities: readonly string[],
  ): Promise<unknown> {
    const type = this.registry.get(job.name);
    const me = this.workerId;
    const before = await this.logsOf(job);
    const history = readFarmLog(before);
    if (before.includes(CANCEL_LINE)) {
      await job.discard();
      throw new Error(`E_CANCELLED: job ${job.id} was cancelled by an operator`);
    }
    if (history.blocked.has(me)) return this.decline(job, token, history.blocked);
    if (history.unfinished && history.unfinished !== me) await job.log(farmLine.takeover(me, history.unfinished));
    const attempt = job.attemptsMade + 1;
    await job.log(farmLine.started(attempt, me));
    const controller = new AbortController();
    const cancelled = () =>
      controller.abort(new VestigeError('E_CANCELLED', `job ${job.id} was cancelled by an operator`));
    signal?.addEventListener('abort', cancelled, { once: true });
    let payload: unknown;
    try {
      payload = this.registry.validate(job.name, job.data);
      if (type.requires && !capabilities.includes(type.requires)) throw capabilityMissing(type, 'this worker');
      const run = type.run(payload, this.context(job, token, controller.signal, before, attempt));
      const result = await withTimeout(
        run,
        type.timeoutMs?.(payload),
        (why) => controller.abort(why),
        `job ${job.id} (${job.name})`,
      );
      await job.log(farmLine.done(me));
      return result;
    } catch (err) {
      if (isFlowSignal(err)) throw err;
      return this.failed(job, token, type, payload, attempt, err, signal?.aborted === true);
    } finally {
      signal?.removeEventListener('abort', cancelled);
    }
  }

  /** Logs a failure, block-lists this worker when it must, and throws what BullMQ records. */
  private async failed(
    job: Job,
    token: string | undefined,
    type: JobType,
    payload: unknown,
    attempt: number,
    err: unknown,
    cancelled: boolean,
  ): Promise<never> {
    const me = this.workerId;
    const info = cancelled
      ? { code: 'E_CANCELLED', message: `job ${job.id} was cancelled by an operator` }
      : errorInfo(err);
    await job.log(farmLine.failed(attempt, me, info.code, info.message));
    // Record the Vestige error code in the message so that producers on other nodes see it.
    const wrapped = new Error(`${info.code}: ${info.message}`);
    if (cancelled || isBadInput(err)) {
      await job.discard();
      throw wrapped;
    }
    const cap = payload === undefined ? undefined : type.failuresPerWorker?.(payload);
    const failures = readFarmLog(await this.logsOf(job)).failures.get(me) ?? 0;
    if (declinesWorker(err) || (cap !== undefined && failures >= cap)) {
      await job.log(
        farmLine.blocked(
          me,
          declinesWorker(err) ? `${info.code}: ${info.message}` : `${failures} failures here (limit ${cap})`,
        ),
      );
      if (declinesWorker(err)) {
        const blocked = readFarmLog(await this.logsOf(job)).blocked;
        if (await this.othersMayRun(job, blocked)) return this.handBack(job, token);
        await job.discard();
      }
    }
    throw wrapped;
  }

  /** This worker is block-listed for the job: another live worker gets it, or the job fails saying why. */
  private async decline(job: Job, token: string | undefined, blocked: ReadonlyMap<string, string>): Promise<never> {
    if (await this.othersMayRun(job, blocked)) return this.handBack(job, token);
    const err = workersExhausted(job.id!, blocked);
    await job.log(`failed: ${err.message}`);
    await job.discard();
    throw new Error(`${err.code}: ${err.message}`);
  }

  private async handBack(job: Job, token: string | undefined): Promise<never> {
    await job.log(farmLine.declined(this.workerId));
    await job.moveToDelayed(Date.now() + 500, token);
    throw new DelayedError();
  }

  /** Whether a live worker on the job's queue is not block-listed for it. */
  private async othersMayRun(job: Job, blocked: ReadonlyMap<string, string>): Promise<boolean> {
    const clients = await this.queueNamed(job.queueName).getWorkers();
    const names = new Set(
      clients.map((c) => /:w:(.+)$/.exec(c.rawname ?? '')?.[1]).filter((n): n is string => n !== undefined),
    );
    return [...names].some((n) => n !== this.workerId && !blocked.has(n));
  }

  private async logsOf(job: Job): Promise<string[]> {
    return (await this.queueNamed(job.queueName).getJobLogs(job.id!, 0, -1, true)).logs;
  }

  private context(
    job: Job,
    token: string | undefined,
    signal: AbortSignal,
    before: string[],
    attempt: number,
  ): JobContext {
    return {
      signal,
      attempt,
      jobId: job.id!,
      worker: this.workerId,
      progress: (fraction, message) => {
        void job.updateProgress(Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 1000);
        this.options.events?.progress?.(job.id!, fraction, message);
      },
      log: (message) => void job.log(message),
      history: async () => before,
      children: (stage, specs) => this.children(job, token, stage, specs),
    };
  }

  /**
   * BullMQ's "step" pattern: add the missing children under this job and move it to waiting-children;
   * when they are done the job runs again and finds their values. A child that failed for good is kept
   * as an ignored dependency (so the parent runs and can say which child failed and why).
   */
  private async children(
    job: Job,
    token: string | undefined,
    stage: string,
    specs: readonly ChildJob[],
  ): Promise<unknown[]> {
    const wanted = specs.map((spec, i) => {
      const queue = this.producer(spec.type);
      const id = `${job.id}.${stage}.${i}`;
      return { spec, id, key: `${queue.qualifiedName}:${id}`, queue };
    });
    for (let round = 0; round < 3; round++) {
      const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
      const failed = wanted.find((w) => failures[w.key] !== undefined);
      if (failed) {
        const e = parseError(failures[failed.key]!);
        throw new VestigeError(
          e.code as ErrorCode,
          `child job ${failed.id} (${failed.spec.type}) failed: ${e.message}`,
        );
      }
      if (wanted.every((w) => w.key in values)) return wanted.map((w) => values[w.key]);
      // Adding a child that exists already only links it again (BullMQ keeps one job per id).
      for (const w of wanted) {
        if (w.key in values) continue;
        await w.queue.add(w.spec.type, this.registry.validate(w.spec.type, w.spec.payload), {
          jobId: w.id,
          parent: { id: job.id!, queue: job.queueQualifiedName },
          ignoreDependencyOnFailure: true,
          ...bullJobOptions(w.spec.options ?? {}),
        });
      }
      if (await job.moveToWaitingChildren(token!)) {
        await job.log(farmLine.waiting(this.workerId, wanted.length, stage));
        throw new WaitingChildrenError();
      }
    }
    throw new VestigeError('E_JOB_FAILED', `job ${job.id}: its ${stage} jobs neither finished nor could be waited for`);
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all([
      ...this.workers.map((w) => w.waitUntilReady()),
      ...this.listeners.map((l) => l.waitUntilReady()),
    ]);
  }

  cancel(jobId: string): boolean {
    const id = jobId.includes('/') ? jobId.slice(jobId.indexOf('/') + 1) : jobId;
    return this.workers.some((w) => w.cancelJob(id, 'cancelled by operator'));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.listeners.map((l) => l.close()), ...[...this.producers.values()].map((q) => q.close())]);
  }
}
