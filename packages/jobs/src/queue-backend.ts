export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface EnqueueOptions {
  /** Total tries, first included (default 1). */
  attempts?: number;
  /** Delay before a retry, doubled after each failure (default 500 ms). */
  backoffMs?: number;
  /** A caller-chosen id makes enqueueing idempotent: the same id is one job. */
  jobId?: string;
}

export interface JobRecord<Result = unknown> {
  id: string;
  type: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  progress: number;
  result?: Result;
  error?: { code: string; message: string };
}

export interface QueueEvents {
  progress?(jobId: string, fraction: number, message?: string): void;
  completed?(jobId: string, result: unknown): void;
  failed?(jobId: string, error: { code: string; message: string }, willRetry: boolean): void;
}

/**
 * Where jobs wait and who runs them. `local` runs them in this process (the embedded default); `bullmq`
 * keeps them in Redis so that any number of `vestige worker` processes on any nodes can run them. The
 * same job types run on both.
 */
export interface QueueBackend {
  readonly kind: 'local' | 'bullmq';
  enqueue(type: string, payload: unknown, options?: EnqueueOptions): Promise<string>;
  /** Resolves with the job's result, or rejects with its final error. */
  waitFor<Result = unknown>(jobId: string): Promise<Result>;
  get(jobId: string): Promise<JobRecord | undefined>;
  cancel(jobId: string): Promise<void>;
  close(): Promise<void>;
}
