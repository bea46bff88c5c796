import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { applyLumaChange, luma16 } from '../raster.ts';

export const equalize = defineOperation({
  id: 'equalize',
  version: '1',
  title: 'Global histogram equalisation',
  schema: z.strictObject({}),
  describe: () =>
    'Histogram equalisation of brightness over the whole image: brightness values were redistributed so that each level is used about equally often, which spreads out crowded tones. Applied to luma; the differences between colour channels are kept. The order of brightness is kept.',
  reference: 'Gonzalez & Woods, Digital Image Processing (4th ed.), §3.3 (histogram equalisation).',
  apply(img) {
    const y = luma16(img);
    const hist = new Float64Array(65536);
    for (let i = 0; i < y.length; i++) hist[y[i]!]!++;
    let first = 0;
    while (first < 65535 && hist[first] === 0) first++;
    const lut = new Uint16Array(65536);
    let cum = 0;
    const denom = y.length - hist[first]!;
    for (let v = 0; v < 65536; v++) {
      cum += hist[v]!;
      lut[v] = denom <= 0 ? v : Math.round((Math.max(0, cum - hist[first]!) / denom) * 65535);
    }
    const after = new Uint16Array(y.length);
    for (let i = 0; i < y.length; i++) after[i] = lut[y[i]!]!;
    return applyLumaChange(img, y, after);
  },
});
