import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { CASE_MARKER } from './case-store.ts';
import { readCaseSummaries } from './case-summaries.ts';
import { FileWorkerPool } from './file-worker-pool.ts';
import type { VerifyProblem, VerifyReport } from './verify.ts';

/**
 * Verifies what can still be verified when case.sqlite cannot be read: every blob that an ingest or
 * export summary names is re-hashed against its address. The report always fails (the database is
 * damaged) and lists what else is wrong.
 */
export async function verifyDamagedCase(
  dirArg: string,
  reason: string,
  options: { workers?: number } = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const dir = resolve(dirArg);
  const problems: VerifyProblem[] = [
    {
      kind: 'case-database-corrupt',
      subject: join(dir, 'case.sqlite'),
      message: `case.sqlite cannot be read (${reason}); only the stored files named by the case's summaries were checked`,
    },
  ];
  let caseId = '';
  try {
    caseId = (JSON.parse(fs.readFileSync(join(dir, CASE_MARKER), 'utf8')) as { id?: string }).id ?? '';
  } catch {
    /* the marker is not needed to check blobs */
  }
  const expected = new Map<string, string>();
  const summaries = readCaseSummaries(dir);
  for (const s of summaries) {
    if (s.error !== undefined)
      problems.push({
        kind: 'summary-invalid',
        subject: s.path,
        message: `summary ${s.path} cannot be read: ${s.error}`,
      });
    else for (const item of s.summary.items) if (!expected.has(item.sha256)) expected.set(item.sha256, item.id);
  }
  const pool = new FileWorkerPool(options.workers);
  let bytes = 0;
  try {
    const addresses = [...expected.keys()];
    const results = await pool.hashAddresses(
      addresses.map((sha) => join(dir, 'blobs', 'sha256', sha.slice(0, 2), sha)),
    );
    results.forEach((r, i) => {
      const sha = addresses[i]!;
      const id = expected.get(sha)!;
      if (r.error)
        problems.push({
          kind: 'blob-missing',
          subject: id,
          message: `item ${id}: its stored file ${sha} is missing or unreadable`,
        });
      else {
        bytes += r.size;
        if (r.sha256 !== sha)
          problems.push({
            kind: 'blob-modified',
            subject: id,
            message: `item ${id}: stored bytes changed — SHA-256 is now ${r.sha256}, recorded ${sha}`,
          });
      }
    });
  } finally {
    await pool.close();
  }
  const last = summaries.filter((s) => s.summary).pop()?.summary?.custodyHead;
  return {
    ok: false,
    caseId,
    caseFormat: 0,
    itemsChecked: expected.size,
    blobsChecked: expected.size,
    bytesChecked: bytes,
    eventsChecked: 0,
    rowsChecked: 0,
    provenanceChecked: 0,
    custodyHead: last,
    anchors: [],
    problems,
    unreferencedBlobs: 0,
    digests: 'sha256',
    elapsedMs: Math.round(performance.now() - started),
    phases: { blobsMs: Math.round(performance.now() - started), chainMs: 0 },
  };
}
