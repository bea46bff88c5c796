import { z } from 'zod';
import type { FfmpegFeatures } from '@vestige/ffmpeg';
import type { VideoStep } from './video-step.ts';

const esc = (p: string) => p.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:');

const stabiliseSchema = z
  .object({
    smoothing: z.number().int().min(1).max(100).default(15),
    method: z.enum(['auto', 'vidstab', 'deshake']).default('auto'),
  })
  .strict();
export const stabilise: VideoStep<z.infer<typeof stabiliseSchema>> = {
  id: 'stabilise',
  version: '1',
  schema: stabiliseSchema,
  reference: 'vid.stab (Georg Martius) via ffmpeg vidstabdetect/vidstabtransform; fallback ffmpeg deshake',
  describe: (p, f) =>
    useVidstab(p.method, f)
      ? `Stabilised in two passes with vid.stab: camera motion estimated for every frame, then smoothed over ${p.smoothing} frames each side and compensated (no zoom; uncovered borders left black).`
      : `Stabilised with ffmpeg deshake (single pass block-matching motion compensation); vid.stab is not in this ffmpeg build.`,
  filters: (p, f, file) =>
    useVidstab(p.method, f)
      ? {
          analyse: [`vidstabdetect=shakiness=5:accuracy=15:result='${esc(file!)}'`],
          apply: [
            `vidstabtransform=input='${esc(file!)}':smoothing=${p.smoothing}:zoom=0:optzoom=0:crop=black:interpol=bicubic`,
          ],
        }
      : { apply: ['deshake'] },
};

function useVidstab(method: 'auto' | 'vidstab' | 'deshake', f: FfmpegFeatures): boolean {
  return method === 'vidstab' || (method === 'auto' && f.vidstab);
}
