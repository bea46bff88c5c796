import type { PerceptualHasher, RawPixels } from './hasher.ts';
import { greyPillow, packBitsMsbFirst, resampleGrey } from './grey-resample.ts';

const SIZE = 32;
const KEEP = 8;

/** cos(π k (2n+1) / 2N) for the DCT-II rows we keep. */
const COS: Float64Array = (() => {
  const m = new Float64Array(KEEP * SIZE);
  for (let k = 0; k < KEEP; k++)
    for (let n = 0; n < SIZE; n++) m[k * SIZE + n] = Math.cos((Math.PI * k * (2 * n + 1)) / (2 * SIZE));
  return m;
})();

/**
 * 64-bit DCT perceptual hash in the form popularised by the Python `imagehash` package (`phash`):
 * greyscale, Lanczos resample to 32×32, 2-D DCT-II, keep the 8×8 lowest frequencies (DC included),
 * one bit per coefficient greater than their median (mean of the two middle values), most
 * significant bit first. Weaker than PDQ (64 bits, no quality score) but widely exchanged.
 */
export function pHash(pixels: RawPixels): Uint8Array {
  const small = resampleGrey(greyPillow(pixels), pixels.width, pixels.height, SIZE, SIZE);
  // Columns first (along axis 0), then rows, as imagehash applies scipy's dct; only the rows and
  // columns that survive the 8×8 crop are computed.
  const colDct = new Float64Array(KEEP * SIZE);
  for (let k = 0; k < KEEP; k++) {
    for (let x = 0; x < SIZE; x++) {
      let s = 0;
      for (let y = 0; y < SIZE; y++) s += COS[k * SIZE + y]! * small[y * SIZE + x]!;
      colDct[k * SIZE + x] = 2 * s;
    }
  }
  const low = new Float64Array(KEEP * KEEP);
  for (let k = 0; k < KEEP; k++) {
    for (let l = 0; l < KEEP; l++) {
      let s = 0;
      for (let x = 0; x < SIZE; x++) s += COS[l * SIZE + x]! * colDct[k * SIZE + x]!;
      low[k * KEEP + l] = 2 * s;
    }
  }
  const sorted = Float64Array.from(low).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  return packBitsMsbFirst(Array.from(low, (v) => v > median));
}

export const pHasher: PerceptualHasher = {
  id: 'phash',
  version: '1.0.0',
  bits: 64,
  describe: () =>
    'pHash, a 64-bit DCT perceptual hash (Zauner, "Implementation and Benchmarking of Perceptual Image Hash Functions", 2010; ' +
    'variant of the Python imagehash package): greyscale, 32×32 Lanczos resample, 8×8 lowest DCT frequencies against their median. ' +
    'Provided for exchange with tools that use it; weaker than PDQ, and resampling differences between tools can move a few bits.',
  hash: (pixels) => ({ bits: pHash(pixels) }),
};
