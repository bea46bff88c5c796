import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../codec.ts';
import { syntheticScene8 } from '../synthetic.ts';
import { errorLevelAnalysis } from './ela.ts';
import { analyseQuantisation, ijgTable, readQuantTables } from './jpeg-quantisation.ts';
import { analyseMetadata } from './metadata.ts';
import { noiseResidualMap } from './noise.ts';

const W = 160;
const H = 120;
const scene = syntheticScene8(W, H, 9);
const raw = () => sharp(scene, { raw: { width: W, height: H, channels: 3 } });

describe('JPEG quantisation tables', () => {
  it('reads the DQT tables and recovers the IJG quality the file was written with', async () => {
    for (const q of [30, 50, 75, 90, 100]) {
      const jpg = await raw().jpeg({ quality: q, mozjpeg: false }).toBuffer();
      const a = analyseQuantisation(jpg);
      expect(a.tables.length).toBe(2);
      expect(a.estimatedQuality).toBe(q);
      expect(a.exactIjgMatch).toBe(true);
      expect(a.family).toMatch(/IJG\/libjpeg/);
    }
  });

  it('scales the standard table as libjpeg does (quality 50 = the Annex K table)', () => {
    expect(ijgTable([16, 11, 10], 50)).toEqual([16, 11, 10]);
    expect(ijgTable([16, 11, 10], 75)).toEqual([8, 6, 5]);
    expect(readQuantTables(Buffer.from('not a jpeg'))).toEqual([]);
  });

  it('recognises non-standard tables', async () => {
    const jpg = Buffer.from(await raw().jpeg({ quality: 80, mozjpeg: false }).toBuffer());
    // Overwrite the luminance table with a flat custom table (as some cameras use).
    const at = jpg.indexOf(Buffer.from([0xff, 0xdb]));
    for (let k = 0; k < 64; k++) jpg[at + 5 + k] = 3;
    const a = analyseQuantisation(jpg);
    expect(a.exactIjgMatch).toBe(false);
    expect(a.tables[0]!.values.every((v) => v === 3)).toBe(true);
  });
});

describe('metadata consistency', () => {
  it('flags an editor in the software tag and a modification date after capture', async () => {
    const jpg = await raw()
      .jpeg({ quality: 90 })
      .withExif({
        IFD0: {
          Make: 'Acme',
          Model: 'Cam 1',
          Software: 'Adobe Photoshop 25.0 (Windows)',
          DateTime: '2026:03:20 10:00:00',
        },
        IFD2: { DateTimeOriginal: '2026:03:14 21:04:11' },
      } as never)
      .toBuffer();
    const { raster } = await decodeImage(jpg);
    const sources = [
      {
        itemId: 'I-1',
        path: '/seized/IMG.jpg',
        size: jpg.length,
        mtime: '2026-03-10T00:00:00.000Z',
        kind: 'file' as const,
        linkTarget: null,
        ingestId: 'ING-1',
      },
    ];
    const m = await analyseMetadata(jpg, raster, sources);
    const byCheck = Object.fromEntries(m.checks.map((c) => [c.check, c]));
    expect(byCheck['software tag']!.result).toBe('inconsistent');
    expect(byCheck['EXIF dates']!.result).toBe('inconsistent');
    expect(byCheck['EXIF dates']!.detail).toMatch(/5\.5 days after/);
    expect(byCheck['file date vs EXIF']!.result).toBe('inconsistent');
    expect(m.fields.Make).toBe('Acme');
  });

  it('reports consistent camera-like metadata as consistent, and missing metadata as a note', async () => {
    const jpg = await raw()
      .jpeg()
      .withExif({
        IFD0: { Make: 'Acme', Software: 'Acme FW 1.2', DateTime: '2026:03:14 21:04:11' },
        IFD2: { DateTimeOriginal: '2026:03:14 21:04:11' },
      } as never)
      .toBuffer();
    const { raster } = await decodeImage(jpg);
    const m = await analyseMetadata(jpg, raster, [
      {
        itemId: 'I-1',
        path: '/x.jpg',
        size: 1,
        mtime: '2026-03-15T09:00:00.000Z',
        kind: 'file',
        linkTarget: null,
        ingestId: 'I',
      },
    ]);
    expect(m.checks.filter((c) => c.result === 'inconsistent')).toEqual([]);
    const bare = await raw().png().toBuffer();
    const m2 = await analyseMetadata(bare, (await decodeImage(bare)).raster, []);
    expect(m2.checks[0]!.check).toBe('metadata present');
  });
});

