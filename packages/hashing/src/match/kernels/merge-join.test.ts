import * as fs from 'node:fs';
import { seededUint32 as prng } from '@vestige/evidence';
import { describe, expect, it } from 'vitest';
import { assemble, kernelSources } from '../../../build-kernels.mjs';
import { bruteForceSearch, PdqHashArray, PDQ_WORDS } from '../pdq-hashes.ts';
import { SweepIndex } from '../sweep-index.ts';

describe('WebAssembly kernels', () => {
  it('are exactly what their .wat sources assemble to', async () => {
    const sources = kernelSources();
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const committed = fs.readFileSync(source.replace(/\.wat$/, '.wasm'));
      const assembled = await assemble(source);
      expect(Buffer.from(assembled).equals(committed), `${source}: run node packages/hashing/build-kernels.mjs`).toBe(
        true,
      );
    }
  });

  it('merge join: stops when its hit buffer is full and resumes where it was, losing and repeating nothing', () => {
    // Series of near-duplicates give each query dozens of hits: far more than the 6,000 a call may
    // hold here, so the kernel hands hits over and resumes many times, mid-run.
    const next = prng(23);
    const n = 3_000;
    const store = new PdqHashArray(n);
    const w = new Uint32Array(PDQ_WORDS);
    for (let i = 0; i < n; i++) {
      if (i % 40 === 0) for (let j = 0; j < PDQ_WORDS; j++) w[j] = next();
      else w[next() % PDQ_WORDS]! ^= 1 << (next() % 32);
      store.pushWords(w);
    }
    const index = SweepIndex.build(store);
    const queries = store.words.slice(0, n * PDQ_WORDS);
    const { counts, hits } = index.searchMany(queries, 0, n, 31, { only: 'merge', hitCapacity: 1 });
    expect(hits.length / 2).toBeGreaterThan(10 * n);
    for (let q = 0, k = 0; q < n; q++) {
      const got: Array<{ index: number; distance: number }> = [];
      for (let c = 0; c < counts[q]!; c++, k += 2) got.push({ index: hits[k]!, distance: hits[k + 1]! });
      expect(got, `query ${q}`).toEqual(
        bruteForceSearch(store, queries.subarray(q * PDQ_WORDS, (q + 1) * PDQ_WORDS), 31),
      );
    }
  });
});
