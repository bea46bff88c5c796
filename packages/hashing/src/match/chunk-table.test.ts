import { seededUint32 as prng } from '@vestige/evidence';
import { describe, expect, it } from 'vitest';
import { popcount32 } from '../hex.ts';
import { ChunkTable, prefixBitsFor, reverseBits } from './chunk-table.ts';

/** Bit-reversed masks of `k` bits with at most `tau` set, as the PDQ index hands them over. */
function reversedMasks(k: number, tau: number): Uint32Array {
  const out: number[] = [];
  for (let m = 0; m < 2 ** k; m++) if (popcount32(m) <= tau) out.push(reverseBits(m, k));
  return Uint32Array.from(out);
}

function randomValues(n: number, seed: number, options: { duplicates?: boolean } = {}): Uint32Array {
  const next = prng(seed);
  const v = new Uint32Array(n);
  for (let i = 0; i < n; i++) v[i] = options.duplicates && i % 3 === 0 && i > 0 ? v[next() % i]! : next();
  return v;
}

describe('ChunkTable: 32-bit values stored once, searchable by Hamming distance', () => {
  it('gives back every value by position and maps positions both ways, at every directory width', () => {
    for (const n of [1, 255, 256, 257, 513, 3000]) {
      const values = randomValues(n, n, { duplicates: true });
      // 24 is the widest directory (16 M starts): once is enough.
      for (const k of n === 257 ? [0, 1, 8, 12, 16, 24] : [0, 1, 8, 12, 16, 20]) {
        const table = ChunkTable.build(values.slice(), { prefixBits: k });
        for (let x = 0; x < n; x++) {
          expect(table.access(x), `n ${n}, k ${k}, x ${x}`).toBe(values[x]);
          const p = table.sortedPosition(x);
          expect(table.locate(p)).toBe(x);
        }
      }
    }
  });

  it('finds exactly the values within τ of a query, each once, with its distance', () => {
    const n = 4000;
    const values = randomValues(n, 9, { duplicates: true });
    const next = prng(10);
    for (const k of [0, 6, 11, 16]) {
      const table = ChunkTable.build(values.slice(), { prefixBits: k });
      for (const tau of [0, 1, 3, 5]) {
        const masks = reversedMasks(k, tau);
        for (let i = 0; i < 20; i++) {
          // Half the queries sit near a stored value, so there is something to find.
          let q = i % 2 ? next() : values[next() % n]!;
          for (let f = next() % (tau + 2); f > 0; f--) q ^= 1 << (next() % 32);
          q >>>= 0;
          const found: Array<[number, number]> = [];
          table.forEachWithin(q, tau, masks, (p, d) => found.push([table.locate(p), d]));
          const expected: Array<[number, number]> = [];
          values.forEach((v, x) => {
            const d = popcount32(v ^ q);
            if (d <= tau) expected.push([x, d]);
          });
          expect(
            found.sort((a, b) => a[0] - b[0]),
            `k ${k}, τ ${tau}`,
          ).toEqual(expected);
        }
      }
    }
  });

  it('measures distances with an early stop past the limit', () => {
    const values = randomValues(2000, 3);
    const table = ChunkTable.build(values.slice());
    const next = prng(4);
    for (let i = 0; i < 500; i++) {
      const x = next() % values.length;
      const q = next();
      const exact = popcount32(values[x]! ^ q);
      expect(table.distanceAt(x, q, 32)).toBe(exact);
      const limit = next() % 20;
      const d = table.distanceAt(x, q, limit);
      if (exact <= limit) expect(d).toBe(exact);
      else expect(d).toBeGreaterThan(limit);
    }
  });

  it('rebuilds from its parts (shared memory for worker threads) and picks a directory width by size', () => {
    const values = randomValues(1000, 5);
    const table = ChunkTable.build(values.slice(), { shared: true });
    expect(table.levels.buffer).toBeInstanceOf(SharedArrayBuffer);
    const copy = ChunkTable.fromParts(table.parts());
    for (let x = 0; x < 1000; x += 7) expect(copy.access(x)).toBe(values[x]);
    expect(ChunkTable.build(new Uint32Array(0)).length).toBe(0);
    expect(prefixBitsFor(0)).toBe(0);
    expect(prefixBitsFor(1_000_000)).toBe(16); // 16-bit suffixes from ~half a million values
    expect(prefixBitsFor(10_000_000)).toBe(18); // ~38 values per prefix
  });
});
