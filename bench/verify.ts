/**
 * `pnpm bench verify`: `vestige verify` on a case of 100 000 items and 1 000 000 custody events (each item
 * added with its source, and eight annotations each: hashes, category, matches, group, findings, note)
 * against re-hashing the same blobs with coreutils sha256sum, run as a user would at its best (xargs -P,
 * one process per core), in the same run, page cache warm for both. Verify does more than the peer: it also
 * walks and replays the whole chain and compares every row of the case with it. Target: that costs at most
 * 10 % on top of the peer's time (ratio ≤ 1.10). The rounds alternate which runs first.
 * Options: --items N (100000), --annotations N per item (8), --blob-kb N (average blob size, 64), --rounds N (3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaseStore, digestBuffer, writeCaseSummary } from '@vestige/evidence';
import { benchWorkDir, cliPath, seconds, writeResult } from './support.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    annotations: { type: 'string', default: '8' },
    'blob-kb': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
  },
});
const items = Number(values.items);
const perItem = Number(values.annotations);
const blobKb = Number(values['blob-kb']);
const rounds = Number(values.rounds);
const caseDir = join(benchWorkDir, `verify-case-${items}-${perItem}-${blobKb}kb`);
const OPERATOR = 'PC 0000 Bench';

/** Annotation values shaped like the ones the hashing, categorising and vision steps write. */
function annotation(k: number, i: number): [string, unknown] {
  const hex = (n: number, len: number) =>
    (BigInt(n) * 0x9e3779b97f4a7c15n)
      .toString(16)
      .padStart(len, '0')
      .slice(-len)
      .repeat(Math.ceil(len / 16))
      .slice(0, len);
  const values: Array<[string, unknown]> = [
    ['hashing.pdq', { hex: hex(i, 64), quality: 50 + (i % 50), version: 'pdq-1.0', width: 1920, height: 1080 }],
    ['hashing.phash', { hex: hex(i + 1, 16), version: 'phash-1' }],
    ['hashing.dhash', { hex: hex(i + 2, 16), version: 'dhash-1' }],
    [
      'category',
      {
        uk: ['A', 'B', 'C', 'N'][i % 4],
        vics: i % 4 === 3 ? 0 : 1,
        tags: i % 7 === 0 ? ['series-8'] : [],
        by: OPERATOR,
      },
    ],
    [
      'hashing.matches',
      i % 9 === 0
        ? { 'Force set': { version: '2026-11', pdqRadius: 31, matches: [{ kind: 'pdq', distance: i % 31 }] } }
        : {},
    ],
    [
      'hashing.group',
      i % 5 === 0
        ? {
            group: `G-${String(Math.floor(i / 5)).padStart(5, '0')}`,
            representative: `I-${String(i + 1).padStart(6, '0')}`,
            radius: 31,
          }
        : null,
    ],
    [
      'vision.faces',
      {
        count: i % 3,
        model: 'face-detector@1',
        boxes: Array.from({ length: i % 3 }, (_, b) => [b * 10, b * 12, 40, 40]),
      },
    ],
    ['note', { text: `reviewed batch ${Math.floor(i / 1000)}` }],
  ];
  return values[k % values.length]!;
}

/**
 * Builds the case through the real store (the same writes and bound custody events ingest and the
 * annotating steps make); the blob files are written straight into their content addresses, as a
 * finished ingest leaves them, to keep the set-up short.
 */
