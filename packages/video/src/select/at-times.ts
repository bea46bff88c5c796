import { z } from 'zod';
import { parseTimeRational, rationalToString, ticksFloor } from '../time.ts';
import { indexExpression, type FrameSelector } from './selector.ts';

const schema = z
  .object({
    times: z
      .array(
        z.string().refine((s) => parseTimeRational(s) !== null, {
          message: 'not a time: use seconds (12.5), a fraction (1/25) or HH:MM:SS.mmm',
        }),
      )
      .min(1),
  })
  .strict();

/**
 * The frame on screen at each instant: the last frame whose timestamp is at or before it. Needs the full frame
 * table because "on screen until the next frame" depends on the next frame's timestamp (variable frame rate).
 */
export const framesAtTimes: FrameSelector<z.infer<typeof schema>> = {
  id: 'at-times',
  version: '1',
  schema,
  describe: (p) =>
    `For each of the instants ${p.times.join(', ')} s, the frame displayed at that instant: the last decoded frame whose presentation timestamp is at or before it.`,
  async plan(p, ctx) {
    const table = await ctx.frameTable();
    const timed = table.filter((f) => f.pts !== null).sort((a, b) => a.pts! - b.pts! || a.index - b.index);
    const indices: number[] = [];
    const notes: string[] = [];
    const perFrame = new Map<number, Record<string, unknown>>();
    for (const spec of p.times) {
      const t = parseTimeRational(spec)!;
      const tick = ticksFloor(t, ctx.stream.timeBase);
      let lo = 0;
      let hi = timed.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (timed[mid]!.pts! <= tick) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found < 0) {
        notes.push(`${spec} s (${rationalToString(t)}) is before the first frame; no frame taken for it.`);
        continue;
      }
      // Frames sharing a timestamp: the one shown is the last of them.
      const frame = timed[found]!;
      indices.push(frame.index);
      const prior = (perFrame.get(frame.index)?.['requestedTimes'] as string[] | undefined) ?? [];
      perFrame.set(frame.index, { requestedTimes: [...prior, spec] });
    }
    const expected = [...new Set(indices)].sort((a, b) => a - b);
    return { expression: indexExpression(expected), expected, notes, perFrame };
  },
};
