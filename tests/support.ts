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
    throw new Error(`${what} is required for this test but ${path} does not exist. Install it (see README, "Set-up") — CI installs it in .ci/run.`);
  }
}
