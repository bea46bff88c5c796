import type { PerceptualHasher, RawPixels } from './hasher.ts';
import { greyPillow, packBitsMsbFirst, resampleGrey } from './grey-resample.ts';

/**
 * 64-bit difference hash (Krawetz, "Kind of Like That", 2013; the Python `imagehash.dhash` form):
 * greyscale, resample to 9×8, one bit per horizontally adjacent pair, set when the right pixel is
 * brighter than the left, row by row, most significant bit first.
 */
export function dHash(pixels: RawPixels): Uint8Array {
  const small = resampleGrey(greyPillow(pixels), pixels.width, pixels.height, 9, 8);
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits.push(small[y * 9 + x + 1]! > small[y * 9 + x]!);
  return packBitsMsbFirst(bits);
}

export const dHasher: PerceptualHasher = {
  id: 'dhash',
  version: '1.0.0',
  bits: 64,
  describe: () =>
    'dHash, a 64-bit gradient ("difference") hash (N. Krawetz, 2013; imagehash.dhash form): greyscale 9×8 resample, ' +
    'one bit per left-to-right brightness increase. Very fast and widely exchanged, but weaker than PDQ.',
  hash: (pixels) => ({ bits: dHash(pixels) }),
};
