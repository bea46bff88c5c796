import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder per test, removed by the caller's afterEach. */
export function makeTempDir(prefix = 'vestige-test-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** A fixed clock that advances one second per call, so event times are predictable in tests. */
export function steppingClock(start = Date.UTC(2026, 0, 1)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}
