import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSceneFormat, type ScanPhoto, type ScanPhotoImage } from '@vestige/scene';
import { writeE57 } from '../../samples/scene/e57-writer.ts';
import { FIXTURES, importAll, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function photosOf(path: string): Promise<ScanPhoto[]> {
  const format = await detectSceneFormat(path);
  const out: ScanPhoto[] = [];
  for await (const p of format.photos!(path)) out.push(p);
  return out;
}

async function bytesOf(image: ScanPhotoImage): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of image.bytes()) parts.push(part);
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('E57 scanner photos with their pixels', () => {
  it("reads the three pinhole JPEGs of libE57Format's distortion fixture, with the distortion coefficients", async () => {
    const path = join(FIXTURES, 'e57', 'PinholeImageWithDistortionParameters.e57');
    const photos = await photosOf(path);
    expect(photos.map((p) => p.name)).toEqual(['JPEG Image Test 1', 'JPEG Image Test 2', 'JPEG Image Test 3']);
    for (const p of photos) {
      expect(p.projection).toMatchObject({ kind: 'pinhole', width: 1, height: 1 });
      expect(p.image.mediaType).toBe('image/jpeg');
      expect(p.image.byteLength).toBe(375);
      const bytes = await bytesOf(p.image);
      expect(bytes.length).toBe(375);
      expect([bytes[0], bytes[1], bytes[373], bytes[374]]).toEqual([0xff, 0xd8, 0xff, 0xd9]); // JPEG SOI … EOI
      expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 1, height: 1 });
    }
    const first = photos[0]!.projection;
    expect(first.kind === 'pinhole' && first.distortion).toMatchObject({
      CameraNumber: 1,
      Type: 'Testing type',
      CV_K1: 1.00999999046325684,
      CV_P2: 12.119999885559082,
      CV_WIDTH: 1,
    });
    const third = photos[2]!.projection;
    expect(third.kind === 'pinhole' && third.distortion).toBeUndefined();
    expect(photos[0]!.id).toBe('Pinhole Image 1 - JPEG Image GUID');
  });

  it('reads spherical, cylindrical and pinhole photos of a generated scan, byte for byte, with pose, projection and mask', async () => {
    // Noise, so the PNG is big (about 1.5 MB: some 1 500 E57 pages, each checked against its CRC).
    const panorama = await sharp({
      create: {
        width: 1024,
        height: 512,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    const strip = await sharp({ create: { width: 360, height: 90, channels: 3, background: { r: 10, g: 200, b: 40 } } })
      .jpeg()
      .toBuffer();
    const closeUp = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 40, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const mask = await sharp({
      create: { width: 1024, height: 512, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .greyscale()
      .png()
      .toBuffer();
    const pose = {
      rotation: [Math.cos(Math.PI / 8), 0, 0, Math.sin(Math.PI / 8)] as [number, number, number, number],
      translation: [2, 3, 1.5] as [number, number, number],
    };
    const path = join(tmp.dir, 'spherical.e57');
    const n = 100;
    writeE57(
      path,
      [
        {
          name: 'station 1',
          fields: ['cartesianX', 'cartesianY', 'cartesianZ'].map((name) => ({
            name,
            type: 'Float' as const,
            precision: 'double' as const,
          })),
          columns: [0, 1, 2].map((k) => Array.from({ length: n }, (_, i) => i * 0.01 + k)),
        },
      ],
      {
        images: [
          {
            name: 'panorama',
            guid: 'pano-1',
            representation: 'sphericalRepresentation',
            encoding: 'pngImage',
            bytes: panorama,
            mask,
            width: 1024,
            height: 512,
            parameters: { pixelWidth: (2 * Math.PI) / 1024, pixelHeight: Math.PI / 512 },
            pose,
            scanGuid: 'scan-0',
          },
          {
            name: 'strip',
            guid: 'cyl-1',
            representation: 'cylindricalRepresentation',
            encoding: 'jpegImage',
            bytes: strip,
            width: 360,
            height: 90,
            parameters: { pixelWidth: Math.PI / 180, pixelHeight: 0.01, radius: 1.5, principalPointY: 45 },
            pose,
          },
          {
            name: 'close-up',
            guid: 'pin-1',
            representation: 'pinholeRepresentation',
            encoding: 'jpegImage',
            bytes: closeUp,
            width: 64,
            height: 48,
            parameters: {
              focalLength: 0.004,
              pixelWidth: 0.00001,
              pixelHeight: 0.00001,
              principalPointX: 32,
              principalPointY: 24,
            },
          },
        ],
      },
    );
    const photos = await photosOf(path);
    expect(photos.map((p) => [p.id, p.projection.kind, p.image.mediaType])).toEqual([
      ['pano-1', 'spherical', 'image/png'],
      ['cyl-1', 'cylindrical', 'image/jpeg'],
      ['pin-1', 'pinhole', 'image/jpeg'],
    ]);
    const [pano, cyl, pin] = photos as [ScanPhoto, ScanPhoto, ScanPhoto];
    expect(panorama.length).toBeGreaterThan(1_000_000);
    expect(sha(await bytesOf(pano.image))).toBe(sha(panorama));
    expect(sha(await bytesOf(pano.mask!))).toBe(sha(mask));
    expect(sha(await bytesOf(cyl.image))).toBe(sha(strip));
    expect(sha(await bytesOf(pin.image))).toBe(sha(closeUp));
    expect(pano.projection).toEqual({
      kind: 'spherical',
      width: 1024,
      height: 512,
      pixelWidth: (2 * Math.PI) / 1024,
      pixelHeight: Math.PI / 512,
    });
    expect(cyl.projection).toEqual({
      kind: 'cylindrical',
      width: 360,
      height: 90,
      pixelWidth: Math.PI / 180,
      pixelHeight: 0.01,
      radius: 1.5,
      principalPointY: 45,
    });
    expect(pano.pose).toEqual(pose);
    expect(pano.scanGuid).toBe('scan-0');
    expect(pin.pose).toBeUndefined();
    // The points and the pinhole viewpoint still come through read(); the header lists every photo.
    const all = await importAll(path);
    expect(all.points).toBe(n);
    expect(all.chunks.filter((c) => c.kind === 'viewpoint').map((c) => (c.kind === 'viewpoint' ? c.id : ''))).toEqual([
      'pin-1',
    ]);
    const header = await (await detectSceneFormat(path)).header(path);
    expect(header.details['photos']).toEqual([
      { name: 'panorama', projection: 'spherical', width: 1024, height: 512, encoding: 'image/png' },
      { name: 'strip', projection: 'cylindrical', width: 360, height: 90, encoding: 'image/jpeg' },
      { name: 'close-up', projection: 'pinhole', width: 64, height: 48, encoding: 'image/jpeg' },
    ]);
  });
});
