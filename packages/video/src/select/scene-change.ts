import { z } from 'zod';
import type { FrameSelector } from './selector.ts';

const schema = z.object({ threshold: z.number().gt(0).lt(1).default(0.3) }).strict();

export const sceneChanges: FrameSelector<z.infer<typeof schema>> = {
  id: 'scene',
  version: '1',
  schema,
  describe: (p) =>
    `The first frame of the video and every frame whose scene-change score against the frame before it exceeds ${p.threshold} (ffmpeg select filter 'scene': normalised sum of absolute differences).`,
  plan: async (p) => ({ expression: `max(eq(n,0),gt(scene,${p.threshold}))` }),
};
