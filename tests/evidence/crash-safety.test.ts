/**
 * Crash safety with a real child process: an ingest is SIGKILLed at a random moment, again and again.
 * After each kill a fresh ingest must complete, `verify` must pass, every file must be an item exactly
 * once, and no partial blob may be visible.
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
}

function runIngest(caseDir: string): Promise<RunEnd> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [cliPath, 'ingest', src, '--case', caseDir, '--operator', 'PC crash-test', '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<RunEnd>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return Object.assign(done, { child });
}

describe('ingest crash safety', () => {
  it(`survives ${KILLS} SIGKILLs at random moments`, async () => {
    const random = seededRandom(7);
    // Time one complete ingest to spread the kills over its whole length.
    const timingCase = join(dir, 'timing-case');
    spawnSync(process.execPath, [cliPath, 'case', 'init', timingCase, '--operator', 'PC crash-test']);
    const t0 = Date.now();
    await runIngest(timingCase);
    const fullMs = Date.now() - t0;

    const killedAt: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const caseDir = join(dir, `case-${round}`);
      spawnSync(process.execPath, [cliPath, 'case', 'init', caseDir, '--operator', 'PC crash-test']);
      const delay = Math.floor(random() * fullMs);
      const run = runIngest(caseDir);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
      const first = await run;
      clearTimeout(timer);
      if (first.signal === 'SIGKILL') killedAt.push(delay);

      // No partial blob visible after the kill: every file under blobs/ hashes to its own name.
      const store = CaseStore.open(caseDir, { readOnly: true });
      for (const sha of store.blobs.list()) {
        expect(digestBuffer(fs.readFileSync(store.blobs.pathOf(sha))).sha256, `round ${round}: blob ${sha}`).toBe(sha);
      }
      store.close();

      const second = await runIngest(caseDir);
      expect(second.code, `round ${round}: re-run after kill at ${delay} ms failed:\n${second.stderr}`).toBe(0);
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
    // The kills must really have landed mid-ingest for the test to mean anything.
    expect(killedAt.length).toBeGreaterThanOrEqual(KILLS * 0.75);
  }, 900_000);
});
