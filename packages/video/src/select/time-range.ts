import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { parseTimeRational, rationalToString, ticksCeil, ticksFloor } from '../time.ts';
import type { FrameSelector } from './selector.ts';

const timeSpec = z.string().refine((s) => parseTimeRational(s) !== null, {
  message: 'not a time: use seconds (12.5), a fraction (1/25) or HH:MM:SS.mmm',
});
const schema = z.object({ from: timeSpec, to: timeSpec }).strict();

export const timeRange: FrameSelector<z.infer<typeof schema>> = {
  id: 'time-range',
  version: '1',
  schema,
  describe: (p) =>
    `Decoded frames whose presentation timestamp lies from ${p.from} s to ${p.to} s inclusive, in the file's own timeline (timestamps compared exactly in the stream's time base).`,
  async plan(p, ctx) {
    const from = parseTimeRational(p.from)!;
    const to = parseTimeRational(p.to)!;
    if (from.num / from.den > to.num / to.den) {
      throw new VestigeError('E_PARAM_INVALID', `time range ends (${p.to}) before it starts (${p.from}).`, {
        hint: 'Give --from earlier than --to.',
      });
    }
    const a = ticksCeil(from, ctx.stream.timeBase);
    const b = ticksFloor(to, ctx.stream.timeBase);
    return {
      expression: `between(pts,${a},${b})`,
      notes: [
        `exact bounds ${rationalToString(from)}–${rationalToString(to)} s = ticks ${a}–${b} of ${ctx.stream.timeBase.join('/')}`,
      ],
    };
  },
};
