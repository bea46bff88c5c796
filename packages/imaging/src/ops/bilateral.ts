import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { fromPlanes, planes } from '../raster.ts';
import { fmt } from './params.ts';

export const bilateral = defineOperation({
  id: 'bilateral',
  version: '1',
  title: 'Edge-preserving noise reduction (bilateral filter)',
  schema: z.strictObject({
    /** Spatial standard deviation, pixels. */
    spatialSigma: z.number().min(0.5).max(10),
    /** Range standard deviation on the 0–255 scale: differences much larger than this are treated as edges. */
    rangeSigma: z.number().min(1).max(128),
  }),
  describe: (p) =>
    `Bilateral filter: each pixel was replaced by a weighted average of its neighbours, weighted by distance (σ = ${fmt(p.spatialSigma)} px) and by similarity of value (σ = ${fmt(p.rangeSigma)} levels), so noise is smoothed while edges are kept. Fine texture similar in size and contrast to the noise is smoothed too.`,
  reference: 'C. Tomasi & R. Manduchi, "Bilateral filtering for gray and color images", ICCV 1998.',
  apply(img, p) {
    const { width: w, height: h } = img;
    const src = planes(img);
    const r = Math.ceil(2 * p.spatialSigma);
    const spatial = new Float32Array((2 * r + 1) ** 2);
    for (let j = -r; j <= r; j++)
      for (let i = -r; i <= r; i++)
        spatial[(j + r) * (2 * r + 1) + i + r] = Math.exp(-(i * i + j * j) / (2 * p.spatialSigma ** 2));
    const rs = p.rangeSigma / 255;
    const inv = 1 / (2 * rs * rs);
    // Range weights from a table: exp is the hot spot.
    const TABLE = 4096;
    const rangeLut = new Float32Array(TABLE + 1);
    const maxD2 = 9 * rs * rs * 3;
    for (let k = 0; k <= TABLE; k++) rangeLut[k] = Math.exp(-((k / TABLE) * maxD2) * inv);
    const out = src.map(() => new Float32Array(w * h));
    const ch = src.length;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c0 = y * w + x;
        let wsum = 0;
        const acc = [0, 0, 0];
        for (let j = -r; j <= r; j++) {
          const yy = y + j;
          if (yy < 0 || yy >= h) continue;
          for (let i = -r; i <= r; i++) {
            const xx = x + i;
            if (xx < 0 || xx >= w) continue;
            const n = yy * w + xx;
            let d2 = 0;
            for (let c = 0; c < ch; c++) {
              const dd = src[c]![n]! - src[c]![c0]!;
              d2 += dd * dd;
            }
            const k = d2 >= maxD2 ? 0 : rangeLut[Math.round((d2 / maxD2) * TABLE)]!;
            const wt = spatial[(j + r) * (2 * r + 1) + i + r]! * k;
            wsum += wt;
            for (let c = 0; c < ch; c++) acc[c]! += wt * src[c]![n]!;
          }
        }
        for (let c = 0; c < ch; c++) out[c]![c0] = acc[c]! / wsum;
      }
    }
    return fromPlanes(out, w, h, img.pxPerMm);
  },
});
