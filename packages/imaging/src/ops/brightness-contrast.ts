import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { applyLut, lutFrom } from '../raster.ts';
import { fmt } from './params.ts';

export const brightnessContrast = defineOperation({
  id: 'brightness-contrast',
  version: '1',
  title: 'Brightness offset and contrast about mid-grey',
  schema: z.strictObject({
    /** Percent of full scale added to every value. */
    brightness: z.number().min(-100).max(100).default(0),
    /** Percent change of the slope about mid-grey (−100 flattens to grey, +100 doubles the contrast). */
    contrast: z.number().min(-100).max(100).default(0),
  }),
  describe: (p) =>
    `Brightness ${p.brightness >= 0 ? 'raised' : 'lowered'} by ${fmt(Math.abs(p.brightness))}% of full scale and contrast ${p.contrast >= 0 ? 'increased' : 'reduced'} by ${fmt(Math.abs(p.contrast))}% about mid-grey, on all channels alike; values pushed past black or white are clipped.`,
  reference: 'Linear point transformation: Gonzalez & Woods, Digital Image Processing (4th ed.), §3.2.',
  apply(img, p) {
    const gain = 1 + p.contrast / 100;
    const offset = p.brightness / 100;
    return applyLut(
      img,
      lutFrom((x) => (x - 0.5) * gain + 0.5 + offset),
    );
  },
});
