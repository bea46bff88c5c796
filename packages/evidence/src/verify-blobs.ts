import type { CaseStore } from './case-store.ts';
import type { FileWorkerPool } from './file-worker-pool.ts';
import type { VerifyOptions, VerifyProblem } from './verify.ts';

/**
 * The blob half of verify: every blob on disk re-hashed on the worker threads (SHA-256, its address; all
 * three digests with `allDigests`), and every blob a row refers to required to exist.
 */
export function itemBlobs(store: CaseStore): Map<string, string> {
  return new Map(store.items().map((i) => [i.sha256, `items/${i.id}`]));
}

export interface HashedBlobs {
  results: Map<string, { sha256: string; size: number; md5?: string; sha1?: string } | null>;
  bytes: number;
  ms: number;
}

/** Re-hashes every blob on disk on the worker threads, in batches (one message for many small blobs). */
export async function hashBlobs(
  store: CaseStore,
  pool: FileWorkerPool,
  addresses: string[],
  options: VerifyOptions,
): Promise<HashedBlobs> {
  const started = performance.now();
  const results: HashedBlobs['results'] = new Map();
  let bytes = 0;
  let done = 0;
  if (options.allDigests) {
    store.blobs.usePool(pool);
    try {
      await Promise.all(
        addresses.map(async (sha) => {
          const d = await store.blobs.rehash(sha);
          results.set(sha, d);
          bytes += d?.size ?? 0;
          options.onProgress?.(++done, addresses.length);
        }),
      );
    } finally {
      store.blobs.usePool(undefined);
    }
    return { results, bytes, ms: performance.now() - started };
  }
  const BATCH = 64;
  const batches: Promise<void>[] = [];
  for (let i = 0; i < addresses.length; i += BATCH) {
    const slice = addresses.slice(i, i + BATCH);
    batches.push(
      pool.hashAddresses(slice.map((sha) => store.blobs.pathOf(sha))).then((hashed) => {
        hashed.forEach((h, k) => {
          results.set(slice[k]!, h.error ? null : h);
          bytes += h.error ? 0 : h.size;
        });
        done += slice.length;
        options.onProgress?.(done, addresses.length);
      }),
    );
  }
  await Promise.all(batches);
  return { results, bytes, ms: performance.now() - started };
}

export function blobProblems(
  store: CaseStore,
  hashed: HashedBlobs['results'],
  referenced: Map<string, string>,
  allDigests: boolean,
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const byItem = store.database.prepare('SELECT id, name, md5, sha1, size FROM items WHERE sha256 = ?');
  const label = (sha: string): { subject: string; text: string } => {
    const item = byItem.get(sha) as { id: string; name: string } | undefined;
    if (item) return { subject: item.id, text: `item ${item.id} (${item.name})` };
    const owner = referenced.get(sha);
    return owner ? { subject: sha, text: `blob ${sha} (named by ${owner})` } : { subject: sha, text: `blob ${sha}` };
  };
  for (const [sha, d] of hashed) {
    if (d === null) {
      const l = label(sha);
      problems.push({
        kind: 'blob-missing',
        subject: l.subject,
        message: `${l.text}: its stored file ${sha} could not be read`,
      });
      continue;
    }
    let changed = d.sha256 !== sha;
    if (!changed && allDigests) {
      const item = byItem.get(sha) as { md5: string; sha1: string; size: number } | undefined;
      changed = item !== undefined && (item.md5 !== d.md5 || item.sha1 !== d.sha1 || item.size !== d.size);
    }
    if (changed) {
      const l = label(sha);
      problems.push({
        kind: 'blob-modified',
        subject: l.subject,
        message: `${l.text}: stored bytes changed — SHA-256 is now ${d.sha256}, recorded ${sha}`,
      });
    }
  }
  for (const sha of referenced.keys()) {
    if (hashed.has(sha)) continue;
    const l = label(sha);
    problems.push({
      kind: 'blob-missing',
      subject: l.subject,
      message: `${l.text}: its stored file ${sha} is missing`,
    });
  }
  return problems;
}
