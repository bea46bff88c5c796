import { bytesToHex } from '../hex.ts';
import { decodeImage } from '../image/decode.ts';
import type { PerceptualHasher, RawPixels } from './hasher.ts';
import { perceptualHasher, perceptualHashers } from './registry.ts';

export interface ImageHashes {
  readonly width: number;
  readonly height: number;
  /** hasher id → { hex, quality? } */
  readonly hashes: Record<string, { hex: string; quality?: number; version: string }>;
}

/** Runs several hashers over pixels decoded once. */
export function hashPixels(
  pixels: RawPixels,
  hashers: readonly PerceptualHasher[] = perceptualHashers.list(),
): ImageHashes {
  const hashes: ImageHashes['hashes'] = {};
  for (const h of hashers) {
    const r = h.hash(pixels);
    hashes[h.id] =
      r.quality === undefined
        ? { hex: bytesToHex(r.bits), version: h.version }
        : { hex: bytesToHex(r.bits), quality: r.quality, version: h.version };
  }
  return { width: pixels.width, height: pixels.height, hashes };
}

/** Decodes a file (or buffer) and hashes it; throws E_INPUT_CORRUPT when it cannot be decoded. */
export async function hashImage(
  input: string | Buffer,
  hasherIds: readonly string[] = ['pdq', 'phash', 'dhash'],
  label?: string,
): Promise<ImageHashes> {
  const hashers = hasherIds.map((id) => perceptualHasher(id));
  return hashPixels(await decodeImage(input, label), hashers);
}
