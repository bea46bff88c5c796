/**
 * Crash safety with a real child process: an ingest is SIGKILLed again and again, each time at a moment
 * chosen from its own progress (right after it reports the N-th file stored), never from a clock: with at
 * least a dozen files still to store, the kill lands mid-ingest on an idle machine and on a loaded one
 * alike. Batches are committed while later files are stored, so the kills also fall before, during and
 * after commits. (Kills keyed to the "recorded" count would not mean the same everywhere: a fast machine
 * can commit every file in one batch, leaving no moment between the last commit and the end.) After each
 * kill a fresh ingest must complete, `verify` must pass, every file must be an item exactly once, and no
 * partial blob may be visible.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, digestBuffer, verifyCase } from '@vestige/evidence';
import { cliPath, makeTempDir, seededRandom } from '../support.ts';

const KILLS = 20;
let dir: string;
let src: string;
const expected = new Set<string>();

beforeAll(() => {
  dir = makeTempDir('vestige-crash-');
  src = join(dir, 'exhibit');
  const random = seededRandom(20261123);
  for (let i = 0; i < 240; i++) {
    const size = 4 * (500 + Math.floor(random() * 15_000));
    const buf = Buffer.alloc(size);
    for (let j = 0; j < size; j += 4) buf.writeUInt32LE(Math.floor(random() * 2 ** 32), j);
    const sub = join(src, `folder-${i % 7}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(join(sub, `file-${i}.bin`), buf);
    expected.add(digestBuffer(buf).sha256);
  }
  for (let i = 0; i < 3; i++) {
    const buf = Buffer.alloc(12 * 1024 * 1024, i + 11);
    fs.writeFileSync(join(src, `large-${i}.bin`), buf);
    expected.add(digestBuffer(buf).sha256);
  }
  // A duplicate: must become a second source of one item, never a second item.
  fs.copyFileSync(join(src, 'folder-0', 'file-0.bin'), join(src, 'duplicate-of-file-0.bin'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the ingest printed on stderr, so a failed re-run says why. */
  stderr: string;
  /** The progress line the kill followed, if it was killed. */
  killedAfter?: string;
}

/** When to kill: right after the N-th file is reported stored (read, hashed and copied into tmp/ or blobs/). */
interface KillPoint {
  stored: number;
}

/** Runs `vestige ingest --progress`; with a kill point, SIGKILLs it as soon as its progress passes that point. */
function runIngest(caseDir: string, kill?: KillPoint): Promise<RunEnd> {
  const child = spawn(
    process.execPath,
    [cliPath, 'ingest', src, '--case', caseDir, '--operator', 'PC crash-test', '--json', '--progress'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let killedAfter: string | undefined;
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    if (!kill || killedAfter) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = /^progress stored=(\d+)\//.exec(line);
      if (m && Number(m[1]) >= kill.stored) {
        killedAfter = line;
        child.kill('SIGKILL');
        return;
      }
    }
  });
  return new Promise<RunEnd>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ...(killedAfter ? { killedAfter } : {}) })),
  );
}

describe('ingest crash safety', () => {
  it(`survives ${KILLS} SIGKILLs at moments chosen from its own progress`, async () => {
    const random = seededRandom(7);
    const files = expected.size + 1; // the duplicate is a file too
    for (let round = 0; round < KILLS; round++) {
      const caseDir = join(dir, `case-${round}`);
      spawnSync(process.execPath, [cliPath, 'case', 'init', caseDir, '--operator', 'PC crash-test']);
      // Stop short of the last files so the kill always lands before the ingest could finish.
      const kill: KillPoint = { stored: 1 + Math.floor(random() * (files - 12)) };
      const first = await runIngest(caseDir, kill);
      expect(
        first.signal,
        `round ${round}: not killed at ${JSON.stringify(kill)} (exit ${first.code}):\n${first.stderr.slice(-2000)}`,
      ).toBe('SIGKILL');

      // No partial blob visible after the kill: every file under blobs/ hashes to its own name.
      const store = CaseStore.open(caseDir, { readOnly: true });
      for (const sha of store.blobs.list()) {
        expect(digestBuffer(fs.readFileSync(store.blobs.pathOf(sha))).sha256, `round ${round}: blob ${sha}`).toBe(sha);
      }
      store.close();

      const second = await runIngest(caseDir);
      expect(second.code, `round ${round}: re-run after a kill ${first.killedAfter} failed:\n${second.stderr}`).toBe(0);
      const after = CaseStore.open(caseDir, { readOnly: true });
      try {
        const items = after.items();
        expect(items.length, `round ${round}`).toBe(expected.size);
        expect(new Set(items.map((i) => i.sha256))).toEqual(expected);
        expect(fs.readdirSync(after.blobs.tmpDir)).toEqual([]);
        const report = await verifyCase(after);
        expect(report.problems, `round ${round}`).toEqual([]);
      } finally {
        after.close();
      }
      fs.rmSync(caseDir, { recursive: true, force: true });
    }
  }, 2_400_000); // a hang guard only: 20 kills, each a CLI start and a verify, took over 900 s at load average 40
});
