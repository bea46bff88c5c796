/**
 * Bad input to photogrammetry: too few photos, a corrupt photo, photos that do not overlap, COLMAP missing or
 * failing. Each is a typed error carrying the engine's own message where there is one, and the case is left
 * without any scene, reconstruction record or reconstruction provenance.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import { reconstruct, RECONSTRUCTIONS_COLLECTION } from '@vestige/reconstruct';
import { lookAt, renderView, ROOM } from '../../samples/reconstruct/textured-room.ts';
import { cliPath, makeTempDir } from '../support.ts';

let dir: string;
let store: CaseStore;
const ids: Record<string, string> = {};
const now = () => new Date('2026-03-02T09:00:00Z');

async function photo(
  name: string,
  position: [number, number, number],
  target: [number, number, number],
): Promise<string> {
  const camera = lookAt(position, target, { width: 480, height: 360, focal: 420 });
  const file = join(dir, 'photos', name);
  await sharp(renderView(camera, 1), { raw: { width: 480, height: 360, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
  return file;
}

beforeAll(async () => {
  dir = makeTempDir('vestige-reconstruct-bad-');
  mkdirSync(join(dir, 'photos'));
  const c: [number, number, number] = [ROOM.width / 2, ROOM.depth / 2, 1.5];
  // Two photos looking up at opposite walls: nothing in common.
  await photo('east.jpg', [c[0] - 1, c[1], 1.5], [ROOM.width, c[1], 2.2]);
  await photo('west.jpg', [c[0] + 1, c[1], 1.5], [0, c[1], 2.2]);
  const whole = readFileSync(join(dir, 'photos', 'east.jpg'));
  writeFileSync(join(dir, 'photos', 'cut.jpg'), Buffer.concat([whole.subarray(0, Math.floor(whole.length * 0.4))]));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  await ingest(store, [join(dir, 'photos')], { operator: 'PC 1' });
  for (const item of store.items()) ids[item.name] = item.id;
}, 600_000);

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectNothingBuilt(): void {
  expect(store.listRecords('scenes')).toEqual([]);
  expect(store.listRecords(RECONSTRUCTIONS_COLLECTION)).toEqual([]);
  expect(store.provenanceRecords().filter((p) => p.record.activity.startsWith('reconstruct'))).toEqual([]);
}

describe('reconstruct refuses bad input with typed errors and leaves no half-built scene', () => {
  it('one photo', async () => {
    await expect(reconstruct(store, { operator: 'PC 1', now, photos: [ids['east.jpg']!] })).rejects.toMatchObject({
      code: 'E_INPUT_INSUFFICIENT',
      message: expect.stringContaining('Only one usable photo'),
    });
    expectNothingBuilt();
  });

  it('a corrupt photo is named with its reason, and one good photo is not enough', async () => {
    const err = await reconstruct(store, { operator: 'PC 1', now, photos: [ids['east.jpg']!, ids['cut.jpg']!] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_INPUT_INSUFFICIENT', message: expect.stringContaining('cut.jpg') });
    expect((err as { details: { rejected: Array<{ code: string }> } }).details.rejected).toEqual([
      expect.objectContaining({ code: 'E_INPUT_CORRUPT' }),
    ]);
    expectNothingBuilt();
  });

  it('photos with no overlap: COLMAP makes no model, and its own message and the per-photo facts are reported', async () => {
    const err = await reconstruct(store, {
      operator: 'PC 1',
      now,
      photos: [ids['east.jpg']!, ids['west.jpg']!],
      settings: { maxFeatures: 1024 },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('COLMAP made no model');
    expect(err).toMatchObject({ code: 'E_RECONSTRUCTION_FAILED' });
    const images = (err as { details: { images: Record<string, { verifiedPairs: number }> } }).details.images;
    expect(Object.values(images).map((i) => i.verifiedPairs)).toEqual([0, 0]);
    expectNothingBuilt();
  }, 600_000);

  it('COLMAP missing', async () => {
    const saved = process.env.COLMAP_PATH;
    process.env.COLMAP_PATH = join(dir, 'no-such-colmap');
    try {
      await expect(
        reconstruct(store, { operator: 'PC 1', now, photos: [ids['east.jpg']!, ids['west.jpg']!] }),
      ).rejects.toMatchObject({ code: 'E_TOOL_MISSING', hint: expect.stringContaining('apt-get install colmap') });
    } finally {
      if (saved === undefined) delete process.env.COLMAP_PATH;
      else process.env.COLMAP_PATH = saved;
    }
    expectNothingBuilt();
  });

  it('COLMAP failing: its exit status and its own last words come back', async () => {
    // A stand-in that answers -h like COLMAP and then fails the way a crashing COLMAP does (glog fatal line, abort).
    const fake = join(dir, 'failing-colmap');
    writeFileSync(
      fake,
      `#!/bin/sh\nif [ "$1" = "-h" ]; then echo "COLMAP 3.8 -- Structure-from-Motion and Multi-View Stereo"; echo "              (Commit Unknown on Unknown without CUDA)"; exit 0; fi\necho "F0302 10:00:00.000000 1 feature_extraction.cc:250] Check failed: ReadImage(image_path) out of memory" >&2\nexit 134\n`,
    );
    chmodSync(fake, 0o755);
    const saved = process.env.COLMAP_PATH;
    process.env.COLMAP_PATH = fake;
    try {
      await expect(
        reconstruct(store, { operator: 'PC 1', now, photos: [ids['east.jpg']!, ids['west.jpg']!] }),
      ).rejects.toMatchObject({
        code: 'E_TOOL_FAILED',
        message: expect.stringMatching(/feature_extractor exited with code 134: .*Check failed: ReadImage/),
      });
    } finally {
      if (saved === undefined) delete process.env.COLMAP_PATH;
      else process.env.COLMAP_PATH = saved;
    }
    expectNothingBuilt();
  });

  it('through the CLI: exit code 1 and the typed error with its hint, nothing built', () => {
    const r = spawnSync(
      process.execPath,
      [cliPath, 'reconstruct', ids['east.jpg']!, '--case', store.dir, '--operator', 'PC 1'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_INPUT_INSUFFICIENT');
    expect(r.stderr).toContain('at least three photos');
    expectNothingBuilt();
  });

  it('vestige doctor says whether COLMAP is there and whether it can do dense stereo', () => {
    const r = spawnSync(process.execPath, [cliPath, 'doctor', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout) as {
      colmap: { available: boolean; dense: boolean; identity: { version: string; build: string } };
      checks: Array<{ name: string }>;
    };
    expect(report.colmap.available).toBe(true);
    expect(report.colmap.identity.version).toMatch(/^\d+\.\d+/);
    expect(report.colmap.dense).toBe(/with CUDA/.test(report.colmap.identity.build));
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['COLMAP (photogrammetry)', 'dense stereo (COLMAP CUDA)']),
    );
  });
});
