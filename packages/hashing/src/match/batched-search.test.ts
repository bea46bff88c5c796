import { describe, expect, it } from 'vitest';
import { seededUint32 } from '@vestige/evidence';
import { bytesToHex } from '../hex.ts';
import { BatchedPdqSearch } from './batched-search.ts';
import { PdqHashArray } from './pdq-hashes.ts';
import { PdqIndex } from './pdq-index.ts';

describe('BatchedPdqSearch', () => {
  it('hands on the same hits in the same order as one search per query, across batch boundaries', () => {
    const next = seededUint32(77);
    const store = new PdqHashArray(20_000);
    const bytes = () => Uint8Array.from({ length: 32 }, () => next() & 0xff);
    for (let i = 0; i < 20_000; i++) store.push(bytes());
    const index = PdqIndex.build(store);
    // Queries: copies of stored hashes with a few bits changed (hits), and random ones (misses).
    const queries = Array.from({ length: 2_500 }, (_, q) => {
      const h = q % 2 ? bytes() : index.hashAt(next() % 20_000);
      for (let b = 0; b < q % 20; b++) h[next() % 32]! ^= 1 << (next() % 8);
      return bytesToHex(h);
    });
    const got: Array<[number, number, number]> = [];
    const batched = new BatchedPdqSearch<number>(index, 31, (q, i, d) => got.push([q, i, d]), 1000);
    queries.forEach((hex, q) => batched.add(hex, q));
    batched.flush();
    const want = queries.flatMap((hex, q) =>
      index.search(Buffer.from(hex, 'hex'), 31).map((h) => [q, h.index, h.distance]),
    );
    expect(want.length).toBeGreaterThan(1000);
    expect(got).toEqual(want);
  });
});
