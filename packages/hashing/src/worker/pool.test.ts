import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bruteForceSearch, hashWords, PdqHashArray } from '../match/pdq-hashes.ts';
import { PdqIndex } from '../match/pdq-index.ts';
import { HashingWorkerPool } from './pool.ts';

const images = fileURLToPath(new URL('../../../../tests/fixtures/pdq/images/', import.meta.url));
const pool = new HashingWorkerPool(2);
afterAll(() => pool.close());

describe('hashing worker pool', () => {
  it('hashes files on worker threads with the same result as the reference', async () => {
    const [a, b] = await Promise.all([
      pool.hashFile(images + 'bridge-mods--aaa-orig.png'),
      pool.hashFile(images + 'misc-images--wee.png'),
    ]);
    expect(a).toMatchObject({ hex: 'd8f8f0cee0f4a84f06370a2a038f67f0b36e2ed596621e1d33e6339c4e9c9b22', quality: 100 });
    expect(b).toMatchObject({ hex: '6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d', quality: 100 });
    await expect(pool.hashFile(images + 'missing.png')).rejects.toMatchObject({ code: 'E_INPUT_CORRUPT' });
  });

  it('searches a shared-memory index (either layout) from several workers, identical to brute force', async () => {
    const n = 20_000;
    const store = new PdqHashArray(n, { shared: true });
    let s = 99;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const w = new Uint32Array(8);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 8; j++) w[j] = next();
      store.pushWords(w);
    }
    // Every layout: their parts must cross to the workers intact.
    for (const layout of ['sweep', 'buckets', 'compact'] as const) {
      await pool.loadIndex(PdqIndex.build(store, { layout }));
      const queries = new Uint32Array(new SharedArrayBuffer(40 * 8 * 4));
      for (let q = 0; q < 40; q++) {
        queries.set(store.words.subarray(q * 37 * 8, q * 37 * 8 + 8), q * 8);
        queries[q * 8 + 3]! ^= 0x0f0f; // 8 bits away from item q*37
      }
      const [r0, r1] = await Promise.all([pool.search(queries, 0, 20, 31), pool.search(queries, 20, 40, 31)]);
      const counts = [...r0.counts, ...r1.counts];
      const flat = [...r0.hits, ...r1.hits];
      let k = 0;
      for (let q = 0; q < 40; q++) {
        const expected = bruteForceSearch(store, queries.subarray(q * 8, q * 8 + 8), 31);
        const got = [];
        for (let i = 0; i < counts[q]!; i++, k += 2) got.push({ index: flat[k]!, distance: flat[k + 1]! });
        expect(got).toEqual(expected);
        expect(got[0]).toEqual({ index: q * 37, distance: 8 });
      }
      // Every worker taking a share of one search gives the same answer.
      const all = await pool.searchAll(queries, 0, 40, 31);
      expect(Array.from(all.counts)).toEqual(counts);
      expect(Array.from(all.hits)).toEqual(flat);
    }
    expect(hashWords(new Uint8Array(32))).toHaveLength(8);
  });
});
