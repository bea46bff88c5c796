import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = join(repoRoot, 'packages', 'cli', 'bin', 'vestige.mjs');

export function makeTempDir(prefix = 'vestige-test-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** In CI a missing system tool is a failure; on a developer machine the test says what to install. */
export function requireTool(path: string, what: string): void {
  if (!fs.existsSync(path)) {
    throw new Error(`${what} is required for this test but ${path} does not exist. Install it (see README, "Set-up") — CI installs it in .ci/run.`);
  }
}
