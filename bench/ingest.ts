/**
 * `pnpm bench ingest`: Vestige's ingest (MD5 + SHA-1 + SHA-256 in one read, copy into the blob store with
 * fsync, SQLite records, custody events) against coreutils md5sum, sha1sum and sha256sum run one after
 * another over the same files, in the same run, page cache warm for both. Target: ratio ≤ 0.6.
 * Options: --gb N (default 2).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchWorkDir, cliPath, seconds, writeResult } from './support.ts';

const { values } = parseArgs({
  options: { gb: { type: 'string', default: '2' }, rounds: { type: 'string', default: '2' } },
});
const totalBytes = Math.round(Number(values.gb) * 1e9);
const rounds = Number(values.rounds);
const dataDir = join(benchWorkDir, `ingest-data-${values.gb}gb`);

function generate(): { files: string[]; bytes: number } {
  const marker = join(dataDir, '.complete');
  const files: string[] = [];
  let bytes = 0;
  if (!fs.existsSync(marker)) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    // About 15% of the bytes in ~3,000 small files (photos, documents), the rest in 4 large videos.
    const smallBudget = totalBytes * 0.15;
    const buf = Buffer.alloc(64 * 1024 * 1024);
    let small = 0;
    let i = 0;
    let seed = 1;
    while (small < smallBudget) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = 4_096 + (seed % 200_000);
      const dir = join(dataDir, 'phone', `DCIM-${i % 20}`);
      fs.mkdirSync(dir, { recursive: true });
      randomFillSync(buf, 0, size);
      fs.writeFileSync(join(dir, `IMG_${String(i).padStart(5, '0')}.jpg`), buf.subarray(0, size));
      small += size;
      i++;
    }
    const large = (totalBytes - small) / 4;
    fs.mkdirSync(join(dataDir, 'cctv'), { recursive: true });
    for (let k = 0; k < 4; k++) {
      const fd = fs.openSync(join(dataDir, 'cctv', `cam${k}.mp4`), 'w');
      let left = Math.round(large);
      while (left > 0) {
        const n = Math.min(left, buf.length);
        randomFillSync(buf, 0, n);
        fs.writeSync(fd, buf, 0, n);
        left -= n;
      }
      fs.closeSync(fd);
    }
    fs.writeFileSync(marker, 'generated\n');
  }
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = join(d, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        files.push(p);
        bytes += st.size;
      }
    }
  };
  walk(dataDir);
  return { files, bytes };
}

const { files, bytes } = generate();
const listFile = join(benchWorkDir, 'ingest-files.list');
fs.writeFileSync(listFile, files.join('\0') + '\0');
// Warm the page cache for both sides alike.
execFileSync('sh', ['-c', `xargs -0 cat < '${listFile}' > /dev/null`]);

function coreutils(): Record<string, number> {
  const times: Record<string, number> = {};
  for (const tool of ['md5sum', 'sha1sum', 'sha256sum']) {
    const t = process.hrtime.bigint();
    execFileSync('sh', ['-c', `xargs -0 ${tool} < '${listFile}' > /dev/null`]);
    times[tool] = seconds(t);
  }
  times.total = times.md5sum! + times.sha1sum! + times.sha256sum!;
  return times;
}

function vestige(round: number): { seconds: number; itemsAdded: number } {
  const caseDir = join(benchWorkDir, `ingest-case-${round}`);
  fs.rmSync(caseDir, { recursive: true, force: true });
  execFileSync(process.execPath, [cliPath, 'case', 'init', caseDir, '--operator', 'bench']);
  const t = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [cliPath, 'ingest', dataDir, '--case', caseDir, '--operator', 'bench', '--json'],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const elapsed = seconds(t);
  if (r.status !== 0) throw new Error(`vestige ingest failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { itemsAdded: number };
  fs.rmSync(caseDir, { recursive: true, force: true });
  return { seconds: elapsed, itemsAdded: report.itemsAdded };
}

const runs: Array<{ coreutils: Record<string, number>; vestige: { seconds: number; itemsAdded: number } }> = [];
for (let round = 0; round < rounds; round++) {
  // Alternate the order so that neither side always runs on a cooler machine.
  if (round % 2 === 0) runs.push({ coreutils: coreutils(), vestige: vestige(round) });
  else {
    const v = vestige(round);
    runs.push({ coreutils: coreutils(), vestige: v });
  }
  console.error(
    `round ${round + 1}: coreutils ${runs.at(-1)!.coreutils.total!.toFixed(2)} s, vestige ${runs.at(-1)!.vestige.seconds.toFixed(2)} s`,
  );
}
const best = (xs: number[]) => Math.min(...xs);
const coreTotal = best(runs.map((r) => r.coreutils.total!));
const vestigeTotal = best(runs.map((r) => r.vestige.seconds));
const ratio = vestigeTotal / coreTotal;
const path = writeResult('ingest', {
  description:
    'vestige ingest (MD5+SHA-1+SHA-256 in one read, copy to content-addressed store with fsync, SQLite + custody log) vs md5sum, sha1sum, sha256sum run one after another, page cache warm',
  files: files.length,
  bytes,
  rounds: runs,
  bestSeconds: { coreutils: coreTotal, vestige: vestigeTotal },
  vestigeThroughputMBps: bytes / 1e6 / vestigeTotal,
  ratio,
  target: { ratioAtMost: 0.6 },
  pass: ratio <= 0.6,
});
console.log(
  `ingest: ${files.length} files, ${(bytes / 1e9).toFixed(2)} GB — vestige ${vestigeTotal.toFixed(2)} s vs coreutils ${coreTotal.toFixed(2)} s → ratio ${ratio.toFixed(3)} (target ≤ 0.6). ${path}`,
);
