import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAS_FORMATS_DIR, STREAM_CHUNK_POINTS } from './las-format-fixtures.ts';
import { repeatLazChunk } from './laz-repeat.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface PeakReport {
  points: number;
  min: number[];
  max: number[];
  peakRssBytes: number;
}

/** Reads a LAZ file in a fresh process (collecting garbage after each chunk, so the peak is what the reader keeps). */
function readInChild(path: string): PeakReport {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'laz-peak-memory.ts'), path],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as PeakReport;
}

describe('LAZ streaming', () => {
  it('reads 1.5 M and 10.5 M points (5 and 35 MB compressed) chunk by chunk with the same peak memory', async () => {
    const template = join(LAS_FORMATS_DIR, 'stream-chunk-pf0.laz');
    const small = join(tmp.dir, 'small.laz');
    const large = join(tmp.dir, 'large.laz');
    const s = await repeatLazChunk(template, small, 30);
    const l = await repeatLazChunk(template, large, 210);
    const a = readInChild(small);
    const b = readInChild(large);
    expect(a.points).toBe(30 * STREAM_CHUNK_POINTS);
    expect(b.points).toBe(210 * STREAM_CHUNK_POINTS);
    expect(b.min).toEqual(a.min);
    expect(b.max).toEqual(a.max);
    // The large file holds 9 M more points (300 MB decoded) and 30 MB more compressed bytes than the
    // small one; a reader that kept either would show it. Measured: within 5 MB of each other.
    expect(l.bytes - s.bytes).toBeGreaterThan(28 * 2 ** 20);
    expect(Math.abs(b.peakRssBytes - a.peakRssBytes)).toBeLessThan(20 * 2 ** 20);
  }, 600_000);
});
