import { describe, expect, it } from 'vitest';
import { chooseKeyframes, type FrameMotion } from './keyframes.ts';

const params = { spacing: 0.15, blur: 0.6, window: 5 };

function walk(n: number, motion: number, sharpness = (_i: number) => 100): FrameMotion[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, sharpness: sharpness(i), motion: i === 0 ? 0 : motion }));
}

describe('keyframes for photogrammetry', () => {
  it('takes a frame each time the image has moved by the spacing, so neighbours overlap without near-duplicates', () => {
    const { selected } = chooseKeyframes(walk(61, 0.03), params);
    const gaps = selected.slice(1).map((s, i) => s - selected[i]!);
    expect(selected[0]).toBe(0);
    for (const g of gaps) expect(g * 0.03).toBeGreaterThanOrEqual(0.15 - 1e-9);
    for (const g of gaps) expect(g * 0.03).toBeLessThanOrEqual(0.15 * 1.5 + 1e-9);
  });

  it('takes nothing new while the camera stands still', () => {
    const frames = walk(40, 0.0);
    expect(chooseKeyframes(frames, params).selected).toEqual([0]);
  });

  it('never takes a blurred frame, and takes the sharpest of the stretch instead', () => {
    const frames = walk(61, 0.03, (i) => (i % 7 === 3 ? 20 : 100 + (i % 3)));
    const { selected, blurred } = chooseKeyframes(frames, params);
    expect(blurred).toEqual(frames.filter((f) => f.index % 7 === 3).map((f) => f.index));
    for (const s of selected) expect(s % 7).not.toBe(3);
  });
});
