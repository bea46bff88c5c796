/**
 * Triage as jobs on the local queue and on BullMQ: scores recorded per item, a review order, bad input named, similar
 * images found.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, verifyCase, type Item } from '@vestige/evidence';
import { hashCaseImages } from '@vestige/hashing';
import { BullMqQueue, BullMqWorker, JobRegistry, LocalQueue, redisConnection } from '@vestige/jobs';
import { resolveFfmpeg } from '@vestige/video';
import {
  VISION_ANNOTATION,
  VISION_RECORDS,
  decodeForModel,
  decodeVectorFile,
  similarItems,
  triageCase,
  triageJob,
  type ReviewOrder,
  type TriageAnnotation,
  type TriageCaseReport,
} from '@vestige/vision';
import { generateFaceClip } from '@vestige/samples/vision/generate.ts';
import { makeTempDir } from '../support.ts';
import { startRedis, type RedisForTest } from '../support-redis.ts';
import { LABELLED_FACES, visionFixtures, closeCase } from './fixtures.ts';

const dir = makeTempDir('vestige-triage-');
const exhibit = join(dir, 'exhibit');
let store: CaseStore;
let report: TriageCaseReport;
const ids = new Map<string, string>();
const registry = () => new JobRegistry().register(triageJob);

beforeAll(async () => {
  fs.mkdirSync(exhibit);
  for (const f of Object.keys(LABELLED_FACES)) fs.copyFileSync(join(visionFixtures, f), join(exhibit, f));
  const jpeg = fs.readFileSync(join(visionFixtures, 'astronaut.jpg'));
  fs.writeFileSync(join(exhibit, 'damaged.jpg'), jpeg.subarray(0, 3000));
  await generateFaceClip(exhibit, { frames: 25 });
  // A recording cut off after its header: the track is declared, no frame was written.
  const ffmpeg = resolveFfmpeg().path;
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=64x64:rate=25',
    '-frames:v',
    '5',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    '-y',
    join(dir, 'five.mp4'),
  ]);
  const five = fs.readFileSync(join(dir, 'five.mp4'));
  fs.writeFileSync(join(exhibit, 'no-frames.mp4'), five.subarray(0, five.indexOf('mdat') + 4));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  for (const f of (await ingest(store, [exhibit], { operator: 'PC 1' })).files)
    ids.set(f.path.split('/').pop()!, f.itemId);
  const queue = new LocalQueue(registry(), { concurrency: 2 });
  report = await triageCase(store, { operator: 'PC 1', queue, batchSize: 3, framesPerVideo: 4 });
  await queue.close();
}, 900_000);

afterAll(() => closeCase(store, dir));

const triageOf = (file: string) => store.annotations(ids.get(file)!)[VISION_ANNOTATION.triage] as TriageAnnotation;

describe('triage', () => {
  it('scores every image and video as jobs and records scores, model, backend and the input pixels’ hash per item', async () => {
    expect(report).toMatchObject({ items: 8, scored: 6, cached: 0 });
    const a = triageOf('astronaut.jpg');
    expect(a.model).toMatchObject({
      id: 'nsfwjs-mobilenet-v2',
      version: '4.4.0+vestige.1',
      files: { topology: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(a.backend).toMatchObject({ backend: 'wasm', simd: true, tfjs: '4.22.0' });
    expect(Object.keys(a.scores!)).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    expect(a.priority).toBeCloseTo(a.scores!.hentai! + a.scores!.porn! + a.scores!.sexy!, 5);
    expect(a.notice).toMatch(/proposes; a person decides/);
    // The recorded hash is of exactly the pixels the model saw: decode the stored file the same way and compare.
    const item = store.item(ids.get('astronaut.jpg')!);
    const again = await decodeForModel(
      await store.blobs.read(item.sha256),
      { kind: 'fill', width: 224, height: 224 },
      item.id,
    );
    expect(a.input).toEqual({ width: 512, height: 512, format: 'jpeg', pixelsSha256: again.pixelsSha256 });
    const video = triageOf('moving-face.mp4');
    expect(video.frames).toHaveLength(4);
    expect(video.priority).toBe(Math.max(...video.frames!.map((f) => f.priority)));
    // Embeddings live in vector files stored as derived items whose provenance names the model and backend.
    const vectors = store.item(a.embeddings!.itemId);
    expect(vectors).toMatchObject({ kind: 'derived', mediaType: 'application/x-vestige-vectors' });
    const steps = store.provenance(vectors.provenanceId!).steps;
    expect(steps.at(-1)).toMatchObject({
      operation: 'vision.classify',
      parameters: { backend: { backend: 'wasm', simd: true } },
    });
    expect(decodeVectorFile(await store.blobs.read(vectors.sha256), vectors.id).header.dims).toBe(1280);
    expect((await verifyCase(store)).ok).toBe(true);
  });

  it('names the damaged image and the video with no frames with typed errors, and scores the rest', () => {
    expect(report.failed).toEqual(
      expect.arrayContaining([
        {
          itemId: ids.get('damaged.jpg'),
          code: 'E_INPUT_CORRUPT',
          message: expect.stringContaining(`${ids.get('damaged.jpg')} (damaged.jpg)`),
        },
        {
          itemId: ids.get('no-frames.mp4'),
          code: 'E_INPUT_EMPTY',
          message: expect.stringContaining(
            `${ids.get('no-frames.mp4')} (no-frames.mp4) has a h264 video stream but no frame`,
          ),
        },
      ]),
    );
    expect(report.failed).toHaveLength(2);
  });

  it('records a review order, highest priority first, that categorises nothing', () => {
    const order = store.getRecord<ReviewOrder>(VISION_RECORDS.triage, 'review-order')!;
    expect(order.order).toHaveLength(6);
    expect(order.order.map((o) => o.priority)).toEqual([...order.order.map((o) => o.priority)].sort((a, b) => b - a));
    expect(order.notScored.map((n) => n.itemId).sort()).toEqual(
      [ids.get('damaged.jpg'), ids.get('no-frames.mp4')].sort(),
    );
    expect(store.annotated('hashing.category')).toEqual([]);
    expect([...store.custody.events()].some((e) => e.action === 'vision.review-order')).toBe(true);
  });

  it('skips items already scored with the same model, backend and input (the cache key includes the backend)', async () => {
    const before = [...store.custody.events()].length;
    const queue = new LocalQueue(registry(), { concurrency: 2 });
    const again = await triageCase(store, { operator: 'PC 1', queue, batchSize: 3, framesPerVideo: 4 });
    await queue.close();
    expect(again).toMatchObject({ scored: 0, cached: 6 });
    // Only the two failures were tried again (and recorded again), plus the review order.
    expect([...store.custody.events()].length - before).toBe(3);
  });

  it('finds similar images by exact cosine over the stored embeddings, beside PDQ near-duplicates', async () => {
    await hashCaseImages(store, { operator: 'PC 1' });
    const r = await similarItems(store, ids.get('astronaut.jpg')!, { top: 3 });
    expect(r.visual).toHaveLength(3);
    expect(r.visual.map((h) => h.similarity)).toEqual([...r.visual.map((h) => h.similarity)].sort((a, b) => b - a));
    expect(r.pdq).toEqual([]);
    // Exact: the best hit's score is the cosine of the two stored vectors.
    const vectorOf = async (itemId: string) => {
      const a = store.annotations(itemId)[VISION_ANNOTATION.triage] as TriageAnnotation;
      const file = decodeVectorFile(await store.blobs.read(a.embeddings!.sha256), a.embeddings!.itemId);
      return a.embeddings!.rows.map((row) => file.vector(row));
    };
    const [q] = await vectorOf(ids.get('astronaut.jpg')!);
    const best = r.visual[0]!;
    const candidates = await vectorOf(best.itemId);
    const cos = (x: Float32Array, y: Float32Array) =>
      x.reduce((s, v, i) => s + v * y[i]!, 0) /
      Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
    expect(best.similarity).toBeCloseTo(Math.max(...candidates.map((c) => cos(q!, c))), 5);
  });
});

describe('triage on BullMQ', () => {
  let redis: RedisForTest;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('gives the same scores when the jobs run on a worker node', async () => {
    const connection = redisConnection(redis.url);
    const worker = new BullMqWorker(registry(), connection, { concurrency: 2 });
    await worker.waitUntilReady();
    const queue = new BullMqQueue(registry(), connection);
    const remote = CaseStore.init(join(dir, 'remote'), { operator: 'PC 1' });
    try {
      await ingest(
        remote,
        [join(exhibit, 'astronaut.jpg'), join(exhibit, 'chelsea.jpg'), join(exhibit, 'coffee.jpg')],
        { operator: 'PC 1' },
      );
      const r = await triageCase(remote, { operator: 'PC 2', queue, batchSize: 2 });
      expect(r).toMatchObject({ items: 3, scored: 3, failed: [] });
      for (const { item, value } of remote.annotated(VISION_ANNOTATION.triage) as Array<{
        item: Item;
        value: TriageAnnotation;
      }>) {
        const local = store.itemsBySha256(item.sha256)[0]!;
        const mine = store.annotations(local.id)[VISION_ANNOTATION.triage] as TriageAnnotation;
        expect({ scores: value.scores, cacheKey: value.cacheKey, input: value.input }).toEqual({
          scores: mine.scores,
          cacheKey: mine.cacheKey,
          input: mine.input,
        });
      }
    } finally {
      remote.close();
      await queue.close();
      await worker.close();
    }
  }, 600_000);
});
