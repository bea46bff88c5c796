/**
 * What every job type that works on a case needs from its payload: the case, opened for this job alone (a job
 * may run on any node that reaches the case folder), and the items it names, checked before any work starts.
 */
import { CaseStore } from './case-store.ts';
import { VestigeError } from './errors.ts';
import type { Item } from './types.ts';

/** Runs `work` on the case at `caseDir`, closing it whatever happens. */
export async function inJobCase<T>(
  caseDir: string,
  work: (store: CaseStore) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const store = CaseStore.open(caseDir, { readOnly: options.readOnly ?? false });
  try {
    return await work(store);
  } finally {
    store.close();
  }
}

/**
 * The items a job's payload names, in payload order. An id that is not in the case, or an item of a kind the
 * job does not take, is bad input (`E_PARAM_INVALID`, so the queue fails the job at once and never retries it)
 * naming the item and the case.
 */
export function payloadItems(
  store: CaseStore,
  jobId: string,
  itemIds: readonly string[],
  accepts?: { mediaTypePrefixes: readonly string[]; what: string },
): Item[] {
  return itemIds.map((id) => {
    const item = store.findItem(id);
    if (!item) {
      throw new VestigeError('E_PARAM_INVALID', `${jobId}: item ${id} is not in the case ${store.dir}.`, {
        file: store.dir,
        hint: 'Queue the job with item ids of this case (`vestige items --case DIR`).',
        details: { itemId: id },
      });
    }
    if (accepts && !accepts.mediaTypePrefixes.some((p) => item.mediaType.startsWith(p))) {
      throw new VestigeError(
        'E_PARAM_INVALID',
        `${jobId}: item ${id} (${item.name}) is ${item.mediaType}, not ${accepts.what}.`,
        {
          file: store.dir,
          hint: `Queue this job for ${accepts.what} only.`,
          details: { itemId: id, mediaType: item.mediaType },
        },
      );
    }
    return item;
  });
}

/** The stored bytes of an item, checked against its address before anything is derived from them. */
export async function verifiedItemPath(store: CaseStore, item: Item): Promise<string> {
  if (!(await store.blobs.verify(item.sha256))) {
    throw new VestigeError(
      'E_BLOB_CORRUPT',
      `the stored copy of ${item.id} (${item.name}) does not match its SHA-256 or is missing.`,
      {
        file: item.id,
        hint: "Run 'vestige verify' on the case; restore the case from its backup before deriving anything from this item.",
      },
    );
  }
  return store.blobs.pathOf(item.sha256);
}
