/**
 * The octree build's memory does not grow with the input (issue 19 scope 6): chunk roots go to
 * roots.bin, the merge reads them on the workers and streams every node through the sampling grid with
 * its records on disk, and the write phase copies the upper part one node at a time. The chunks here are
 * leaves (10 000 points, below the 20 000-point leaf size), so every input point is a chunk root: a build
 * that kept the roots, on any thread, would hold the whole input (8 M points: 147 MB more than 1 M).
 * Buffers that are bounded but not full at 1 M (the distribute pass's 16 MiB a worker) still differ; 8 M
 * points leave them far behind what a growing build would add.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface PeakReport {
  points: number;
  chunks: number;
  peakRssBytes: number;
}

function buildInChild(points: number): PeakReport {
  const workDir = join(tmp.dir, `flat-${points}`);
  mkdirSync(workDir);
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'octree-peak-memory.ts'), String(points), workDir],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as PeakReport;
}

describe('octree build memory', () => {
  it('does not grow with the input: 8× the points in 8× the chunks, the same peak', () => {
    const small = buildInChild(1_000_000);
    const large = buildInChild(8_000_000);
    expect(small.points).toBe(1_000_000);
    expect(large.points).toBe(8_000_000);
    expect(large.chunks).toBeGreaterThan(7 * small.chunks);
    console.log(`octree peak: 1 M points ${small.peakRssBytes} bytes, 8 M points ${large.peakRssBytes} bytes`);
    // Measured 20–69 MB apart, and 4 M points peaked no lower than 8 M (the distribute pass fills more of
    // its fixed buffers, more node entries); a build that kept the chunk roots until the merge measured
    // 143 MB apart at 1 M and 4 M points.
    expect(large.peakRssBytes - small.peakRssBytes).toBeLessThan(96 * 2 ** 20);
  }, 240_000);
});
