/**
 * The batch evidence job types (issue 16 scope 8) on the embedded queue, on real files: each job's outputs equal
 * what the command or library call a user would otherwise run gives for the same input, so spreading a seizure
 * across farm nodes changes nothing in the evidence.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import { bytesToHex, decodeImage, dHasher, pHasher, pdqHash, perceptualHashJob } from '@vestige/hashing';
import { BullMqQueue, BullMqWorker, JobRegistry, LocalQueue, redisConnection } from '@vestige/jobs';
import { buildScene, loadScene, manifestSha256, sceneBuildJob } from '@vestige/scene';
import { resolveFfmpeg, videoFramesJob } from '@vestige/video';
import { writePly } from '@vestige/samples/scene/formats.ts';
import { cliPath, makeTempDir, seededRandom } from '../support.ts';
import { startRedis } from '../support-redis.ts';

const OPERATOR = 'PC 7 Farm';
let dir: string;
let exhibit: string;
let queue: LocalQueue;

/** A case with the exhibit folder ingested (items I-1 … in walk order, the same in every case made so). */
async function caseWithExhibit(name: string): Promise<string> {
  const caseDir = join(dir, name);
  CaseStore.init(caseDir, { operator: OPERATOR }).close();
  const store = CaseStore.open(caseDir);
  try {
    await ingest(store, [exhibit], { operator: OPERATOR });
  } finally {
    store.close();
  }
  return caseDir;
}

function itemIdOf(caseDir: string, name: string): string {
  const store = CaseStore.open(caseDir, { readOnly: true });
  try {
    return store.items().find((i) => i.name === name)!.id;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dir = makeTempDir('vestige-batch-jobs-');
  exhibit = join(dir, 'exhibit');
  fs.mkdirSync(exhibit);
  // 12 frames of ffmpeg's test pattern (a frame counter in it), GOP 5: I- and P-frames.
  execFileSync(resolveFfmpeg().path, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=96x64:rate=10',
    '-frames:v',
    '12',
    '-c:v',
    'mpeg4',
    '-g',
    '5',
    '-pix_fmt',
    'yuv420p',
    join(exhibit, 'cctv.mp4'),
  ]);
  const random = seededRandom(16);
  for (let k = 0; k < 3; k++) {
    const pixels = Buffer.alloc(64 * 48 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = ((i % 192) * (k + 1) + Math.floor(random() * 64)) & 255;
    await sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } })
      .png()
      .toFile(join(exhibit, `photo-${k}.png`));
  }
  const positions: number[] = [];
  for (let i = 0; i < 3000; i++) positions.push(random() * 4, random() * 3, random() * 2.5);
  writePly(join(exhibit, 'room-scan.ply'), { positions }, { encoding: 'binary_little_endian' });
  queue = new LocalQueue(new JobRegistry().register(videoFramesJob, perceptualHashJob, sceneBuildJob));
});

