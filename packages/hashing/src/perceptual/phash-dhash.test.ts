import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hammingDistance } from '../hex.ts';
import { decodeImage } from '../image/decode.ts';
import { dHash, dHasher } from './dhash.ts';
import { pHash, pHasher } from './phash.ts';
import { perceptualHashers } from './registry.ts';

const images = fileURLToPath(new URL('../../../../tests/fixtures/pdq/images/', import.meta.url));

describe('pHash and dHash (64-bit, weaker interoperable alternatives)', () => {
  it('are registered PerceptualHashers with 64 bits', () => {
    expect(perceptualHashers.ids()).toEqual(['pdq', 'phash', 'dhash']);
    for (const h of [pHasher, dHasher]) {
      expect(h.bits).toBe(64);
      expect(h.describe()).toMatch(/weaker/);
    }
  });

  it('are stable under mild edits and far apart for different images', async () => {
    const orig = await decodeImage(images + 'bridge-mods--aaa-orig.png');
    const edits = [
      'bridge-mods--blur-a-little.png',
      'bridge-mods--sharpen-a-little.png',
      'bridge-mods--shrink-a-little.png',
    ];
    for (const e of edits) {
      const p = await decodeImage(images + e);
      expect(hammingDistance(pHash(orig), pHash(p)), e).toBeLessThanOrEqual(6);
      expect(hammingDistance(dHash(orig), dHash(p)), e).toBeLessThanOrEqual(8);
    }
    const recompressed = await decodeImage(
      await sharp(images + 'bridge-mods--aaa-orig.png')
        .resize(300)
        .jpeg({ quality: 50 })
        .toBuffer(),
    );
    expect(hammingDistance(pHash(orig), pHash(recompressed))).toBeLessThanOrEqual(6);
    const other = await decodeImage(images + 'reg--pen-and-coaster.png');
    expect(hammingDistance(pHash(orig), pHash(other))).toBeGreaterThan(16);
    expect(hammingDistance(dHash(orig), dHash(other))).toBeGreaterThan(16);
  });

  it('are deterministic and ignore alpha', () => {
    const rgb = {
      data: new Uint8Array(40 * 30 * 3).map((_, i) => (i * 37) % 251),
      width: 40,
      height: 30,
      channels: 3 as const,
    };
    const rgba = { data: new Uint8Array(40 * 30 * 4), width: 40, height: 30, channels: 4 as const };
    for (let p = 0; p < 40 * 30; p++) {
      rgba.data.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba.data[p * 4 + 3] = p % 256;
    }
    expect(pHash(rgb)).toEqual(pHash(rgb));
    expect(pHash(rgba)).toEqual(pHash(rgb));
    expect(dHash(rgba)).toEqual(dHash(rgb));
  });
});
