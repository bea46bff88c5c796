import { seededUint32 as prng } from '@vestige/evidence';
import { describe, expect, it } from 'vitest';
import { bruteForceSearch, mergeShares, PdqHashArray, PDQ_WORDS } from './pdq-hashes.ts';
import { splitChunks, SweepIndex, type SweepPlan, sweepPlan } from './sweep-index.ts';

/** A set with near-duplicate series (up to 23 bits from the series' first hash) and unrelated hashes. */
function clusteredSet(n: number, next: () => number): PdqHashArray {
  const store = new PdqHashArray(n);
  const centre = new Uint32Array(PDQ_WORDS);
  const w = new Uint32Array(PDQ_WORDS);
  while (store.size < n) {
    for (let j = 0; j < PDQ_WORDS; j++) centre[j] = next();
    const series = next() % 2 === 0 ? 2 + (next() % 30) : 1;
    for (let k = 0; k < series && store.size < n; k++) {
      w.set(centre);
      if (k > 0) flip(w, 0, next() % 24, next);
      store.pushWords(w);
    }
  }
  return store;
}

function flip(words: Uint32Array, base: number, bits: number, next: () => number): void {
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(next() % 256);
  for (const b of chosen) words[base + (b >> 5)]! ^= 1 << (b & 31);
}

/** Queries: a third within `radius` of a member, a third a little further, a third random. */
function queriesFor(store: PdqHashArray, count: number, radius: number, next: () => number): Uint32Array {
  const q = new Uint32Array(count * PDQ_WORDS);
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2) {
      for (let j = 0; j < PDQ_WORDS; j++) q[i * PDQ_WORDS + j] = next();
      continue;
    }
    const src = next() % store.size;
    q.set(store.words.subarray(src * PDQ_WORDS, (src + 1) * PDQ_WORDS), i * PDQ_WORDS);
    flip(q, i * PDQ_WORDS, i % 3 === 0 ? next() % (radius + 1) : radius + 1 + (next() % 8), next);
  }
  return q;
}

/** searchMany's flat answer must be a linear scan's, query by query, in the same order. */
function expectLinearScan(
  index: SweepIndex,
  store: PdqHashArray,
  queries: Uint32Array,
  from: number,
  to: number,
  radius: number,
  only?: SweepPlan['method'],
) {
  const { counts, hits } = index.searchMany(queries, from, to, radius, { only });
  let k = 0;
  let total = 0;
  for (let i = from; i < to; i++) {
    const expected = bruteForceSearch(store, queries.subarray(i * PDQ_WORDS, (i + 1) * PDQ_WORDS), radius);
    const got: Array<{ index: number; distance: number }> = [];
    for (let c = 0; c < counts[i - from]!; c++, k += 2) got.push({ index: hits[k]!, distance: hits[k + 1]! });
    expect(got, `query ${i}, ${only ?? 'planned'}`).toEqual(expected);
    total += got.length;
  }
  expect(k).toBe(hits.length);
  return total;
}

