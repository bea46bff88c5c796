import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { remap } from '../raster.ts';
import { fmt, interpolationSchema } from './params.ts';

export const lensCorrect = defineOperation({
  id: 'lens-correct',
  version: '1',
  title: 'Correct barrel/pincushion lens distortion (Brown–Conrady)',
  schema: z.strictObject({
    k1: z.number().min(-2).max(2),
    k2: z.number().min(-2).max(2).default(0),
    p1: z.number().min(-0.5).max(0.5).default(0),
    p2: z.number().min(-0.5).max(0.5).default(0),
    /** Distortion centre in pixels; defaults to the image centre. */
    cx: z.number().optional(),
    cy: z.number().optional(),
    /** Normalising radius in pixels (focal length in pixels when known); defaults to half the image diagonal. */
    focalPx: z.number().positive().optional(),
    interpolation: interpolationSchema.default('bicubic'),
  }),
  describe: (p) =>
    `Lens distortion corrected with the Brown–Conrady model (radial k1 = ${fmt(p.k1)}, k2 = ${fmt(p.k2)}; tangential p1 = ${fmt(p.p1)}, p2 = ${fmt(p.p2)}${p.focalPx ? `; normalised by ${fmt(p.focalPx)} px` : ', normalised by half the image diagonal'}), so that straight lines in the scene appear straight. Each corrected pixel is interpolated (${p.interpolation}) from the distorted image.`,
  reference:
    'D. C. Brown, "Decentering distortion of lenses", Photogrammetric Engineering 32(3), 1966; A. E. Conrady, "Decentred lens-systems", MNRAS 79, 1919.',
  apply(img, p) {
    const cx = p.cx ?? (img.width - 1) / 2;
    const cy = p.cy ?? (img.height - 1) / 2;
    const f = p.focalPx ?? Math.hypot(img.width, img.height) / 2;
    // For each pixel of the corrected image, find where the lens put it in the recorded image.
    return remap(
      img,
      img.width,
      img.height,
      (u, v, xy) => {
        const x = (u - cx) / f;
        const y = (v - cy) / f;
        const r2 = x * x + y * y;
        const radial = 1 + p.k1 * r2 + p.k2 * r2 * r2;
        const xd = x * radial + 2 * p.p1 * x * y + p.p2 * (r2 + 2 * x * x);
        const yd = y * radial + p.p1 * (r2 + 2 * y * y) + 2 * p.p2 * x * y;
        xy[0] = xd * f + cx;
        xy[1] = yd * f + cy;
      },
      p.interpolation,
    );
  },
});
