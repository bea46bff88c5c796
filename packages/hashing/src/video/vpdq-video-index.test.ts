import { describe, expect, it } from 'vitest';
import { seededUint32 } from '@vestige/evidence';
import type { VpdqFrameHash } from '../sets/types.ts';
import { matchVpdq } from './vpdq-reference.ts';
import { VpdqVideoIndex } from './vpdq-video-index.ts';

const next = seededUint32(2026);
const randomHex = () => Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join('');
/** `hex` with `bits` random bits flipped. */
function near(hex: string, bits: number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < bits; i++) b[next() % 32]! ^= 1 << (next() % 8);
  return b.toString('hex');
}
const frames = (hexes: string[]): VpdqFrameHash[] =>
  hexes.map((hex, i) => ({ frame: i, hex, quality: 40 + (next() % 61), timestamp: i }));

describe('VpdqVideoIndex', () => {
  it('gives every video exactly the reference metric (matchVpdq with the video as the query)', () => {
    const base = Array.from({ length: 30 }, randomHex);
    // Videos sharing some frames with the searched one at various distances, repeats and low quality included.
    const videos = Array.from({ length: 12 }, (_, v) => ({
      video: `v${v}`,
      frames: frames(
        Array.from({ length: 10 + (v % 7) * 5 }, (_, i) =>
          i % (v + 2) === 0 ? near(base[(i + v) % 30]!, (v * 7 + i) % 45) : i % 5 === 4 ? base[v]! : randomHex(),
        ),
      ),
    }));
    const index = VpdqVideoIndex.build(videos);
    let matched = 0;
    for (let s = 0; s < 5; s++) {
      const searched = frames(base.map((h, i) => (i % (s + 1) === 0 ? near(h, s * 5) : randomHex())));
      const got = new Map(index.match(searched).map((m) => [m.video, m]));
      matched += got.size;
      for (const v of videos) {
        const want = matchVpdq(v.frames, searched);
        const m = got.get(v.video);
        if (want.queryMatchPercent === 0) expect(m).toBeUndefined();
        else
          expect({ queryMatchPercent: m?.queryMatchPercent, comparedMatchPercent: m?.comparedMatchPercent }).toEqual(
            want,
          );
      }
    }
    expect(matched).toBeGreaterThan(20);
  });
});
