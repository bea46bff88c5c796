import { z } from 'zod';
import type { VideoStep } from './video-step.ts';

const speedSchema = z.object({ factor: z.number().gt(0).max(100) }).strict();
export const speed: VideoStep<z.infer<typeof speedSchema>> = {
  id: 'speed',
  version: '1',
  schema: speedSchema,
  reference: 'ffmpeg filter setpts',
  describe: (p) =>
    `Played ${p.factor > 1 ? `${p.factor}× faster` : `${1 / p.factor}× slower`} by rescaling every frame's timestamp by 1/${p.factor}; no frame is dropped, duplicated or blended.`,
  filters: (p) => ({ apply: [`setpts=PTS/${p.factor}`] }),
};
