import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { withData } from '../raster.ts';

export const flip = defineOperation({
  id: 'flip',
  version: '1',
  title: 'Mirror the image',
  schema: z.strictObject({ axis: z.enum(['horizontal', 'vertical', 'both']) }),
  describe: (p) =>
    `Mirrored ${p.axis === 'horizontal' ? 'left to right' : p.axis === 'vertical' ? 'top to bottom' : 'both left to right and top to bottom'} (for example to read text seen in a mirror). Pixel values are unchanged.`,
  reference: 'Geometric reflection; no change to pixel values.',
  apply(img, p) {
    const { width: w, height: h, channels: ch } = img;
    const out = new Uint16Array(img.data.length);
    for (let y = 0; y < h; y++) {
      const sy = p.axis === 'horizontal' ? y : h - 1 - y;
      for (let x = 0; x < w; x++) {
        const sx = p.axis === 'vertical' ? x : w - 1 - x;
        for (let c = 0; c < ch; c++) out[(y * w + x) * ch + c] = img.data[(sy * w + sx) * ch + c]!;
      }
    }
    return withData(img, out);
  },
});
