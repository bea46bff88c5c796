import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineOperation } from '../operation.ts';
import { withData } from '../raster.ts';

export const channel = defineOperation({
  id: 'channel',
  version: '1',
  title: 'Keep one colour channel as a grey image',
  schema: z.strictObject({ channel: z.enum(['red', 'green', 'blue']) }),
  describe: (p) =>
    `Extracted the ${p.channel} channel as a greyscale image (the other channels are discarded). A single channel can show detail that is hidden by the others, e.g. a plate under coloured light.`,
  reference: 'Colour image processing, channel separation: Gonzalez & Woods, Digital Image Processing (4th ed.), §6.',
  apply(img, p) {
    if (img.channels === 1)
      throw new VestigeError(
        'E_PARAM_INVALID',
        `cannot extract the ${p.channel} channel: the image is already greyscale`,
      );
    const c = { red: 0, green: 1, blue: 2 }[p.channel];
    const n = img.width * img.height;
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = img.data[i * 3 + c]!;
    return withData(img, out, img.width, img.height, 1);
  },
});
