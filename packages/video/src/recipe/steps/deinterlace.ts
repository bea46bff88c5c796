import { z } from 'zod';
import type { VideoStep } from './video-step.ts';

const deinterlaceSchema = z
  .object({ method: z.enum(['bwdif', 'yadif']).default('bwdif'), output: z.enum(['frame', 'field']).default('frame') })
  .strict();
export const deinterlace: VideoStep<z.infer<typeof deinterlaceSchema>> = {
  id: 'deinterlace',
  version: '1',
  schema: deinterlaceSchema,
  reference: 'ffmpeg filters bwdif (Bob Weaver Deinterlacing Filter) and yadif (Yet Another DeInterlacing Filter)',
  changesFrameCount: false,
  describe: (p) =>
    `Deinterlaced with ${p.method === 'bwdif' ? 'bwdif (motion-adaptive, w3fdif and yadif combined)' : 'yadif (motion-adaptive)'}, ${p.output === 'frame' ? 'one frame per frame' : 'one frame per field (doubling the frame rate; every field becomes a frame)'}; only frames flagged interlaced are changed.`,
  filters: (p) => ({
    apply: [`${p.method}=mode=${p.output === 'frame' ? 'send_frame' : 'send_field'}:deint=interlaced`],
  }),
};
