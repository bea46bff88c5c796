import { z } from 'zod';
import type { FrameSelector } from './selector.ts';

const schema = z
  .object({
    from: z.number().int().min(0),
    /** Last frame index taken (inclusive). */
    to: z.number().int().min(0),
  })
  .strict()
  .refine((p) => p.to >= p.from, { message: 'to must not be before from' });

export const frameIndexRange: FrameSelector<z.infer<typeof schema>> = {
  id: 'range',
  version: '1',
  schema,
  describe: (p) =>
    `Decoded frames with index ${p.from} to ${p.to} inclusive (frame indices count decoded frames from 0 in presentation order).`,
  plan: async (p) => ({ expression: `between(n,${p.from},${p.to})` }),
};
