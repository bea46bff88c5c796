import { z } from 'zod';
import type { FrameSelector } from './selector.ts';

const schema = z
  .object({
    every: z.number().int().min(1),
    /** Index of the first frame taken. */
    start: z.number().int().min(0).default(0),
  })
  .strict();

export const everyNthFrame: FrameSelector<z.infer<typeof schema>> = {
  id: 'every',
  version: '1',
  schema,
  describe: (p) =>
    `Every ${p.every}th decoded frame starting at frame index ${p.start} (frame indices count decoded frames from 0 in presentation order).`,
  plan: async (p) => ({ expression: `gte(n,${p.start})*not(mod(n-${p.start},${p.every}))` }),
};
