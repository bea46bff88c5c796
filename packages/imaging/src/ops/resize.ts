import { z } from 'zod';
import { checkOutputSize, defineOperation } from '../operation.ts';
import { rasterFrom, sharpOf } from '../sharp-bridge.ts';
import { fmt } from './params.ts';

const KERNELS = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos3: 'lanczos3' } as const;

export const resize = defineOperation({
  id: 'resize',
  version: '1',
  title: 'Change the pixel dimensions with a named interpolation',
  schema: z
    .strictObject({
      scale: z.number().min(0.01).max(16).optional(),
      width: z.number().int().min(1).max(65535).optional(),
      height: z.number().int().min(1).max(65535).optional(),
      interpolation: z.enum(['nearest', 'bilinear', 'bicubic', 'lanczos3']),
    })
    .refine((p) => p.scale !== undefined || p.width !== undefined || p.height !== undefined, {
      message: 'give scale, or width and/or height',
    }),
  describe: (p) =>
    `Resized ${p.scale !== undefined ? `by a factor of ${fmt(p.scale)}` : `to ${p.width ?? 'proportional'} × ${p.height ?? 'proportional'} pixels`} using ${p.interpolation} interpolation. Enlarging makes details bigger on screen but cannot add detail the camera did not record; new pixel values are interpolated from their neighbours.`,
  reference:
    'Interpolation kernels: nearest neighbour; bilinear; bicubic (Keys 1981, a = −0.5); Lanczos-3 (Duchon 1979). Implemented by libvips.',
  async apply(img, p, ctx) {
    let w = p.width;
    let h = p.height;
    if (p.scale !== undefined) {
      w = Math.max(1, Math.round(img.width * p.scale));
      h = Math.max(1, Math.round(img.height * p.scale));
    } else if (w === undefined) w = Math.max(1, Math.round((img.width * h!) / img.height));
    else if (h === undefined) h = Math.max(1, Math.round((img.height * w) / img.width));
    checkOutputSize(ctx, w!, h!, 'resize');
    const out = await rasterFrom(
      sharpOf(img).resize({ width: w!, height: h!, fit: 'fill', kernel: KERNELS[p.interpolation] }),
      img.channels,
    );
    return { ...out, pxPerMm: img.pxPerMm === undefined ? undefined : (img.pxPerMm * w!) / img.width };
  },
});
