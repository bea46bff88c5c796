import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineOperation } from '../operation.ts';
import { phaseCorrelate } from '../kernels/phase-correlation.ts';
import { fromPlanes, luma16, MAX16, planes, sampleBilinear } from '../raster.ts';

export const frameAverage = defineOperation({
  id: 'frame-average',
  version: '1',
  title: 'Integrate several frames of the same scene (mean or median), optionally aligned',
  multiInput: true,
  schema: z.strictObject({
    method: z.enum(['mean', 'median']).default('mean'),
    /** Align each frame to the first by phase correlation before combining. */
    register: z.boolean().default(true),
  }),
  describe: (p) =>
    `Frame integration: all input images were combined pixel by pixel using the ${p.method}${p.register ? ', after each was aligned to the first by the translation found with phase correlation (sub-pixel, bilinear resampling)' : ' without alignment'}. Random noise that differs between frames is reduced (for the mean, by about √N for N frames) while detail present in every frame is kept. Anything that moved between frames is blurred or removed.`,
  reference:
    'Signal averaging: Gonzalez & Woods, Digital Image Processing (4th ed.), §2.6 (image averaging); phase correlation: C. D. Kuglin & D. C. Hines, Proc. IEEE Int. Conf. Cybernetics and Society, 1975.',
  apply(img, p, ctx) {
    const frames = ctx.inputs.length > 0 ? ctx.inputs : [img];
    for (const f of frames) {
      if (f.width !== img.width || f.height !== img.height || f.channels !== img.channels) {
        throw new VestigeError(
          'E_PARAM_INVALID',
          `frame-average needs frames of one size and colour type; got ${img.width}×${img.height}×${img.channels} and ${f.width}×${f.height}×${f.channels}`,
        );
      }
    }
    const { width: w, height: h } = img;
    const n = frames.length;
    ctx.note(`${n} frames combined`);
    const ref = p.register ? toUnit(luma16(frames[0]!)) : undefined;
    const framePlanes = frames.map((f, k) => {
      const ps = planes(f);
      if (!ref || k === 0) return ps;
      const s = phaseCorrelate(ref, toUnit(luma16(f)), w, h);
      ctx.note(
        `frame ${k + 1}: shift (${s.dx.toFixed(2)}, ${s.dy.toFixed(2)}) px, correlation peak ${s.peak.toFixed(3)}`,
      );
      if (Math.abs(s.dx) < 1e-6 && Math.abs(s.dy) < 1e-6) return ps;
      return ps.map((pl) => {
        const out = new Float32Array(w * h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            // Outside the frame, fall back to the nearest edge pixel of the shifted frame.
            const sx = Math.min(w - 1, Math.max(0, x + s.dx));
            const sy = Math.min(h - 1, Math.max(0, y + s.dy));
            out[y * w + x] = sampleBilinear(pl, w, h, sx, sy);
          }
        }
        return out;
      });
    });
    const out: Float32Array[] = [];
    const column = new Float32Array(n);
    for (let c = 0; c < img.channels; c++) {
      const o = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) {
        if (p.method === 'mean') {
          let s = 0;
          for (let k = 0; k < n; k++) s += framePlanes[k]![c]![i]!;
          o[i] = s / n;
        } else {
          for (let k = 0; k < n; k++) column[k] = framePlanes[k]![c]![i]!;
          column.sort();
          o[i] = n % 2 ? column[(n - 1) / 2]! : (column[n / 2 - 1]! + column[n / 2]!) / 2;
        }
      }
      out.push(o);
    }
    return fromPlanes(out, w, h, img.pxPerMm);
  },
});

function toUnit(y: Uint16Array): Float32Array {
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i]! / MAX16;
  return out;
}
