import { z } from 'zod';
import type { FrameSelector } from './selector.ts';

const schema = z.object({}).strict();

export const allFrames: FrameSelector<z.infer<typeof schema>> = {
  id: 'all',
  version: '1',
  schema,
  describe: () =>
    'Every decoded frame of the video stream, each once, with its own timestamp (no frames added or dropped).',
  plan: async () => ({ expression: null }),
};
