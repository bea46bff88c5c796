import type { PerceptualHasher } from './hasher.ts';
import { pdqHasher } from './pdq-hasher.ts';
import { pHasher } from './phash.ts';
import { dHasher } from './dhash.ts';

/** Every perceptual hasher, by id. Adding one is one file plus one line here. */
export const perceptualHashers: ReadonlyMap<string, PerceptualHasher> = new Map(
  [pdqHasher, pHasher, dHasher].map((h) => [h.id, h]),
);

export function perceptualHasher(id: string): PerceptualHasher | undefined {
  return perceptualHashers.get(id);
}
