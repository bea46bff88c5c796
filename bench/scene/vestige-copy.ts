/**
 * Vestige's copy of a scan into a case (hashed and stored under its SHA-256, as `vestige scene build`
 * does before it builds), timed on its own: the scene bench reports it beside the build, which it is
 * not part of. Prints one JSON line: seconds, bytes.
 * Usage: node --import tsx bench/scene/vestige-copy.ts INPUT WORKDIR
 */
import { join } from 'node:path';
import { CaseStore } from '@vestige/evidence';

const [input, workDir] = process.argv.slice(2) as [string, string];
const store = CaseStore.init(join(workDir, 'case'), { operator: 'bench', reference: 'BENCH-COPY' });
try {
  const t0 = process.hrtime.bigint();
  const digests = await store.blobs.putFile(input);
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: digests.size }));
} finally {
  store.close();
}
