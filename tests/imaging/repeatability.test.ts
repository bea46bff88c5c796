import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support.ts';
import { computeHashes } from './repeatability-cases.ts';

describe('repeatable outputs', () => {
  it('every operation and a 10-step recipe give byte-identical PNGs across runs, processes and thread counts', async () => {
    const first = await computeHashes();
    const second = await computeHashes();
    expect(second).toEqual(first);
    // A fresh process, and libvips on one thread instead of one per core.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'tests', 'imaging', 'repeatability-child.ts')],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        maxBuffer: 16 << 20,
        env: { ...process.env, VESTIGE_THREADS: '1' },
      },
    );
    expect(child.status, child.stderr).toBe(0);
    const fromChild = JSON.parse(child.stdout) as Record<string, string>;
    expect(fromChild).toEqual(first);
    // Distinct operations really produced distinct images (no case silently returned its input).
    expect(new Set(Object.values(first)).size).toBe(Object.keys(first).length);
  });
});
