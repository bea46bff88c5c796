import type { PerceptualHasher, RawPixels } from './hasher.ts';
import {
  pdqDihedralFromLuma,
  pdqFromLuma,
  pdqLuma,
  referencePreResize,
  type PdqDihedralResult,
  type PdqResult,
} from './pdq.ts';

export interface PdqOptions {
  /**
   * Shrink images larger than 512 px to 512×512 (nearest neighbour) first, exactly as Meta's
   * `pdq-photo-hasher` does. On by default so that hashes interoperate with sets made by the
   * reference tool; turn off to hash the full-resolution pixels (the PDQ algorithm on its own,
   * as the reference's Python and Rust bindings do when given a full-size array).
   */
  readonly referencePreResize?: boolean;
}

function prepare(pixels: RawPixels, options: PdqOptions): { luma: Float32Array; rows: number; cols: number } {
  const img =
    options.referencePreResize === false
      ? pixels
      : referencePreResize(pixels.data, pixels.width, pixels.height, pixels.channels);
  return { luma: pdqLuma(img.data, img.width, img.height, pixels.channels), rows: img.height, cols: img.width };
}

/** PDQ hash and quality of decoded pixels, bit-exact with the reference photo hasher. */
export function pdqHash(pixels: RawPixels, options: PdqOptions = {}): PdqResult {
  const { luma, rows, cols } = prepare(pixels, options);
  return pdqFromLuma(luma, rows, cols);
}

/** The eight dihedral PDQ hashes (original, rotations, flips) from one DCT. */
export function pdqDihedralHashes(pixels: RawPixels, options: PdqOptions = {}): PdqDihedralResult {
  const { luma, rows, cols } = prepare(pixels, options);
  return pdqDihedralFromLuma(luma, rows, cols);
}

export const PDQ_VERSION = '1.0.0';

export const pdqHasher: PerceptualHasher = {
  id: 'pdq',
  version: PDQ_VERSION,
  bits: 256,
  describe: () =>
    'PDQ perceptual hash (256 bits) as published by Meta (facebook/ThreatExchange, pdq; "The TMK+PDQF and PDQ hashing algorithms", 2019): ' +
    'luminance, two-pass tent-filter blur, 64×64 decimation, 16×16 DCT, one bit per coefficient above the median. ' +
    'Implemented to give bit-identical hashes and quality scores to the reference implementation for the same decoded pixels, ' +
    'including its shrink of images larger than 512 px to 512×512. Hashes within Hamming distance 31 of each other are conventionally treated as matches.',
  hash(pixels) {
    const r = pdqHash(pixels);
    return { bits: r.hash, quality: r.quality };
  },
};
