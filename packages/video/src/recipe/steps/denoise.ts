import { z } from 'zod';
import type { VideoStep } from './video-step.ts';

const denoiseSchema = z
  .object({
    method: z.enum(['hqdn3d', 'atadenoise']).default('hqdn3d'),
    strength: z.number().min(0).max(20).default(4),
  })
  .strict();
export const temporalDenoise: VideoStep<z.infer<typeof denoiseSchema>> = {
  id: 'denoise',
  version: '1',
  schema: denoiseSchema,
  reference: 'ffmpeg filters hqdn3d (high-quality 3D denoise) and atadenoise (adaptive temporal averaging)',
  describe: (p) =>
    p.method === 'hqdn3d'
      ? `Reduced noise with hqdn3d: spatial strength ${p.strength}, temporal strength ${(p.strength * 1.5).toFixed(1)} (luma); smooths noise that changes from frame to frame while keeping what stays.`
      : `Reduced noise with atadenoise: each pixel averaged with the same pixel in neighbouring frames where it differs by less than a threshold (${(p.strength / 100).toFixed(2)}).`,
  filters: (p) => ({
    apply: [
      p.method === 'hqdn3d'
        ? `hqdn3d=${p.strength}:${p.strength * 0.75}:${p.strength * 1.5}:${p.strength * 1.125}`
        : `atadenoise=0a=${p.strength / 100}:1a=${p.strength / 100}:0b=${p.strength / 25}:1b=${p.strength / 25}`,
    ],
  }),
};