function buildCase(): void {
  if (fs.existsSync(join(caseDir, '.complete'))) return;
  fs.rmSync(caseDir, { recursive: true, force: true });
  const store = CaseStore.init(caseDir, { operator: OPERATOR, reference: 'BENCH/VERIFY' });
  const buf = Buffer.alloc(blobKb * 2048);
  let seed = 12345;
  const started = process.hrtime.bigint();
  const ingestId = store.beginIngest({ operator: OPERATOR, roots: ['/exhibits/bench'] });
  const summaryItems: Array<{ id: string; sha256: string; size: number }> = [];
  const BATCH = 2000;
  for (let first = 0; first < items; first += BATCH) {
    const batch: Array<{ digests: ReturnType<typeof digestBuffer>; i: number }> = [];
    for (let i = first; i < Math.min(items, first + BATCH); i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = Math.round(blobKb * 1024 * (0.5 + (seed % 1000) / 1000));
      randomFillSync(buf, 0, size);
      const bytes = buf.subarray(0, size);
      const digests = digestBuffer(bytes);
      const dir = join(store.blobs.root, digests.sha256.slice(0, 2));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(join(dir, digests.sha256), bytes, { mode: 0o444 });
      batch.push({ digests, i });
    }
    store.transaction(() => {
      for (const { digests, i } of batch) {
        const name = `IMG_${String(i).padStart(6, '0')}.jpg`;
        const { item } = store.upsertOriginal({
          digests,
          name,
          mediaType: 'image/jpeg',
          metadata: {
            exif: { present: true, Make: 'Acme', Model: 'Phone 1', DateTimeOriginal: '2026-03-14T21:04:11.000Z' },
          },
          operator: OPERATOR,
          ingestId,
        });
        store.addSource({
          itemId: item.id,
          path: `/exhibits/bench/DCIM-${i % 100}/${name}`,
          size: digests.size,
          mtime: '2026-03-14T21:04:11.000Z',
          kind: 'file',
          ingestId,
          operator: OPERATOR,
        });
        for (let k = 0; k < perItem; k++) {
          const [namespace, value] = annotation(k, i);
          store.setAnnotation(item.id, namespace, value, OPERATOR);
        }
        summaryItems.push({ id: item.id, sha256: digests.sha256, size: digests.size });
      }
    });
    if ((first / BATCH) % 10 === 0)
      process.stderr.write(`  building: ${first + batch.length} of ${items} items, ${seconds(started).toFixed(0)} s\n`);
  }
  store.finishIngest(ingestId, OPERATOR, { filesSeen: items, itemsAdded: items });
  writeCaseSummary(caseDir, {
    kind: 'ingest',
    id: ingestId,
    caseId: store.info.id,
    operator: OPERATOR,
    writtenAt: new Date().toISOString(),
    custodyHead: store.custody.head()!,
    items: summaryItems,
  });
  store.database.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  fs.writeFileSync(join(caseDir, '.complete'), 'built\n');
}

/**
 * Runs a shell command and returns its wall time and the CPU seconds of everything it started (bash's
 * `times`): on a machine others are loading, CPU time says more about the work than the wall clock.
 */
