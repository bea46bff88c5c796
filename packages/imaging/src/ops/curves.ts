import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { applyLut, lutFrom } from '../raster.ts';
import { channelIndex, channelWords, colourChannel, fmt, level255 } from './params.ts';

/**
 * The tone curve through the control points (0–255 scale), as a function on 0…1. `monotone` is the
 * Fritsch–Carlson monotone cubic: smooth, and it never reverses the order of brightness.
 */
export function curveFunction(
  points: ReadonlyArray<readonly [number, number]>,
  interpolation: 'linear' | 'monotone',
): (x: number) => number {
  const xs = points.map((q) => q[0] / 255);
  const ys = points.map((q) => q[1] / 255);
  const n = xs.length;
  const d: number[] = [];
  for (let i = 0; i < n - 1; i++) d.push((ys[i + 1]! - ys[i]!) / (xs[i + 1]! - xs[i]!));
  const m: number[] = new Array(n).fill(0);
  if (interpolation === 'monotone') {
    m[0] = d[0]!;
    m[n - 1] = d[n - 2]!;
    for (let i = 1; i < n - 1; i++) m[i] = d[i - 1]! * d[i]! <= 0 ? 0 : (d[i - 1]! + d[i]!) / 2;
    for (let i = 0; i < n - 1; i++) {
      if (d[i] === 0) {
        m[i] = 0;
        m[i + 1] = 0;
        continue;
      }
      const a = m[i]! / d[i]!;
      const b = m[i + 1]! / d[i]!;
      const s = a * a + b * b;
      if (s > 9) {
        const t = 3 / Math.sqrt(s);
        m[i] = t * a * d[i]!;
        m[i + 1] = t * b * d[i]!;
      }
    }
  }
  return (x) => {
    if (x <= xs[0]!) return ys[0]!;
    if (x >= xs[n - 1]!) return ys[n - 1]!;
    let i = 0;
    while (x > xs[i + 1]!) i++;
    const h = xs[i + 1]! - xs[i]!;
    const t = (x - xs[i]!) / h;
    if (interpolation === 'linear') return ys[i]! + (ys[i + 1]! - ys[i]!) * t;
    const t2 = t * t;
    const t3 = t2 * t;
    return (
      (2 * t3 - 3 * t2 + 1) * ys[i]! +
      (t3 - 2 * t2 + t) * h * m[i]! +
      (-2 * t3 + 3 * t2) * ys[i + 1]! +
      (t3 - t2) * h * m[i + 1]!
    );
  };
}

export const curves = defineOperation({
  id: 'curves',
  version: '1',
  title: 'Tone curve through control points',
  schema: z.strictObject({
    channel: colourChannel.default('all'),
    points: z
      .array(z.tuple([level255, level255]))
      .min(2)
      .max(32)
      .refine((ps) => ps.every((q, i) => i === 0 || q[0] > ps[i - 1]![0]), {
        message: 'control points must have strictly increasing input values',
      }),
    interpolation: z.enum(['linear', 'monotone']).default('monotone'),
  }),
  describe: (p) =>
    `Tone curve on ${channelWords(p.channel)} through the points ${p.points.map(([a, b]) => `${fmt(a)}→${fmt(b)}`).join(', ')} (input→output, 0–255 scale), ${p.interpolation === 'linear' ? 'joined by straight lines' : 'joined by a smooth curve that never reverses the order of brightness (monotone cubic)'}; values outside the first and last points are held at their ends.`,
  reference:
    'Intensity transformation functions: Gonzalez & Woods, Digital Image Processing (4th ed.), §3.2; monotone cubic interpolation: Fritsch & Carlson, SIAM J. Numer. Anal. 17(2), 1980.',
  apply(img, p) {
    return applyLut(img, lutFrom(curveFunction(p.points, p.interpolation)), channelIndex(p.channel, img.channels));
  },
});
