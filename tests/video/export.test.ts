/** Clock corrections, clip export with burned-in text, and contact sheets. */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, isVestigeError } from '@vestige/evidence';
import {
  contactSheet,
  exportClip,
  frameClock,
  getClockCorrection,
  localToUtcMs,
  probeVideo,
  setClockCorrection,
} from '@vestige/video';
import { makeTempDir } from '../support.ts';
import { readPng } from './png.ts';
import { videoSamples } from './samples.ts';

let store: CaseStore;
let dir: string;
let vfr: string;
const operator = 'DC 4711 Test';

beforeAll(async () => {
  dir = makeTempDir('vestige-video-export-');
  store = CaseStore.init(join(dir, 'case'), { operator, reference: 'OP/2026/017' });
  vfr = (await ingest(store, [videoSamples().vfr.file], { operator, workers: 1 })).files[0]!.itemId;
});
afterAll(() => store?.close());

describe('recorder clock correction', () => {
  it('converts recorder time to corrected local and UTC time, across a zone with summer time', () => {
    expect(localToUtcMs('2026-07-01T12:00:00', 'Europe/London')).toBe(Date.UTC(2026, 6, 1, 11, 0, 0));
    expect(localToUtcMs('2026-01-01T12:00:00', 'Europe/London')).toBe(Date.UTC(2026, 0, 1, 12, 0, 0));
    const c = { recorderStart: '2026-07-01T11:59:00', offsetSeconds: -30.5, timeZone: 'Europe/London', basis: 'test' };
    expect(frameClock(c, 2.25)).toEqual({
      streamSeconds: 2.25,
      recorderTime: '2026-07-01T11:59:02.250',
      correctedLocal: '2026-07-01T11:58:31.750+01:00',
      correctedUtc: '2026-07-01T10:58:31.750Z',
    });
  });

  it('is recorded beside the item with a custody event; the item itself is unchanged', () => {
    const before = store.item(vfr);
    const events = [...store.custody.events()].length;
    setClockCorrection(
      store,
      vfr,
      { recorderStart: '2026-03-14T20:59:30', offsetSeconds: 93.5, timeZone: 'Europe/London', basis: 'speaking clock' },
      operator,
    );
    expect(getClockCorrection(store, vfr)).toMatchObject({ offsetSeconds: 93.5, timeZone: 'Europe/London' });
    expect([...store.custody.events()].length).toBe(events + 1);
    expect(store.item(vfr)).toEqual(before);
  });

  it('rejects an unknown zone and a malformed recorder time', () => {
    expect(() =>
      setClockCorrection(
        store,
        vfr,
        { recorderStart: '2026-03-14T20:59:30', offsetSeconds: 1, timeZone: 'Mars/Olympus', basis: 'x' },
        operator,
      ),
    ).toThrow(/unknown time zone/);
    expect(() =>
      setClockCorrection(
        store,
        vfr,
        { recorderStart: '14/03/2026 20:59', offsetSeconds: 1, timeZone: 'UTC', basis: 'x' },
        operator,
      ),
    ).toThrowError(/YYYY-MM-DD/);
  });
});

describe('exportClip', () => {
  it('burns in frame number, PTS and case reference, keeping every frame with its own (variable) timing', async () => {
    const r = await exportClip(store, vfr, { selector: 'range', params: { from: 5, to: 20 } }, { operator });
    expect(r.frames).toBe(16);
    const out = join(dir, 'clip.mp4');
    copyFileSync(store.blobs.pathOf(r.sha256), out);
    const frames = (await probeVideo(out, { frames: true })).video[0]!.frames!;
    const t = (n: number) => (40 * n + 60 * Math.floor(n / 7)) / 1000;
    expect(frames.map((f) => Math.round(f.seconds! * 1000))).toEqual(
      Array.from({ length: 16 }, (_, i) => Math.round((t(i + 5) - t(5)) * 1000)),
    );
    const prov = store.provenance(r.provenanceId);
    expect(prov.activity).toBe('video.export-clip');
    expect(prov.steps[1]!.description).toMatch(/burned into the picture, and the corrected recorder time/);
    expect(store.item(r.itemId).mediaType).toBe('video/mp4');
  });

  it('lossless FFV1 without burn-in gives back exactly the decoded pixels of the source frames', async () => {
    const r = await exportClip(
      store,
      vfr,
      { selector: 'range', params: { from: 5, to: 20 } },
      { operator, format: 'ffv1', burnIn: false },
    );
    const out = join(dir, 'clip.mkv');
    copyFileSync(store.blobs.pathOf(r.sha256), out);
    const clip = (await probeVideo(out, { frames: true })).video[0]!.frames!;
    const source = (await probeVideo(videoSamples().vfr.file, { frames: true })).video[0]!.frames!;
    expect(clip.map((f) => f.pixelHash)).toEqual(source.slice(5, 21).map((f) => f.pixelHash));
  });

  it('an empty selection is an error and records nothing', async () => {
    const items = store.itemCount();
    await expect(
      exportClip(store, vfr, { selector: 'range', params: { from: 500, to: 600 } }, { operator }),
    ).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_PARAM_INVALID'));
    expect(store.itemCount()).toBe(items);
  });
});

describe('contactSheet', () => {
  it('tiles the selected frames, labelled, as PNG items', async () => {
    const r = await contactSheet(
      store,
      vfr,
      { selector: 'every', params: { every: 5 } },
      { operator, columns: 4, rows: 2, thumbWidth: 160 },
    );
    expect(r.frames).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    expect(r.sheets).toHaveLength(2);
    const png = readPng(await store.blobs.read(r.sheets[0]!.sha256));
    expect(png.width).toBe(4 * 160 + 3 * 4 + 2 * 4);
    expect(store.item(r.sheets[1]!.itemId).metadata['frames']).toEqual([40, 45, 50, 55]);
  });
});
