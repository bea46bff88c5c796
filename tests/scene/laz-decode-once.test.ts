import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOctree, lazRecordSource } from '@vestige/scene';
import { LAS_FORMATS_DIR, STREAM_CHUNK_POINTS } from './las-format-fixtures.ts';
import { repeatLazChunk } from './laz-repeat.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('octree build from LAZ', () => {
  // The build needs two passes over the points (count, then distribute into chunks): the first decodes
  // each LAZ chunk into a spill of raw records and counts it; the second reads the spill. Decoding is the
  // expensive part of LAZ input (PotreeConverter decodes twice), so it must happen once per chunk.
  it('decodes every LAZ chunk exactly once, also when wrong stated bounds make it count the points again', async () => {
    const laz = join(tmp.dir, 'four-chunks.laz');
    await repeatLazChunk(join(LAS_FORMATS_DIR, 'stream-chunk-pf0.laz'), laz, 4);
    const source = (await lazRecordSource(laz))!;
    expect(source.laz!.chunks).toHaveLength(4);
    const build = async (
      name: string,
      statedBounds?: { min: [number, number, number]; max: [number, number, number] },
    ) => {
      const workDir = join(tmp.dir, name);
      mkdirSync(workDir);
      return buildOctree((async function* () {})(), {
        workDir,
        lasSources: [(await lazRecordSource(laz))!],
        workers: 2,
        maxLeafPoints: 5_000,
        ...(statedBounds ? { statedBounds } : {}),
      });
    };
    const plain = await build('plain');
    expect(plain.points).toBe(4 * STREAM_CHUNK_POINTS);
    expect(plain.stats.lazChunksDecoded).toBe(4);
    // Bounds of a centimetre where the points span metres: the stated cube is dropped and the points
    // counted again over their true extent (from the spill).
    const { min } = plain.bounds;
    const short = await build('short', {
      min: [min[0], min[1], min[2]],
      max: [min[0] + 0.01, min[1] + 0.01, min[2] + 0.01],
    });
    expect(short.points).toBe(4 * STREAM_CHUNK_POINTS);
    expect(short.bounds).toEqual(plain.bounds);
    expect(short.stats.lazChunksDecoded).toBe(4);
  }, 300_000);
});
