import type { ZodType } from 'zod';

export interface JobContext {
  /** Aborted when the job is cancelled or the worker shuts down; long jobs must check it. */
  readonly signal: AbortSignal;
  /** 1 for the first try, 2 for the first retry … */
  readonly attempt: number;
  readonly jobId: string;
  /** Reports progress in [0, 1] with an optional plain-words message. */
  progress(fraction: number, message?: string): void;
  log(message: string): void;
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
  run(payload: Payload, ctx: JobContext): Promise<Result>;
}

export function defineJobType<Payload, Result>(type: JobType<Payload, Result>): JobType<Payload, Result> {
  return type;
}
