/**
 * Frame-accurate extraction: every selector on generated videos whose frame index is written in the pixels. Each
 * stored PNG is read back and its code band must name the frame the record says it is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, isVestigeError, type ErrorCode } from '@vestige/evidence';
import {
  extractFrames,
  ffmpegFeatures,
  passthroughArgs,
  PNG_ENCODER_ARGS,
  probeVideo,
  resolveFfmpeg,
  type ExtractFramesReport,
} from '@vestige/video';
import { makeTempDir } from '../support.ts';
import { pngFrameIndex, readPng } from './png.ts';
import { videoSamples } from './samples.ts';

let store: CaseStore;
const ids: Record<string, string> = {};
const operator = 'DC 4711 Test';

beforeAll(async () => {
  const s = videoSamples();
  store = CaseStore.init(join(makeTempDir('vestige-frames-'), 'case'), { operator, reference: 'OP-TEST' });
  const files = {
    cfr: s.cfr.file,
    vfr: s.vfr.file,
    lying: s.lyingCount.file,
    tenBit: s.tenBit.file,
    truncated: s.truncated,
    audio: s.audioOnly,
    noVideo: s.noVideo,
    unknown: s.unknownCodec,
    notVideo: s.notVideo,
    dups: s.duplicates.file,
  };
  const report = await ingest(store, Object.values(files), { operator, workers: 1 });
  for (const [key, path] of Object.entries(files)) ids[key] = report.files.find((f) => f.path === path)!.itemId;
});

afterAll(() => store?.close());

const seq = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

async function check(
  report: ExtractFramesReport,
  expected: number[],
  timeOf: (n: number) => { num: number; den: number },
) {
  expect(report.frames.map((f) => f.index)).toEqual(expected);
  for (const f of report.frames) {
    const t = timeOf(f.index);
    expect(f.seconds).toBe(t.num / t.den);
    const [num, den] = f.time!.split('/').map(Number);
    expect(num! * t.den).toBe(t.num * den!);
    // The pixels of the stored PNG carry the frame's true index.
    expect(pngFrameIndex(await store.blobs.read(f.sha256))).toBe(f.index);
    const item = store.item(f.itemId);
    expect(item.kind).toBe('derived');
    expect(item.mediaType).toBe('image/png');
    expect(item.metadata).toMatchObject({
      kind: 'video-frame',
      frameIndex: f.index,
      sourceSha256: store.item(report.source.itemId).sha256,
      pictType: f.pictType,
      time: f.time,
      seconds: f.seconds,
    });
  }
}

describe('extractFrames on CFR H.264 with B-frames and open GOP', () => {
  const cfr = () => videoSamples().cfr;
  const run = (selector: string, params: unknown = {}) =>
    extractFrames(store, ids.cfr!, { selector, params }, { operator });

  it('all', async () => {
    const r = await run('all');
    await check(r, seq(0, 71), cfr().ptsOf);
    expect(r.frames.filter((f) => f.pictType === 'I').map((f) => f.index)).toEqual(cfr().iFrames);
    expect(r.warnings).toEqual([]);
    const prov = store.provenance(r.provenanceId!);
    expect(prov.activity).toBe('video.extract-frames');
    expect(prov.inputs).toEqual([{ sha256: store.item(ids.cfr!).sha256, itemId: ids.cfr, role: 'source' }]);
    expect(prov.outputs).toHaveLength(72);
    expect(prov.software.libraries.ffmpeg).toBeTruthy();
    expect(prov.steps[0]!.description).toMatch(/Every decoded frame/);
  });

  it('every Nth', async () => await check(await run('every', { every: 10, start: 3 }), seq(3, 63, 10), cfr().ptsOf));
  it('frame index range', async () => await check(await run('range', { from: 20, to: 29 }), seq(20, 29), cfr().ptsOf));
  it('time range (bounds exact, inclusive)', async () =>
    await check(await run('time-range', { from: '0.4', to: '0.8' }), seq(10, 20), cfr().ptsOf));

  it('list of instants: the frame on screen at each', async () => {
    const r = await run('at-times', { times: ['0', '0.05', '1', '00:00:02.879'] });
    await check(r, [0, 1, 25, 71], cfr().ptsOf);
  });

  it('I-frames only', async () => await check(await run('iframes'), [...cfr().iFrames!], cfr().ptsOf));
  it('scene changes', async () =>
    await check(await run('scene', { threshold: 0.3 }), [0, ...cfr().sceneCuts!], cfr().ptsOf));

  it('sharpest frame per window', async () => {
    const r = await run('sharpest', { frames: 10 });
    const idx = r.frames.map((f) => f.index);
    expect(idx.slice(0, 7)).toEqual(cfr().sharpFrames);
    expect([70, 71]).toContain(idx[7]);
    await check(r, idx, cfr().ptsOf);
    expect(r.frames[0]!.details!['sharpness']).toBeGreaterThan(0);
  });

  it('repeatable: the same frames twice give the same bytes, pixel hashes and items', async () => {
    const a = await run('range', { from: 40, to: 44 });
    const b = await run('range', { from: 40, to: 44 });
    expect(b.frames.map((f) => [f.sha256, f.pixelHash, f.itemId])).toEqual(
      a.frames.map((f) => [f.sha256, f.pixelHash, f.itemId]),
    );
  });

  it('each PNG holds exactly the pixels ffmpeg decodes for its frame (lossless, whatever filter and level encode it)', async () => {
    const r = await run('range', { from: 10, to: 12 });
    expect(store.provenance(r.provenanceId!).steps[1]!.parameters).toMatchObject({
      pngEncoderArgs: [...PNG_ENCODER_ARGS],
    });
    const ffmpeg = resolveFfmpeg();
    for (const f of r.frames) {
      const reference = execFileSync(
        ffmpeg.path,
        [
          '-v',
          'error',
          '-i',
          cfr().file,
          '-vf',
          `select=eq(n\\,${f.index})`,
          ...passthroughArgs(ffmpegFeatures(ffmpeg)),
          '-frames:v',
          '1',
          '-f',
          'rawvideo',
          '-pix_fmt',
          'rgb24',
          '-',
        ],
        { maxBuffer: 1 << 26 },
      );
      const png = readPng(await store.blobs.read(f.sha256));
      expect(png.channels * png.bitDepth).toBe(24);
      expect(png.data.equals(reference)).toBe(true);
    }
  });

  it('pixel hashes agree with the probe (ffmpeg framehash)', async () => {
    const r = await run('range', { from: 0, to: 5 });
    const probe = await probeVideo(cfr().file, { frames: true });
    expect(r.frames.map((f) => f.pixelHash)).toEqual(probe.video[0]!.frames!.slice(0, 6).map((f) => f.pixelHash));
  });

  it('rejects bad selector parameters with E_PARAM_INVALID before touching the case', async () => {
    await expect(run('every', { every: 0 })).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_PARAM_INVALID'));
    await expect(run('nonsense')).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_PARAM_INVALID'));
    await expect(run('time-range', { from: '2', to: '1' })).rejects.toSatisfy((e: unknown) =>
      isVestigeError(e, 'E_PARAM_INVALID'),
    );
  });
});

describe('extractFrames on variable frame rate video', () => {
  const vfr = () => videoSamples().vfr;
  const run = (selector: string, params: unknown = {}) =>
    extractFrames(store, ids.vfr!, { selector, params }, { operator });

  it('all frames, each once, with the irregular timestamps', async () =>
    await check(await run('all'), seq(0, 59), vfr().ptsOf));
  it('time range', async () =>
    await check(await run('time-range', { from: '0.3', to: '0.7' }), seq(7, 14), vfr().ptsOf));
  it('instants fall in the gaps correctly', async () =>
    await check(await run('at-times', { times: ['0.3', '0.68', '0.679'] }), [6, 13, 14], vfr().ptsOf));
  it('every Nth counts frames, not time', async () =>
    await check(await run('every', { every: 7 }), seq(0, 56, 7), vfr().ptsOf));
  it('sharpest per window in seconds', async () => {
    const r = await run('sharpest', { seconds: 1 });
    // Windows [0,1), [1,2), [2,3) s of presentation time: one frame from each.
    expect(r.frames).toHaveLength(3);
    expect(r.frames.map((f) => Math.floor(f.seconds!))).toEqual([0, 1, 2]);
  });
});

describe('extractFrames on awkward files', () => {
  it('a header that lies about the frame count: the real frames, all of them', async () => {
    const r = await extractFrames(store, ids.lying!, { selector: 'all' }, { operator });
    await check(r, seq(0, 49), videoSamples().lyingCount.ptsOf);
  });

  it('10-bit source gives 16-bit PNGs', async () => {
    const r = await extractFrames(store, ids.tenBit!, { selector: 'range', params: { from: 0, to: 2 } }, { operator });
    await check(r, [0, 1, 2], videoSamples().tenBit.ptsOf);
    const png = readPng(await store.blobs.read(r.frames[0]!.sha256));
    expect(png.bitDepth).toBe(16);
    expect(store.item(r.frames[0]!.itemId).metadata['pngPixelFormat']).toBe('rgb48be');
  });

  it('duplicate frames are still separate frames with their own index and time', async () => {
    const r = await extractFrames(store, ids.dups!, { selector: 'range', params: { from: 9, to: 15 } }, { operator });
    expect(r.frames.map((f) => f.index)).toEqual(seq(9, 15));
    expect(new Set(r.frames.slice(1, 6).map((f) => f.pixelHash)).size).toBe(1);
  });

  it('a truncated file keeps the frames before the damage and says where decoding failed', async () => {
    const r = await extractFrames(store, ids.truncated!, { selector: 'all' }, { operator });
    expect(r.damaged).toBe(true);
    expect(r.frames.length).toBeGreaterThan(30);
    expect(r.frames.length).toBeLessThan(72);
    expect(r.frames.map((f) => f.index)).toEqual(seq(0, r.frames.length - 1));
    for (const f of r.frames.slice(0, 30)) expect(pngFrameIndex(await store.blobs.read(f.sha256))).toBe(f.index);
    expect(r.warnings[0]).toMatch(/decoding failed after frame \d+ \(pts \d+, [\d/]+ s\), near byte offset \d+/);
  });

  it('a source whose stored copy no longer matches its SHA-256 is refused with E_BLOB_CORRUPT, nothing recorded', async () => {
    const own = CaseStore.init(join(makeTempDir('vestige-frames-tamper-'), 'case'), { operator });
    try {
      const [file] = (await ingest(own, [videoSamples().cfr.file], { operator, workers: 1 })).files;
      const blob = own.blobs.pathOf(own.item(file!.itemId!).sha256);
      fs.chmodSync(blob, 0o644);
      const bytes = fs.readFileSync(blob);
      bytes[bytes.length >> 1]! ^= 0x01;
      fs.writeFileSync(blob, bytes);
      const items = own.itemCount();
      await expect(extractFrames(own, file!.itemId!, { selector: 'all' }, { operator })).rejects.toSatisfy(
        (e: unknown) => isVestigeError(e, 'E_BLOB_CORRUPT'),
      );
      expect(own.itemCount()).toBe(items);
    } finally {
      own.close();
    }
  });

  it.each([
    ['audio', 'E_INPUT_UNSUPPORTED', /audio only/],
    ['noVideo', 'E_INPUT_UNSUPPORTED', /no video stream/],
    ['unknown', 'E_INPUT_UNSUPPORTED', /cannot be decoded/],
    ['notVideo', 'E_INPUT_UNSUPPORTED', /not a video/],
  ])('%s: typed error %s and the case is unchanged', async (key, code, message) => {
    const before = {
      items: store.itemCount(),
      events: [...store.custody.events()].length,
      blobs: [...store.blobs.list()].length,
    };
    let caught: unknown;
    try {
      await extractFrames(store, ids[key]!, { selector: 'all' }, { operator });
    } catch (err) {
      caught = err;
    }
    expect(isVestigeError(caught, code as ErrorCode)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect({
      items: store.itemCount(),
      events: [...store.custody.events()].length,
      blobs: [...store.blobs.list()].length,
    }).toEqual(before);
  });
});