describe('SweepIndex: batches joined against the hashes, identical to a linear scan', () => {
  it('splits the radius over chunks so that Σ(τ + 1) = radius + 1 and the chunks cover 256 bits', () => {
    for (const [m, radius] of [
      [11, 31],
      [16, 31],
      [12, 40],
      [32, 31],
    ] as const) {
      const chunks = splitChunks(m, radius)!;
      expect(chunks.reduce((s, c) => s + c.bits, 0)).toBe(256);
      expect(chunks.reduce((s, c) => s + c.tau + 1, 0)).toBe(radius + 1);
      expect(chunks.every((c, i) => i === 0 || c.offset === chunks[i - 1]!.offset + chunks[i - 1]!.bits)).toBe(true);
    }
    expect(splitChunks(33, 31)).toBeUndefined(); // a chunk would need τ < 0
  });

  it('chooses partitioned probes for a large set, sorted merge for a case-sized one, a scan for a few queries', () => {
    expect(sweepPlan(10_000_000, 50_000, 31).method).toBe('partition');
    expect(sweepPlan(100_000, 50_000, 31).method).toBe('merge');
    expect(sweepPlan(100_000, 3, 31).method).toBe('scan');
    expect(sweepPlan(1_000_000, 1000, 8).method).toBe('scan'); // 9 chunks of ≥ 28 bits: no table fits
  });

  it('matches the linear scan with each method, on clustered hashes, at several radii', () => {
    const next = prng(7);
    const store = clusteredSet(20_000, next);
    const index = SweepIndex.build(store);
    const queries = queriesFor(store, 600, 31, next);
    for (const radius of [31, 16, 40]) {
      const hits = [
        expectLinearScan(index, store, queries, 0, 600, radius, 'partition'),
        expectLinearScan(index, store, queries, 0, 600, radius, 'merge'),
        expectLinearScan(index, store, queries, 17, 20, radius),
      ];
      expect(hits[0], `radius ${radius}`).toBeGreaterThan(200);
      expect(hits[1]).toBe(hits[0]);
    }
  });

  it('keeps every pair once when exact duplicates fill one key (the worst case for a join)', () => {
    const next = prng(11);
    const n = 30_000;
    const store = new PdqHashArray(n);
    const w = new Uint32Array(PDQ_WORDS);
    for (let i = 0; i < n; i++) {
      if (i % 10 !== 0) for (let j = 0; j < PDQ_WORDS; j++) w[j] = next();
      store.pushWords(w); // every tenth hash repeats the one before it
    }
    const index = SweepIndex.build(store);
    const queries = queriesFor(store, 300, 31, next);
    const partition = expectLinearScan(index, store, queries, 0, 300, 31, 'partition');
    expect(partition).toBeGreaterThan(100);
    expect(expectLinearScan(index, store, queries, 0, 300, 31, 'merge')).toBe(partition);
  });

  it('answers a batch of 70,000 queries in order', () => {
    const next = prng(13);
    const store = clusteredSet(2_000, next);
    const index = SweepIndex.build(store);
    const queries = queriesFor(store, 70_000, 31, next);
    const { counts } = index.searchMany(queries, 0, 70_000, 31);
    expect(counts.length).toBe(70_000);
    // Spot checks, each query in its place.
    expectLinearScan(index, store, queries, 65_530, 65_545, 31);
    const tail = index.searchMany(queries, 65_530, 65_545, 31);
    expect(Array.from(tail.counts)).toEqual(Array.from(counts.subarray(65_530, 65_545)));
  });

  it('splits a search into shares whose hits together are the whole answer (tables for a partition join, queries otherwise)', () => {
    const next = prng(17);
    const store = clusteredSet(20_000, next);
    const index = SweepIndex.build(store);
    const queries = queriesFor(store, 900, 31, next);
    for (const only of ['partition', 'merge', 'scan'] as const) {
      const whole = index.searchMany(queries, 100, 900, 31, { only });
      for (const of of [2, 3, 16]) {
        const parts = Array.from({ length: of }, (_, i) =>
          index.searchMany(queries, 100, 900, 31, { only, share: { index: i, of } }),
        );
        const merged = mergeShares(parts);
        expect(Array.from(merged.counts), `${only}, ${of} shares`).toEqual(Array.from(whole.counts));
        expect(Array.from(merged.hits), `${only}, ${of} shares`).toEqual(Array.from(whole.hits));
        // Each share did part of the work, not all of it.
        if (only === 'partition') expect(parts.every((p) => p.hits.length < whole.hits.length)).toBe(true);
      }
    }
  });

  it('takes a partition join in several passes when a pass would hold too many probes', () => {
    const next = prng(19);
    const store = clusteredSet(5_000, next);
    const index = SweepIndex.build(store);
    const count = 9_000;
    const queries = queriesFor(store, count, 31, next);
    // 1,000 queries a pass (memory allows about 111,000 at 301 probe keys a query): nine passes, the last one short.
    const partition = index.searchMany(queries, 0, count, 31, { only: 'partition', passSize: 1_000 });
    const scan = index.searchMany(queries, 0, count, 31, { only: 'scan' });
    expect(Array.from(partition.counts)).toEqual(Array.from(scan.counts));
    expect(Array.from(partition.hits)).toEqual(Array.from(scan.hits));
    expect(partition.hits.length / 2).toBeGreaterThan(count / 3);
  });
});
