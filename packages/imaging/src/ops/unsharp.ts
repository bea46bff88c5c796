import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { clamp16, withData } from '../raster.ts';
import { sharpOf, to16 } from '../sharp-bridge.ts';
import { fmt } from './params.ts';

export const unsharp = defineOperation({
  id: 'unsharp',
  version: '1',
  title: 'Unsharp mask (sharpen edges)',
  schema: z.strictObject({
    /** Standard deviation of the Gaussian blur, pixels. */
    radius: z.number().min(0.3).max(50),
    amount: z.number().min(0).max(10).default(1),
    /** Differences smaller than this (0–255 scale) are left alone, so flat noisy areas are not sharpened. */
    threshold: z.number().min(0).max(255).default(0),
  }),
  describe: (p) =>
    `Unsharp mask: a copy blurred with a Gaussian of radius (σ) ${fmt(p.radius)} pixels was subtracted from the image and ${fmt(p.amount * 100)}% of the difference added back${p.threshold > 0 ? ` wherever the difference exceeded ${fmt(p.threshold)} levels` : ''}. Edges look crisper; no detail is created and edges can show light/dark halos.`,
  reference: 'Gonzalez & Woods, Digital Image Processing (4th ed.), §3.6 (unsharp masking and highboost filtering).',
  async apply(img, p) {
    // libvips' Gaussian blur on the 16-bit samples (float precision), then the mask arithmetic here.
    const blurred = await to16(sharpOf(img).blur({ sigma: p.radius, precision: 'float' }), img.channels).toBuffer();
    const b = new Uint16Array(blurred.buffer, blurred.byteOffset, blurred.length / 2);
    const d = img.data;
    const out = new Uint16Array(d.length);
    const t = p.threshold * 257;
    const a = p.amount;
    for (let i = 0; i < d.length; i++) {
      const diff = d[i]! - b[i]!;
      out[i] = t > 0 && Math.abs(diff) <= t ? d[i]! : clamp16(d[i]! + a * diff);
    }
    return withData(img, out);
  },
});