/** Inserts a minimal EXIF APP1 (IFD0 with Orientation, IFD1 pointing at `thumb`) after the JPEG's SOI. */
function withExifThumbnail(jpeg: Buffer, thumb: Buffer): Buffer {
  const tiff = Buffer.alloc(56);
  tiff.write('II', 0, 'ascii');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // IFD0: one entry
  tiff.writeUInt16LE(0x0112, 10);
  tiff.writeUInt16LE(3, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(1, 18);
  tiff.writeUInt32LE(26, 22); // next IFD = IFD1
  tiff.writeUInt16LE(2, 26); // IFD1: two entries
  tiff.writeUInt16LE(0x0201, 28);
  tiff.writeUInt16LE(4, 30);
  tiff.writeUInt32LE(1, 32);
  tiff.writeUInt32LE(56, 36);
  tiff.writeUInt16LE(0x0202, 40);
  tiff.writeUInt16LE(4, 42);
  tiff.writeUInt32LE(1, 44);
  tiff.writeUInt32LE(thumb.length, 48);
  tiff.writeUInt32LE(0, 52);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff, thumb]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

describe('embedded thumbnail', () => {
  it('matches a thumbnail of the same picture and flags one of a different picture', async () => {
    const main = await raw().jpeg({ quality: 92 }).toBuffer();
    const same = await raw().resize(80, 60).jpeg({ quality: 80 }).toBuffer();
    const other = await sharp(syntheticScene8(W, H, 99), { raw: { width: W, height: H, channels: 3 } })
      .resize(80, 60)
      .jpeg({ quality: 80 })
      .toBuffer();
    const check = async (thumb: Buffer) => {
      const file = withExifThumbnail(main, thumb);
      const m = await analyseMetadata(file, (await decodeImage(file)).raster, []);
      return m.checks.find((c) => c.check === 'embedded thumbnail');
    };
    const ok = await check(same);
    expect(ok?.result, ok?.detail).toBe('consistent');
    const bad = await check(other);
    expect(bad?.result).toBe('inconsistent');
    expect(bad?.detail).toMatch(/differs from the picture/);
  });
});

describe('error level and noise maps', () => {
  it('ELA is higher where fresh content was pasted into a JPEG than at the same place in the untouched JPEG', async () => {
    const once = await sharp(await raw().jpeg({ quality: 70 }).toBuffer())
      .raw()
      .toBuffer();
    const spliced = Buffer.from(once);
    for (let y = 40; y < 80; y++)
      for (let x = 48; x < 96; x++)
        for (let c = 0; c < 3; c++) spliced[(y * W + x) * 3 + c] = scene[(y * W + x) * 3 + c]!;
    const elaOf = async (pixels: Buffer) =>
      errorLevelAnalysis(
        (
          await decodeImage(
            await sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
              .jpeg({ quality: 70 })
              .toBuffer(),
          )
        ).raster,
        70,
      );
    const blockMean = (map: Uint8Array) => {
      let s = 0;
      for (let y = 40; y < 80; y++)
        for (let x = 48; x < 96; x++) s += map[(y * W + x) * 3]! + map[(y * W + x) * 3 + 1]!;
      return s / (40 * 48);
    };
    const control = await elaOf(once);
    const edited = await elaOf(spliced);
    expect(blockMean(edited.map)).toBeGreaterThan(blockMean(control.map));
  });

  it('noise map finds a smoothed patch', async () => {
    const noisy = Buffer.from(scene);
    let seed = 1;
    for (let i = 0; i < noisy.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      noisy[i] = Math.max(0, Math.min(255, noisy[i]! + ((seed >> 16) % 21) - 10));
    }
    for (let y = 32; y < 64; y++)
      for (let x = 32; x < 64; x++) for (let c = 0; c < 3; c++) noisy[(y * W + x) * 3 + c] = 128;
    const png = await sharp(noisy, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const n = noiseResidualMap((await decodeImage(png)).raster);
    // The flat patch is the quietest region: the map is darkest there.
    expect(n.map[(48 * W + 48) * 3]!).toBeLessThan(n.map[(100 * W + 130) * 3]!);
    expect(n.medianSigma).toBeGreaterThan(1);
  });
});
