import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { indexExpression, type FrameSelector } from './selector.ts';

const schema = z
  .object({
    /** Window length in frames … */
    frames: z.number().int().min(1).optional(),
    /** … or in seconds of presentation time (for variable-rate video). */
    seconds: z.number().positive().optional(),
  })
  .strict()
  .refine((p) => (p.frames === undefined) !== (p.seconds === undefined), {
    message: 'give exactly one of frames or seconds',
  });

/**
 * Variance of the Laplacian (4-neighbour kernel) over the grey image: high when there are many sharp edges, low
 * when the frame is blurred by motion or focus (Pech-Pacheco et al., 2000).
 */
export function laplacianVariance(gray: Uint8Array, width: number, height: number): number {
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const v = gray[i - width]! + gray[i + width]! + gray[i - 1]! + gray[i + 1]! - 4 * gray[i]!;
      sum += v;
      sumSq += v * v;
      count++;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return sumSq / count - mean * mean;
}

export const sharpestPerWindow: FrameSelector<z.infer<typeof schema>> = {
  id: 'sharpest',
  version: '1',
  schema,
  describe: (p) =>
    `In each consecutive window of ${p.frames !== undefined ? `${p.frames} frames` : `${p.seconds} seconds`}, the frame with the highest variance of the Laplacian of its grey image (the sharpest; earliest on a tie). Reference: Pech-Pacheco et al., "Diatom autofocusing in brightfield microscopy: a comparative study", ICPR 2000.`,
  async plan(p, ctx) {
    const tb = ctx.stream.timeBase[0] / ctx.stream.timeBase[1];
    const best = new Map<number, { index: number; score: number }>();
    const scores = new Map<number, Record<string, unknown>>();
    let firstPts: number | null = null;
    await ctx.forEachGrayFrame((frame, gray, width, height) => {
      const score = laplacianVariance(gray, width, height);
      scores.set(frame.index, { sharpness: Math.round(score * 1000) / 1000 });
      let window: number;
      if (p.frames !== undefined) window = Math.floor(frame.index / p.frames);
      else {
        if (frame.pts === null) {
          throw new VestigeError(
            'E_INPUT_CORRUPT',
            `frame ${frame.index} has no timestamp; use a window in frames instead of seconds.`,
            { file: ctx.file },
          );
        }
        firstPts ??= frame.pts;
        window = Math.floor(((frame.pts - firstPts) * tb) / p.seconds! + 1e-9);
      }
      const current = best.get(window);
      if (!current || score > current.score) best.set(window, { index: frame.index, score });
    });
    const expected = [...best.values()].map((b) => b.index).sort((a, b) => a - b);
    const perFrame = new Map<number, Record<string, unknown>>();
    for (const i of expected) perFrame.set(i, scores.get(i)!);
    return { expression: indexExpression(expected), expected, perFrame };
  },
};
