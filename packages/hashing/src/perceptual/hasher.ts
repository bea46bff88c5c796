/**
 * The PerceptualHasher contract: a perceptual hash is a pure function of decoded pixels. Each hasher
 * is one file; `perceptualHashers` lists them for the CLI and the case integration.
 */

/** Interleaved 8-bit pixels, row-major; 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels. */
export interface RawPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export interface PerceptualHash {
  /** The hash, big-endian: hex is `bytesToHex(bits)`. */
  readonly bits: Uint8Array;
  /** 0–100 where the algorithm defines one (PDQ); undefined otherwise. */
  readonly quality?: number;
}

export interface PerceptualHasher {
  /** Stable identifier used in annotations and hash sets: 'pdq', 'phash', 'dhash'. */
  readonly id: string;
  /** Version of this implementation's output; bump when a change could alter any hash. */
  readonly version: string;
  readonly bits: number;
  /** Plain words for a court report, with a reference. */
  describe(): string;
  hash(pixels: RawPixels): PerceptualHash;
}
