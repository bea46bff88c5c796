import { describe, expect, it } from 'vitest';
import { nearDuplicateGroups } from './groups.ts';

const hash = (fill: number, flips: number[] = []) => {
  const h = new Uint8Array(32).fill(fill);
  for (const b of flips) h[b >> 3]! ^= 1 << (b & 7);
  return h;
};

describe('near-duplicate grouping', () => {
  it('groups connected components (chains included) and picks the best-quality representative', () => {
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    const members = [
      { id: 'I-1', pdq: hash(0x00), quality: 80, pixels: 100 },
      { id: 'I-2', pdq: hash(0x00, range(0, 20)), quality: 100, pixels: 50 }, // 20 from I-1
      // 25 from I-2, 45 from I-1: joined through I-2
      { id: 'I-3', pdq: hash(0x00, range(0, 45)), quality: 90, pixels: 900 },
      { id: 'I-4', pdq: hash(0xff), quality: 100, pixels: 10 }, // alone
      { id: 'I-5', pdq: hash(0x0f), quality: 70, pixels: 10 },
      { id: 'I-6', pdq: hash(0x0f, [1]), quality: 70, pixels: 20 }, // tie on quality: more pixels wins
    ];
    const groups = nearDuplicateGroups(members, 31);
    expect(groups).toEqual([
      { id: 'G-0001', representative: 'I-2', members: ['I-1', 'I-2', 'I-3'], maxDistanceToRepresentative: 25 },
      { id: 'G-0002', representative: 'I-6', members: ['I-5', 'I-6'], maxDistanceToRepresentative: 1 },
    ]);
    expect(nearDuplicateGroups(members, 0)).toEqual([]);
  });
});
