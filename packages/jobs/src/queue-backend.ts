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
  /** The parent job (a flow), when this is a child. */
  parentId?: string;
  /** When it was queued and when it finished (ISO 8601), when known. */
  createdAt?: string;
  finishedAt?: string;
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
  /** Jobs the queue holds, newest first (at most `limit`, default 100). */
  list(options?: { states?: JobState[]; limit?: number }): Promise<JobRecord[]>;
  /** The job's log: its own lines and the farm's (attempts, failures, block lists, takeovers). */
  logs(jobId: string): Promise<string[]>;
  /** Cancels a job that waits or runs, and the children of a flow. */
  cancel(jobId: string): Promise<void>;
  /** Runs a failed job again (and its failed children): frames or batches already done are kept. */
  retry(jobId: string): Promise<void>;
  /** Calls `events` for every job of this queue until the returned function is called. */
  watch(events: QueueEvents): () => void;
  close(): Promise<void>;
}
