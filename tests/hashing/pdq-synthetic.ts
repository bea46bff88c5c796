import { seededRandom as prng } from '@vestige/evidence';
import type { RawPixels } from '@vestige/hashing';

/**
 * Deterministic synthetic images for PDQ paths that the reference photographs do not reach. Their
 * expected hashes (tests/fixtures/pdq/synthetic-expected.tsv) are the reference tool's output on
 * lossless PNGs of exactly these pixels.
 */
export interface SyntheticCase {
  readonly name: string;
  readonly what: string;
  pixels(): RawPixels;
}

/** A scene with structure at several scales (gradients, discs, stripes) plus a little noise. */
function scene(
  width: number,
  height: number,
  seed: number,
  x: number,
  y: number,
  c: number,
  rnd: () => number,
): number {
  const u = x / width;
  const v = y / height;
  let value = 90 * u + 60 * v * (c + 1) * 0.5;
  const dx = u - 0.3 - 0.1 * (seed % 3);
  const dy = v - 0.6;
  if (dx * dx + dy * dy < 0.05) value += 80 + 20 * c;
  if (Math.floor(u * 7 + v * 3) % 2 === 0) value += 40;
  value += 30 * Math.sin(u * 17 + seed) * Math.cos(v * 11 - c);
  value += (rnd() - 0.5) * 24;
  return Math.max(0, Math.min(255, Math.round(value)));
}

function make(
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  seed: number,
  mode: 'colour' | 'grey' | 'bilevel' = 'colour',
): RawPixels {
  const rnd = prng(seed);
  const data = new Uint8Array(width * height * channels);
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colourChannels = channels === 1 || channels === 2 ? 1 : 3;
      const grey = mode === 'colour' ? 0 : scene(width, height, seed, x, y, 0, rnd);
      for (let c = 0; c < colourChannels; c++) {
        let v = mode === 'colour' ? scene(width, height, seed, x, y, c, rnd) : grey;
        if (mode === 'bilevel') v = v > 110 ? 255 : 0;
        data[o++] = v;
      }
      if (channels === 2 || channels === 4) data[o++] = Math.floor(rnd() * 256);
    }
  }
  return { data, width, height, channels };
}

export const syntheticCases: readonly SyntheticCase[] = [
  {
    name: 'grey-content-rgb-300x200',
    what: 'RGB whose pixels are all grey (the reference decodes it as greyscale)',
    pixels: () => make(300, 200, 3, 1, 'grey'),
  },
  { name: 'grey-1ch-257x190', what: 'one-channel greyscale', pixels: () => make(257, 190, 1, 2) },
  { name: 'grey-alpha-2ch-100x120', what: 'greyscale with alpha', pixels: () => make(100, 120, 2, 3) },
  { name: 'rgba-220x180', what: 'RGBA, alpha ignored', pixels: () => make(220, 180, 4, 4) },
  {
    name: 'rgb-64x64',
    what: 'exactly 64×64: no blur in the plain hash, blur in the dihedral hashes',
    pixels: () => make(64, 64, 3, 5),
  },
  { name: 'rgb-4x50', what: 'below the 5-pixel minimum: all zeros, quality 0', pixels: () => make(4, 50, 3, 6) },
  { name: 'rgb-5x5', what: 'the 5-pixel minimum', pixels: () => make(5, 5, 3, 7) },
  {
    name: 'rgb-600x300',
    what: 'one side above 512: nearest-neighbour pre-resize to 512×512',
    pixels: () => make(600, 300, 3, 8),
  },
  { name: 'rgb-513x1400', what: 'tall, both sides resized', pixels: () => make(513, 1400, 3, 9) },
  {
    name: 'rgb-2000x40',
    what: 'very wide: rows stretched 40 → 512 by the pre-resize',
    pixels: () => make(2000, 40, 3, 10),
  },
  {
    name: 'bilevel-rgb-200x150',
    what: 'black and white only (the reference decodes it as a PBM)',
    pixels: () => make(200, 150, 3, 11, 'bilevel'),
  },
  {
    name: 'flat-rgb-80x80',
    what: 'a single flat colour (all coefficients equal)',
    pixels: () => ({ data: new Uint8Array(80 * 80 * 3).fill(137), width: 80, height: 80, channels: 3 }),
  },
];
