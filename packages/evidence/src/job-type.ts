/**
 * The job contract: what a job type is, and what a running job may ask of the queue that runs it. It lives in
 * the shared base (beside `registry` and `VestigeError`) so that each feature package defines its own job
 * types without depending on the queue machinery (@vestige/jobs and its BullMQ): a job type is a pure
 * description (an id, a schema, a run function); @vestige/jobs runs them.
 */
import type { ZodType } from 'zod';

/** A job to run as a child of the running one (see `JobContext.children`). */
export interface ChildJob {
  type: string;
  payload: unknown;
  /** Total tries (first included) and the delay before a retry, as the queue's own enqueue options. */
  options?: { attempts?: number; backoffMs?: number };
}

export interface JobContext {
  /** Aborted when the job is cancelled, times out, or the worker shuts down; long jobs must check it. */
  readonly signal: AbortSignal;
  /** 1 for the first try, 2 for the first retry … */
  readonly attempt: number;
  readonly jobId: string;
  /** The worker running this attempt (`host-pid`), as the job log and block lists name it. */
  readonly worker: string;
  /** Reports progress in [0, 1] with an optional plain-words message. */
  progress(fraction: number, message?: string): void;
  /** Adds a line to the job's log (kept with the job: in Redis on BullMQ, so another worker can read it). */
  log(message: string): void;
  /** Every line of this job's log written before this attempt (earlier attempts, other workers, the farm's lines). */
  history(): Promise<string[]>;
  /**
   * Runs `jobs` as children of this job (a BullMQ flow: parent and children) and resolves with their
   * results in order; a child that fails for good rejects with its error. Children of one `stage` are
   * made once: on BullMQ the parent stops here and is run again from the start when its children are
   * done, so everything before the last `children` call must give the same stages and children again.
   */
  children(stage: string, jobs: readonly ChildJob[]): Promise<unknown[]>;
}

/**
 * A unit of work that can run on any backend: in process, or on any node that shares the case store.
 * Payloads are plain JSON validated by `schema` before `run`, so a job is reproducible from its record.
 */
export interface JobType<Payload = unknown, Result = unknown> {
  readonly id: string;
  readonly schema: ZodType<Payload>;
  /** A capability the node must have (e.g. `cuda`); such jobs go only to workers that advertise it. */
  readonly requires?: string;
  /** Longest one attempt may run (ms); past it the attempt fails with E_JOB_TIMEOUT (and may be retried). */
  timeoutMs?(payload: Payload): number | undefined;
  /** Failures of one job on one worker before that worker is block-listed for the job (none: no limit). */
  failuresPerWorker?(payload: Payload): number | undefined;
  run(payload: Payload, ctx: JobContext): Promise<Result>;
}

export function defineJobType<Payload, Result>(type: JobType<Payload, Result>): JobType<Payload, Result> {
  return type;
}
