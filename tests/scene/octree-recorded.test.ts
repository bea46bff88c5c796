/**
 * The octree builder's bytes, held to hashes recorded from earlier builds: octree.bin, hierarchy.bin,
 * metadata.json and tile-hashes.bin of ten builds that cover one chunk, many chunks with several upper
 * levels, chunks bigger than the merge's 4 MiB batches, both samplers, LAS read on the workers and an
 * empty input. A change to how the build runs (where
 * records wait, which thread merges what) must leave every byte as it was; a change that means to alter
 * the output re-records them with `VESTIGE_RECORD_OCTREE=1` and says why in its commit.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOctree, lasRecordSource, writeLas, type OctreeBuildOptions, type PointChunk } from '@vestige/scene';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';
import { tempDir } from './helpers.ts';

const RECORDED = join(import.meta.dirname, 'octree-recorded-hashes.json');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function* room(points: number, seed: number): AsyncGenerator<PointChunk> {
  yield* syntheticRoom({ points, seed, chunkPoints: 50_000, origin: [512000, 5400000, 31] });
}

type Case = { points: number; seed: number; las?: boolean; options: Partial<OctreeBuildOptions> };
const CASES: Record<string, Case> = {
  'one chunk, grid': { points: 60_000, seed: 3, options: {} },
  'many chunks, grid': { points: 150_000, seed: 7, options: { maxChunkPoints: 20_000, maxLeafPoints: 800 } },
  'many chunks, poisson': {
    points: 150_000,
    seed: 7,
    options: { maxChunkPoints: 20_000, maxLeafPoints: 800, sampling: 'poisson' },
  },
  'deep upper levels, grid': { points: 300_000, seed: 9, options: { maxChunkPoints: 4_000, maxLeafPoints: 500 } },
  'deep upper levels, poisson': {
    points: 300_000,
    seed: 9,
    options: { maxChunkPoints: 4_000, maxLeafPoints: 500, sampling: 'poisson' },
  },
  'LAS on the workers, grid': { points: 200_000, seed: 5, las: true, options: { maxChunkPoints: 10_000 } },
  'default budget, 1 M points': { points: 1_000_000, seed: 11, options: {} },
  'chunks above 4 MiB, grid': { points: 1_500_000, seed: 13, options: { maxChunkPoints: 400_000 } },
  'chunks above 4 MiB, poisson': {
    points: 1_500_000,
    seed: 13,
    options: { maxChunkPoints: 400_000, sampling: 'poisson' },
  },
  empty: { points: 0, seed: 1, options: {} },
};

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

async function hashesOf(name: string, c: Case): Promise<Record<string, string>> {
  const workDir = join(tmp.dir, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(workDir);
  let result;
  if (c.las) {
    const las = join(tmp.dir, `${c.seed}.las`);
    await writeLas(las, room(c.points, c.seed), { scale: 0.001 });
    result = await buildOctree((async function* () {})(), {
      workDir,
      lasSources: [await lasRecordSource(las)],
      workers: 2,
      ...c.options,
    });
  } else {
    result = await buildOctree(c.points > 0 ? room(c.points, c.seed) : (async function* () {})(), {
      workDir,
      workers: 2,
      ...c.options,
    });
  }
  return {
    octree: sha(result.octreePath),
    hierarchy: sha(result.hierarchyPath),
    metadata: sha(result.metadataPath),
    tileHashes: sha(result.tileHashesPath),
  };
}

describe('octree bytes against recorded builds', () => {
  const recording = process.env['VESTIGE_RECORD_OCTREE'] === '1';
  const recorded: Record<string, Record<string, string>> = !recording && existsSync(RECORDED)
    ? JSON.parse(readFileSync(RECORDED, 'utf8'))
    : {};
  const fresh: Record<string, Record<string, string>> = {};
  afterAll(() => {
    if (recording) writeFileSync(RECORDED, `${JSON.stringify(fresh, null, 2)}\n`);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: the same bytes as recorded`, async () => {
      fresh[name] = await hashesOf(name, c);
      if (!recording) expect(fresh[name]).toEqual(recorded[name]);
    }, 120_000);
  }
});
