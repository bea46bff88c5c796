import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { rasterFrom, sharpOf } from '../sharp-bridge.ts';

export const median = defineOperation({
  id: 'median',
  version: '1',
  title: 'Median filter (removes speckle / salt-and-pepper noise)',
  schema: z.strictObject({
    size: z
      .number()
      .int()
      .min(3)
      .max(15)
      .refine((n) => n % 2 === 1, { message: 'size must be odd' }),
  }),
  describe: (p) =>
    `Median filter over a ${p.size} × ${p.size} pixel window: each pixel was replaced by the middle value of its neighbourhood, which removes isolated specks while keeping edges. Fine detail smaller than the window is removed.`,
  reference:
    'Gonzalez & Woods, Digital Image Processing (4th ed.), §3.5 (order-statistic filters). Implemented by libvips.',
  apply(img, p) {
    return rasterFrom(sharpOf(img).median(p.size), img.channels, img.pxPerMm);
  },
});
