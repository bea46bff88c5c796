import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isVestigeError } from '@vestige/evidence';
import { decodeImage, encodePng } from './codec.ts';
import { syntheticScene8 } from './synthetic.ts';

const W = 96;
const H = 64;
const scene = syntheticScene8(W, H, 5);
const raw = () => sharp(scene, { raw: { width: W, height: H, channels: 3 } });

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A tiny, valid-looking PNG that claims 50,000 × 50,000 pixels: a decompression bomb's header. */
function bombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50_000, 0);
  ihdr.writeUInt32BE(50_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(50_001))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    if (!isVestigeError(err)) throw err;
    return err.code;
  }
}

describe('decoding', () => {
  it('decodes 8-bit files exactly (v × 257) and keeps 16-bit PNG at 16 bits', async () => {
    const png = await raw().png().toBuffer();
    const { raster, source } = await decodeImage(png);
    expect(source).toMatchObject({ format: 'png', width: W, height: H, bitDepth: 8 });
    expect(raster.data[0]).toBe(scene[0]! * 257);
    const png16 = await encodePng(raster, { bitDepth: 16 });
    const back = await decodeImage(png16);
    expect(back.source.bitDepth).toBe(16);
    expect(
      Buffer.from(back.raster.data.buffer, back.raster.data.byteOffset, back.raster.data.byteLength).equals(
        Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength),
      ),
    ).toBe(true);
  });

  it('reads greyscale as one channel and drops alpha', async () => {
    const grey = await raw().toColourspace('b-w').png().toBuffer();
    const g = await decodeImage(grey);
    expect(g.raster.channels).toBe(1);
    // …and a grey result is written as a grey PNG, at 8 and 16 bits.
    for (const bitDepth of [8, 16] as const) {
      const m = await sharp(await encodePng(g.raster, { bitDepth })).metadata();
      expect([m.channels, m.depth]).toEqual([1, bitDepth === 8 ? 'uchar' : 'ushort']);
    }
    const rgba = await raw().ensureAlpha().png().toBuffer();
    const d = await decodeImage(rgba);
    expect(d.raster.channels).toBe(3);
    expect(d.source.hasAlpha).toBe(true);
  });

  it('gives typed errors for truncated and corrupt JPEG, PNG and TIFF', async () => {
    for (const enc of [raw().jpeg({ quality: 90 }), raw().png(), raw().tiff({ compression: 'lzw' })]) {
      const good = await enc.toBuffer();
      expect(await codeOf(decodeImage(good))).toBe('no error');
      expect(await codeOf(decodeImage(good.subarray(0, Math.floor(good.length * 0.6)), { file: 'cut.bin' }))).toBe(
        'E_INPUT_CORRUPT',
      );
      const bad = Buffer.from(good);
      for (let i = Math.floor(bad.length * 0.3); i < Math.floor(bad.length * 0.7); i++) bad[i] = (i * 31) & 0xff;
      expect(['E_INPUT_CORRUPT']).toContain(await codeOf(decodeImage(bad)));
    }
  });

  it('refuses unsupported formats, empty files and decompression bombs before decoding', async () => {
    expect(await codeOf(decodeImage(Buffer.from('%PDF-1.4 not an image at all')))).toBe('E_INPUT_UNSUPPORTED');
    expect(await codeOf(decodeImage(Buffer.alloc(0)))).toBe('E_INPUT_EMPTY');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect(await codeOf(decodeImage(svg))).toBe('E_INPUT_UNSUPPORTED');
    expect(await codeOf(decodeImage(bombPng()))).toBe('E_INPUT_TOO_LARGE');
    const small = await raw().png().toBuffer();
    expect(await codeOf(decodeImage(small, { pixelLimit: W * H - 1 }))).toBe('E_INPUT_TOO_LARGE');
  });

  it('encodes PNG deterministically and without metadata', async () => {
    const { raster } = await decodeImage(await raw().jpeg().toBuffer());
    const a = await encodePng(raster);
    const b = await encodePng(raster);
    expect(a.equals(b)).toBe(true);
    const m = await sharp(a).metadata();
    expect(m.exif).toBeUndefined();
    expect(m.icc).toBeUndefined();
    expect(a.includes(Buffer.from('tIME'))).toBe(false);
  });
});
