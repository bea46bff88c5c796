import { registry } from '@vestige/evidence';
import type { PerceptualHasher } from './hasher.ts';
import { pdqHasher } from './pdq-hasher.ts';
import { pHasher } from './phash.ts';
import { dHasher } from './dhash.ts';

/** Every perceptual hasher, by id. Adding one is one file plus one line here; an id given twice is refused. */
export const perceptualHashers = registry<PerceptualHasher>('perceptual hash', [pdqHasher, pHasher, dHasher]);

/** The hasher, or `E_PARAM_INVALID` naming the known ones. */
export function perceptualHasher(id: string): PerceptualHasher {
  return perceptualHashers.get(id);
}
