import { rmSync } from 'node:fs';
import type { CaseStore } from '@vestige/evidence';

/**
 * Runs a video job that writes into the case: holding the case lock (named for the job, shown to a second
 * writer), with a list the job adds its scratch files to; the files are removed and the lock released however
 * the job ends.
 */
export async function withCaseLock<T>(
  store: CaseStore,
  job: string,
  run: (scratchFiles: string[]) => Promise<T>,
): Promise<T> {
  const lock = store.lock(job);
  const scratchFiles: string[] = [];
  try {
    return await run(scratchFiles);
  } finally {
    for (const f of scratchFiles) rmSync(f, { force: true });
    lock.release();
  }
}
