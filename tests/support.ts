export { seededRandom } from '@vestige/evidence';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = join(repoRoot, 'packages', 'cli', 'bin', 'vestige.mjs');

export function makeTempDir(prefix = 'vestige-test-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** In CI a missing system tool is a failure; on a developer machine the test says what to install. */
export function requireTool(path: string, what: string): void {
  if (!fs.existsSync(path)) {
    throw new Error(
      `${what} is required for this test but ${path} does not exist. Install it (see README, "Set-up") — CI installs it in .ci/run.`,
    );
  }
}

/**
 * Runs `work` while holding a lock file that other test workers (separate processes) wait on. The lock
 * holds the holder's pid: a lock whose process is gone is taken over, however long it was held, and a
 * live holder is waited for, however long it takes. (An age limit would break a slow build on a
 * loaded machine, or take the lock from a holder that is still working.)
 */
export function withWorkerLock<T>(lock: string, work: () => T): T {
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = Number.NaN;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8') || 'NaN');
      } catch (readErr) {
        // A folder left by an older test run's lock, or a lock released meanwhile.
        if ((readErr as NodeJS.ErrnoException).code === 'EISDIR') fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) fs.rmSync(lock, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // poll the holder's state
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
