import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  PDQ_DIHEDRAL_ORDER,
  decodeImage,
  hammingDistanceHex,
  pdqDihedralHashes,
  pdqHash,
  pdqHex,
} from '@vestige/hashing';
import { syntheticCases } from './pdq-synthetic.ts';

const fixtures = fileURLToPath(new URL('../fixtures/pdq/', import.meta.url));

function tsv(name: string): string[][] {
  return readFileSync(join(fixtures, name), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));
}

const expected = tsv('expected.tsv');
const expectedDihedral = new Map(tsv('expected-dihedral.tsv').map(([file, list]) => [file!, list!.split(',')]));

describe('PDQ conformance with the reference implementation (lossless images)', () => {
  it('has the whole reference set to test', () => {
    expect(expected.length).toBe(36);
    expect(expectedDihedral.size).toBe(36);
  });

  for (const [file, hex, quality] of expected) {
    it(`${file}: identical hash, quality and 8 dihedral hashes`, async () => {
      const pixels = await decodeImage(join(fixtures, 'images', file!));
      const plain = pdqHash(pixels);
      expect(pdqHex(plain.hash)).toBe(hex);
      expect(plain.quality).toBe(Number(quality));

      const dih = pdqDihedralHashes(pixels);
      const want = expectedDihedral.get(file!)!;
      expect(PDQ_DIHEDRAL_ORDER.map((name) => pdqHex(dih[name]))).toEqual(want.slice(0, 8));
      expect(dih.quality).toBe(Number(want[8]));
    });
  }
});

describe('PDQ conformance on synthetic edge cases (reference tool output)', () => {
  const rows = new Map(
    tsv('synthetic-expected.tsv').map(([name, hex, quality, dih]) => [
      name!,
      { hex: hex!, quality: Number(quality), dih: dih!.split(',') },
    ]),
  );
  it('covers every synthetic case', () =>
    expect([...rows.keys()].sort()).toEqual(syntheticCases.map((c) => c.name).sort()));
  for (const c of syntheticCases) {
    it(`${c.name} — ${c.what}`, () => {
      const want = rows.get(c.name)!;
      const pixels = c.pixels();
      const plain = pdqHash(pixels);
      expect(pdqHex(plain.hash)).toBe(want.hex);
      expect(plain.quality).toBe(want.quality);
      const dih = pdqDihedralHashes(pixels);
      expect(PDQ_DIHEDRAL_ORDER.map((name) => pdqHex(dih[name]))).toEqual(want.dih.slice(0, 8));
    });
  }
});

describe('PDQ on the JPEG originals (decoder differences allowed)', () => {
  for (const [file, hex, quality] of tsv('expected-jpeg-imagemagick-decoder.tsv')) {
    it(`${file} is within distance 10 of the reference`, async () => {
      const r = pdqHash(await decodeImage(join(fixtures, 'jpeg', file!)));
      expect(hammingDistanceHex(pdqHex(r.hash), hex!)).toBeLessThanOrEqual(10);
      expect(Math.abs(r.quality - Number(quality))).toBeLessThanOrEqual(5);
    });
  }
});
