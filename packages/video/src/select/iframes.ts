import { z } from 'zod';
import type { FrameSelector } from './selector.ts';

const schema = z.object({}).strict();

export const intraFrames: FrameSelector<z.infer<typeof schema>> = {
  id: 'iframes',
  version: '1',
  schema,
  describe: () =>
    'Every intra-coded (I) frame, as the decoder reports the picture type: frames coded without reference to other frames.',
  plan: async () => ({ expression: 'eq(pict_type,PICT_TYPE_I)' }),
};