function timed(command: string): { seconds: number; cpuSeconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `${command} > "$OUT"; status=$?; times >&2; exit $status`], {
    cwd: caseDir,
    encoding: 'utf8',
    env: { ...process.env, OUT: join(caseDir, '..', 'verify-bench.out') },
    maxBuffer: 1 << 28,
  });
  const wall = seconds(started);
  if (r.status !== 0) throw new Error(`${command} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const children = r.stderr
    .trim()
    .split('\n')
    .at(-1)!
    .match(/(\d+)m([\d.]+)s/g)!
    .map((t) => {
      const [, m, sec] = /(\d+)m([\d.]+)s/.exec(t)!;
      return Number(m) * 60 + Number(sec);
    });
  return {
    seconds: wall,
    cpuSeconds: children[0]! + children[1]!,
    stdout: fs.readFileSync(join(caseDir, '..', 'verify-bench.out'), 'utf8'),
  };
}

/** The peer: sha256sum over every blob, one process per core, as `xargs -P` runs it. */
function runPeer(): { seconds: number; cpuSeconds: number } {
  const cores = execFileSync('nproc').toString().trim();
  return timed(`find blobs -type f -print0 | xargs -0 -P ${cores} -n 2000 sha256sum`);
}

interface VerifyJson {
  ok: boolean;
  eventsChecked: number;
  rowsChecked: number;
  blobsChecked: number;
  bytesChecked: number;
  problems: unknown[];
  phases: { blobsMs: number; chainMs: number };
}

function runVerify(): { seconds: number; cpuSeconds: number; report: VerifyJson } {
  const run = timed(`${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} verify --case . --json`);
  const report = JSON.parse(run.stdout) as VerifyJson;
  if (!report.ok) throw new Error(`verify failed on the bench case: ${JSON.stringify(report.problems).slice(0, 500)}`);
  return { ...run, report };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

buildCase();
console.error('warming the page cache (one untimed pass of each)');
runPeer();
const first = runVerify();
const results: Array<{
  round: number;
  peerSeconds: number;
  peerCpuSeconds: number;
  verifySeconds: number;
  verifyCpuSeconds: number;
  ratio: number;
  cpuRatio: number;
  phases: VerifyJson['phases'];
}> = [];
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? ['peer', 'verify'] : ['verify', 'peer'];
  let peer: ReturnType<typeof runPeer> | undefined;
  let verify: ReturnType<typeof runVerify> | undefined;
  for (const which of order) {
    if (which === 'peer') peer = runPeer();
    else verify = runVerify();
  }
  const r = {
    round,
    peerSeconds: peer!.seconds,
    peerCpuSeconds: peer!.cpuSeconds,
    verifySeconds: verify!.seconds,
    verifyCpuSeconds: verify!.cpuSeconds,
    ratio: verify!.seconds / peer!.seconds,
    cpuRatio: verify!.cpuSeconds / peer!.cpuSeconds,
    phases: verify!.report.phases,
  };
  results.push(r);
  console.error(
    `round ${round}: sha256sum ${r.peerSeconds.toFixed(2)} s (${r.peerCpuSeconds.toFixed(1)} s CPU), verify ${r.verifySeconds.toFixed(2)} s (${r.verifyCpuSeconds.toFixed(1)} s CPU; blobs ${(r.phases.blobsMs / 1000).toFixed(2)} s and chain ${(r.phases.chainMs / 1000).toFixed(2)} s overlapping), ratio ${r.ratio.toFixed(3)} wall, ${r.cpuRatio.toFixed(3)} CPU`,
  );
}
const ratios = results.map((r) => r.ratio);
const path = writeResult('verify', {
  case: {
    items,
    annotationsPerItem: perItem,
    custodyEvents: first.report.eventsChecked,
    rowsCompared: first.report.rowsChecked,
    blobs: first.report.blobsChecked,
    bytes: first.report.bytesChecked,
    averageBlobKb: blobKb,
  },
  peer: 'coreutils sha256sum over every blob (find | xargs -0 -P <cores> -n 2000 sha256sum), page cache warm',
  vestige:
    '`vestige verify --case --json` (process start included): SHA-256 of every blob on worker threads, while the main thread walks, replays and compares 1 M events and every row',
  target: 'verify time ≤ 1.10 × the peer (replaying the chain and comparing the rows cost ≤ 10 % on top)',
  rounds: results,
  bestRatio: Math.min(...ratios),
  medianRatio: median(ratios),
  medianCpuRatio: median(results.map((r) => r.cpuRatio)),
  /**
   * What the replay adds over verify's own hashing: the main thread's chain phase beyond the workers' blob phase (they
   * overlap).
   */
  medianChainOverBlobs: median(results.map((r) => Math.max(0, r.phases.chainMs - r.phases.blobsMs) / r.phases.blobsMs)),
  met: median(ratios) <= 1.1,
  loadAverageAtEnd: loadavg(),
});
console.log(
  `verify / sha256sum: median ${median(ratios).toFixed(3)}, best ${Math.min(...ratios).toFixed(3)} → ${path}`,
);
