import { PdqHashArray } from '@vestige/hashing';

/**
 * Hash populations for the matching benchmark. `uniform`: independent random 256-bit hashes.
 * `clustered`: what a real collection looks like — half the hashes in near-duplicate series (2–49
 * members, each a copy of the series' first image with 0–23 bits flipped: recompressions, resizes,
 * crops of one picture), half unrelated — which puts hundreds of hashes in the same index buckets.
 */
export type Population = 'uniform' | 'clustered';

export function generateSet(n: number, population: Population, next: () => number): PdqHashArray {
  const store = new PdqHashArray(n, { shared: true });
  const w = new Uint32Array(8);
  const centre = new Uint32Array(8);
  while (store.size < n) {
    for (let j = 0; j < 8; j++) centre[j] = next();
    const series = population === 'clustered' && next() % 2 === 0 ? 2 + (next() % 48) : 1;
    for (let k = 0; k < series && store.size < n; k++) {
      w.set(centre);
      if (k > 0) flip(w, 0, next() % 24, next);
      store.pushWords(w);
    }
  }
  return store;
}

function flip(words: Uint32Array, offset: number, bits: number, next: () => number): void {
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(next() % 256);
  for (const b of chosen) words[offset + (b >> 5)]! ^= 1 << (b & 31);
}

/** Queries: a third planted within `radius` of a member, a third 10–40 bits from one, a third random. */
export function generateQueries(
  store: PdqHashArray,
  q: number,
  radius: number,
  next: () => number,
): { queries: Uint32Array; plantedFrom: Int32Array } {
  const queries = new Uint32Array(new SharedArrayBuffer(q * 32));
  const plantedFrom = new Int32Array(q).fill(-1);
  for (let i = 0; i < q; i++) {
    const kind = i % 3;
    if (kind === 2) {
      for (let j = 0; j < 8; j++) queries[i * 8 + j] = next();
      continue;
    }
    const src = next() % store.size;
    queries.set(store.words.subarray(src * 8, src * 8 + 8), i * 8);
    flip(queries, i * 8, kind === 0 ? next() % (radius + 1) : 10 + (next() % 31), next);
    if (kind === 0) plantedFrom[i] = src;
  }
  return { queries, plantedFrom };
}
