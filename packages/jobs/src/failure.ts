/**
 * How a failed attempt is treated, the same on every backend: bad input is final (trying again cannot
 * help); an error that says "not on this worker" (a render class that differs, a capability it lacks)
 * block-lists the worker for the job and hands the job to another; anything else is retried while the
 * job has attempts left.
 */
import { VestigeError, isVestigeError } from '@vestige/evidence';

/** Bad input will not get better by trying again. */
export function isBadInput(err: unknown): boolean {
  return isVestigeError(err) && /^E_(INPUT|PARAM|RECIPE|USAGE|NOT_A_CASE|CAPABILITY|WORKERS_EXHAUSTED)/.test(err.code);
}

/** The job may be fine, but this worker must not run it (`details.declineWorker`). */
export function declinesWorker(err: unknown): boolean {
  return isVestigeError(err) && err.details?.declineWorker === true;
}

export function errorInfo(err: unknown): { code: string; message: string } {
  if (isVestigeError(err)) return { code: err.code, message: err.message };
  return { code: 'E_JOB_FAILED', message: err instanceof Error ? err.message : String(err) };
}

/** The final error of a job whose every possible worker is block-listed. */
export function workersExhausted(jobId: string, blocked: ReadonlyMap<string, string>): VestigeError {
  const list = [...blocked].map(([w, why]) => `${w} (${why})`).join('; ');
  return new VestigeError(
    'E_WORKERS_EXHAUSTED',
    `No worker may run job ${jobId}: every worker that took it is block-listed for it: ${list}.`,
    {
      hint: 'Fix what the reasons say (or start a worker that can run it), then `vestige jobs retry ID`.',
      details: { blocked: Object.fromEntries(blocked) },
    },
  );
}

/** Races `work` against a time limit; past it the attempt fails with E_JOB_TIMEOUT and `abort` is told why. */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  abort: (reason: VestigeError) => void,
  what: string,
): Promise<T> {
  if (!timeoutMs || !Number.isFinite(timeoutMs)) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new VestigeError(
        'E_JOB_TIMEOUT',
        `${what} ran past its time limit of ${(timeoutMs / 1000).toFixed(0)} s and was stopped.`,
        {
          hint: 'A worker that hangs is stopped so that another can take the work; raise the limit if the work is genuinely this long.',
        },
      );
      abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
