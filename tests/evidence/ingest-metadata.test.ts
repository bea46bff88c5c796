/** Ingest through the CLI's extractors: photo EXIF via exifr, video stream summary via real ffprobe. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest, type IngestReport } from '@vestige/evidence';
import { ingestExtractors } from '@vestige/cli';
import { generateSeizedSample } from '@vestige/samples/evidence/generate.ts';
import { makeTempDir } from '../support.ts';

let dir: string;
let store: CaseStore;
let report: IngestReport;

beforeAll(async () => {
  dir = makeTempDir('vestige-meta-');
  const sample = await generateSeizedSample(join(dir, 'exhibit'));
  // A file that claims to be a video but is not one: stored as found, with a warning.
  fs.writeFileSync(
    join(sample.dir, 'CCTV', 'not-really.mp4'),
    Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(64, 0x41)]),
  );
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  report = await ingest(store, [sample.dir], { operator: 'PC 1', extractors: ingestExtractors });
});
afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ingest metadata', () => {
  it('keeps the EXIF of photos', () => {
    const photo = store.items().find((i) => i.name === 'IMG_0001.jpg')!;
    expect(photo.mediaType).toBe('image/jpeg');
    expect(photo.metadata.exif).toMatchObject({
      present: true,
      Make: 'Vestige',
      Model: 'Sample Camera',
      DateTimeOriginal: '2026-03-14T21:04:11.000Z',
    });
  });

  it('keeps a stream summary of videos from ffprobe', () => {
    const clip = store.items().find((i) => i.name.startsWith('cam1-'))!;
    expect(clip.mediaType).toBe('video/mp4');
    const media = clip.metadata.media as {
      duration: number;
      streams: Array<{ codec: string; width: number; height: number }>;
    };
    expect(media.duration).toBeCloseTo(2, 1);
    expect(media.streams[0]).toMatchObject({ codec: 'h264', width: 320, height: 240 });
  });

  it('stores a broken "video" as found and says its metadata could not be read', () => {
    const broken = store.items().find((i) => i.name === 'not-really.mp4')!;
    expect(broken).toBeDefined();
    expect((broken.metadata.media as { error: { code: string } }).error.code).toMatch(/^E_/);
    expect(report.warnings.some((w) => w.path.endsWith('not-really.mp4'))).toBe(true);
  });

  it('stores the duplicate once and records the symlink', () => {
    expect(report.duplicates).toBe(1);
    expect(report.symlinks).toEqual([
      expect.objectContaining({ target: '../DCIM/100PHONE/IMG_0003.jpg', resolvesInside: true }),
    ]);
  });
});
