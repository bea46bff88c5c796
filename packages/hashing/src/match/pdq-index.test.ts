import { seededUint32 as prng } from '@vestige/evidence';
import { describe, expect, it } from 'vitest';
import { bruteForceSearch, hashWords, PdqHashArray, tauFor } from './pdq-hashes.ts';
import { COMPACT_FROM, PdqIndex } from './pdq-index.ts';

function randomHash(next: () => number): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) new DataView(h.buffer).setUint32(i, next());
  return h;
}

/** A copy of `h` with exactly `k` distinct bits flipped. */
function flip(h: Uint8Array, k: number, next: () => number): Uint8Array {
  const out = Uint8Array.from(h);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(next() % 256);
  for (const b of chosen) out[b >> 3]! ^= 1 << (b & 7);
  return out;
}

describe('PDQ multi-index search: identical to brute force', () => {
  it('100,000 hashes, 600 queries (a third planted within ≤ 31, some in clusters), radius 31', () => {
    const next = prng(42);
    const n = 100_000;
    const store = new PdqHashArray(n);
    const base: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      // Every 50th hash is a near-duplicate of an earlier one, so some queries have several answers.
      const h = i > 0 && i % 50 === 0 ? flip(base[next() % base.length]!, next() % 20, next) : randomHash(next);
      base.push(h);
      store.push(h);
    }
    // Both layouts; the compact one also with the wide directories (16-bit suffixes) 10 M hashes get.
    const indexes = [
      PdqIndex.build(store, { layout: 'sweep' }),
      PdqIndex.build(store, { layout: 'buckets' }),
      PdqIndex.build(store, { layout: 'compact' }),
      PdqIndex.build(store, { layout: 'compact', prefixBits: 16 }),
      PdqIndex.build(store, { layout: 'compact', prefixBits: 20 }),
    ];
    const queries: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      if (i % 3 === 0)
        queries.push(flip(base[next() % n]!, next() % 32, next)); // planted: distance 0..31
      else if (i % 3 === 1)
        queries.push(flip(base[next() % n]!, 32 + (next() % 8), next)); // just outside
      else queries.push(randomHash(next));
    }
    let planted = 0;
    let totalHits = 0;
    const expected: ReturnType<typeof bruteForceSearch>[] = [];
    for (const [i, q] of queries.entries()) {
      const slow = bruteForceSearch(store, q, 31);
      expected.push(slow);
      for (const [k, index] of indexes.entries()) expect(index.search(q, 31), `query ${i}, index ${k}`).toEqual(slow);
      if (i % 3 === 0) {
        expect(slow.length).toBeGreaterThan(0);
        planted++;
      }
      totalHits += slow.length;
    }
    expect(planted).toBe(200);
    expect(totalHits).toBeGreaterThanOrEqual(200);
    // The batched form (the compact layout sweeps its tables once for all queries) gives the same.
    const words = new Uint32Array(queries.length * 8);
    queries.forEach((q, i) => words.set(hashWords(q), i * 8));
    for (const [k, index] of indexes.entries()) {
      const { counts, hits } = index.searchMany(words, 0, queries.length, 31);
      let at = 0;
      queries.forEach((_, i) => {
        const got = Array.from({ length: counts[i]! }, (_, j) => ({
          index: hits[at + 2 * j]!,
          distance: hits[at + 2 * j + 1]!,
        }));
        at += 2 * counts[i]!;
        expect(got, `batched query ${i}, index ${k}`).toEqual(expected[i]);
      });
    }
  });

  it('agrees at every radius, across chunk boundaries and far beyond the usual 31', () => {
    const next = prng(7);
    const n = 5_000;
    const store = new PdqHashArray(n);
    const base: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const h = randomHash(next);
      base.push(h);
      store.push(h);
    }
    for (const [layout, prefixBits] of [['buckets'], ['compact'], ['compact', 0], ['compact', 16]] as const) {
      const index = PdqIndex.build(store, { layout, prefixBits });
      for (const radius of [0, 1, 11, 12, 15, 16, 17, 23, 31, 32, 47, 48, 63, 64, 90]) {
        for (let i = 0; i < 30; i++) {
          const q = flip(base[next() % n]!, next() % (radius + 1), next);
          expect(index.search(q, radius), `radius ${radius}, ${layout} ${prefixBits ?? ''}`).toEqual(
            bruteForceSearch(store, q, radius),
          );
        }
      }
    }
    // The sweep layout answers a single query by scanning; a batch is joined, by a plan per radius.
    const sweep = PdqIndex.build(store, { layout: 'sweep' });
    for (const radius of [0, 9, 10, 11, 16, 23, 31, 32, 47, 64, 90]) {
      const count = 300;
      const words = new Uint32Array(count * 8);
      const queries = Array.from({ length: count }, (_, i) => {
        const q = flip(base[next() % n]!, next() % (radius + 1), next);
        words.set(hashWords(q), i * 8);
        return q;
      });
      const { counts, hits } = sweep.searchMany(words, 0, count, radius);
      let at = 0;
      queries.forEach((q, i) => {
        const got = Array.from({ length: counts[i]! }, (_, j) => ({
          index: hits[at + 2 * j]!,
          distance: hits[at + 2 * j + 1]!,
        }));
        at += 2 * counts[i]!;
        expect(got, `radius ${radius}, sweep, query ${i}`).toEqual(bruteForceSearch(store, q, radius));
      });
    }
  });

  it('splits the radius by the generalised pigeonhole principle', () => {
    expect(tauFor(31, 8)).toEqual(Array(8).fill(3));
    expect(tauFor(31, 16)).toEqual(Array(16).fill(1));
    expect(tauFor(10, 8)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    // Σ(τ_i + 1) must exceed the radius.
    for (const chunks of [8, 16])
      for (let r = 0; r < 120; r++) expect(tauFor(r, chunks).reduce((s, t) => s + t + 1, 0)).toBeGreaterThan(r);
  });

  it('reports each of many identical hashes, once', () => {
    const next = prng(11);
    const h = randomHash(next);
    const store = new PdqHashArray(3000);
    for (let i = 0; i < 3000; i++) store.push(i % 5 === 0 ? h : randomHash(next));
    const query = flip(h, 5, next);
    for (const layout of ['sweep', 'buckets', 'compact'] as const) {
      const hits = PdqIndex.build(store, { layout }).search(query, 31);
      expect(hits).toEqual(bruteForceSearch(store, query, 31));
      expect(hits.length).toBe(600);
      expect(new Set(hits.map((x) => x.index)).size).toBe(600);
      expect(hits.every((x) => x.distance === 5 && x.index % 5 === 0)).toBe(true);
    }
  });

  it('reports its memory, gives hashes back and rejects bad radii and hash sizes, in every layout', () => {
    for (const layout of ['sweep', 'buckets', 'compact'] as const) {
      const index = PdqIndex.fromHashes([new Uint8Array(32), new Uint8Array(32).fill(255)], { layout });
      expect(index.layout).toBe(layout);
      expect(index.search(new Uint8Array(32), 0)).toEqual([{ index: 0, distance: 0 }]);
      expect(index.hashAt(1)).toEqual(new Uint8Array(32).fill(255));
      expect(() => index.hashAt(2)).toThrow(RangeError);
      expect(index.memoryBytes()).toBeGreaterThanOrEqual(64);
      expect(() => index.search(new Uint8Array(32), -1)).toThrow(RangeError);
      expect(PdqIndex.fromHashes([], { layout }).search(new Uint8Array(32), 31)).toEqual([]);
    }
    expect(() => PdqIndex.fromHashes([new Uint8Array(31)])).toThrow(/32 bytes/);
    expect(PdqIndex.fromHashes([new Uint8Array(32)]).layout).toBe('sweep');
    expect(PdqIndex.fromHashes([new Uint8Array(32)], { layout: 'persistent' }).layout).toBe('buckets');
    // The sweep layout holds the hashes and nothing else.
    expect(PdqIndex.fromHashes([new Uint8Array(32), new Uint8Array(32)]).memoryBytes()).toBe(64);
    expect(COMPACT_FROM).toBeGreaterThan(100_000);
  });
});