afterAll(async () => {
  await queue?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('batch evidence job types on the embedded queue', () => {
  it('video.frames stores the same frames, by hash, as `vestige frames` on the same item', async () => {
    const viaJob = await caseWithExhibit('frames-job');
    const viaCli = await caseWithExhibit('frames-cli');
    const itemId = itemIdOf(viaJob, 'cctv.mp4');
    const job = (await queue.waitFor(
      await queue.enqueue('video.frames', {
        caseDir: viaJob,
        itemId,
        operator: OPERATOR,
        selector: 'every',
        params: { every: 2 },
      }),
    )) as {
      decodedFrames: number;
      provenanceId: string | null;
      frames: Array<{ itemId: string; index: number; sha256: string; pixelHash: string }>;
    };
    const cli = JSON.parse(
      execFileSync(
        process.execPath,
        [cliPath, 'frames', itemId, '--case', viaCli, '--operator', OPERATOR, '--every', '2', '--json'],
        { encoding: 'utf8' },
      ),
    ) as typeof job;
    expect(job.decodedFrames).toBe(12);
    expect(job.frames.map((f) => f.index)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(job.frames.map((f) => [f.index, f.sha256, f.pixelHash])).toEqual(
      cli.frames.map((f) => [f.index, f.sha256, f.pixelHash]),
    );
    // The frames are derived items of the case with their provenance, as the command's are.
    const store = CaseStore.open(viaJob, { readOnly: true });
    try {
      expect(job.provenanceId).not.toBeNull();
      for (const f of job.frames) expect(store.item(f.itemId).sha256).toBe(f.sha256);
    } finally {
      store.close();
    }
  });

  it('hashing.perceptual stores, for a batch of items, the PDQ, pHash and dHash the direct calls give', async () => {
    const caseDir = await caseWithExhibit('phash-job');
    const ids = ['photo-0.png', 'photo-2.png'].map((n) => itemIdOf(caseDir, n));
    const result = (await queue.waitFor(
      await queue.enqueue('hashing.perceptual', { caseDir, itemIds: ids, operator: OPERATOR }),
    )) as { images: { hashed: number }; pdq: Record<string, string> };
    expect(result.images.hashed).toBe(2);
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      for (const [k, id] of [
        [0, ids[0]!],
        [2, ids[1]!],
      ] as const) {
        const pixels = await decodeImage(join(exhibit, `photo-${k}.png`), `photo-${k}.png`);
        const annotations = store.annotations(id) as Record<string, { hex: string }>;
        expect(result.pdq[id]).toBe(bytesToHex(pdqHash(pixels).hash));
        expect(annotations['hashing.pdq']!.hex).toBe(bytesToHex(pdqHash(pixels).hash));
        expect(annotations['hashing.phash']!.hex).toBe(bytesToHex(pHasher.hash(pixels).bits));
        expect(annotations['hashing.dhash']!.hex).toBe(bytesToHex(dHasher.hash(pixels).bits));
      }
      // Only the batch: the photo it did not name is not hashed.
      expect(store.annotations(itemIdOf(caseDir, 'photo-1.png'))['hashing.pdq']).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('scene.build from a stored scan writes the manifest, to the hash, that `scene build` of the original file writes', async () => {
    const builtAt = '2026-12-02T08:00:00.000Z';
    const viaJob = await caseWithExhibit('scene-job');
    const direct = await caseWithExhibit('scene-direct');
    const itemId = itemIdOf(viaJob, 'room-scan.ply');
    const job = (await queue.waitFor(
      await queue.enqueue('scene.build', {
        caseDir: viaJob,
        itemIds: [itemId],
        operator: OPERATOR,
        builtAt,
        workers: 1,
      }),
    )) as { sceneId: string; manifestSha256: string; points: number };
    const store = CaseStore.open(direct);
    try {
      const built = await buildScene(store, {
        inputs: [join(exhibit, 'room-scan.ply')],
        operator: OPERATOR,
        now: new Date(builtAt),
        workers: 1,
      });
      expect(job.points).toBe(3000);
      expect(job.sceneId).toBe(built.manifest.id);
      expect(job.manifestSha256).toBe(manifestSha256(built.manifest));
    } finally {
      store.close();
    }
    const stored = CaseStore.open(viaJob, { readOnly: true });
    try {
      const manifest = loadScene(stored, job.sceneId);
      expect(manifestSha256(manifest)).toBe(job.manifestSha256);
      expect(manifest.inputs.map((i) => [i.name, i.itemId])).toEqual([['room-scan.ply', itemId]]);
    } finally {
      stored.close();
    }
  });

  it('a bad payload fails its job with the reason, and the next job runs', async () => {
    const caseDir = await caseWithExhibit('bad-payload');
    // Refused at the edge: the schema names the missing field.
    await expect(queue.enqueue('hashing.perceptual', { caseDir, itemIds: ['I-1'] })).rejects.toMatchObject({
      code: 'E_PARAM_INVALID',
      message: expect.stringContaining('operator'),
    });
    // Valid in shape, wrong for this case: the job fails, final, naming the item.
    const bad = await queue.enqueue(
      'hashing.perceptual',
      { caseDir, itemIds: ['I-999'], operator: OPERATOR },
      { attempts: 3, backoffMs: 10 },
    );
    await expect(queue.waitFor(bad)).rejects.toMatchObject({
      code: 'E_PARAM_INVALID',
      message: expect.stringContaining('item I-999 is not in the case'),
    });
    expect(await queue.get(bad)).toMatchObject({ state: 'failed', attempts: 1 });
    const notScan = await queue.enqueue('video.frames', {
      caseDir,
      itemId: itemIdOf(caseDir, 'photo-0.png'),
      operator: OPERATOR,
    });
    await expect(queue.waitFor(notScan)).rejects.toMatchObject({ code: 'E_INPUT_UNSUPPORTED' });
    const good = await queue.enqueue('hashing.perceptual', {
      caseDir,
      itemIds: [itemIdOf(caseDir, 'photo-1.png')],
      operator: OPERATOR,
    });
    await expect(queue.waitFor(good)).resolves.toMatchObject({ images: { hashed: 1 } });
  });

  it('hashing.perceptual on BullMQ (a real redis-server) stores the same hashes as on the embedded queue', async () => {
    const redis = await startRedis();
    const registry = () => new JobRegistry().register(perceptualHashJob);
    const connection = redisConnection(redis.url);
    const worker = new BullMqWorker(registry(), connection);
    const remote = new BullMqQueue(registry(), connection);
    try {
      await worker.waitUntilReady();
      const [viaRedis, viaLocal] = [await caseWithExhibit('phash-redis'), await caseWithExhibit('phash-local')];
      const ids = ['photo-0.png', 'photo-1.png', 'photo-2.png'].map((n) => itemIdOf(viaRedis, n));
      const a = (await remote.waitFor(
        await remote.enqueue('hashing.perceptual', { caseDir: viaRedis, itemIds: ids, operator: OPERATOR }),
      )) as { pdq: Record<string, string> };
      const b = (await queue.waitFor(
        await queue.enqueue('hashing.perceptual', { caseDir: viaLocal, itemIds: ids, operator: OPERATOR }),
      )) as { pdq: Record<string, string> };
      expect(Object.keys(a.pdq)).toHaveLength(3);
      expect(a.pdq).toEqual(b.pdq);
    } finally {
      await remote.close();
      await worker.close();
      await redis.stop();
    }
  });
});
