import { CaseStore } from '@vestige/evidence';
import type { QueueBackend } from '@vestige/jobs';

/**
 * Splits items into batches, queues one job per batch and waits for all of them: on the local queue
 * they run in this process, on BullMQ on every `vestige worker` node. Failed jobs reject (bad-input
 * errors are recorded per item inside the job and do not fail it).
 */
export async function runInBatches<Result>(
  queue: QueueBackend,
  jobType: string,
  itemIds: readonly string[],
  batchSize: number,
  payload: (itemIds: string[]) => unknown,
  onProgress?: (done: number, total: number) => void,
): Promise<Result[]> {
  const size = Math.max(1, batchSize);
  const jobs: Array<{ id: string; count: number }> = [];
  for (let i = 0; i < itemIds.length; i += size) {
    const batch = itemIds.slice(i, i + size);
    jobs.push({ id: await queue.enqueue(jobType, payload(batch), { attempts: 2 }), count: batch.length });
  }
  let done = 0;
  return Promise.all(
    jobs.map((job) =>
      queue.waitFor<Result>(job.id).then((r) => {
        done += job.count;
        onProgress?.(done, itemIds.length);
        return r;
      }),
    ),
  );
}

/** Runs a job's work on the case it names, opened for this job alone (a job may run on any node). */
export async function inCase<T>(caseDir: string, work: (store: CaseStore) => Promise<T>): Promise<T> {
  const store = CaseStore.open(caseDir);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
