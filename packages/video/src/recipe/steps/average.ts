import { z } from 'zod';
import type { VideoStep } from './video-step.ts';

const averageSchema = z.object({ frames: z.number().int().min(2).max(128) }).strict();
export const slidingAverage: VideoStep<z.infer<typeof averageSchema>> = {
  id: 'average',
  version: '1',
  schema: averageSchema,
  reference: 'ffmpeg filter tmix (temporal mix), equal weights',
  describe: (p) =>
    `Each frame replaced by the mean of itself and the ${p.frames - 1} frames before it (sliding window of ${p.frames} frames, equal weights; the frame count is unchanged). Averages away noise on a static scene; blurs anything that moves.`,
  filters: (p) => ({ apply: [`tmix=frames=${p.frames}:weights='${Array(p.frames).fill('1').join(' ')}'`] }),
};
