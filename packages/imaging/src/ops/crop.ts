import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineOperation } from '../operation.ts';

export const crop = defineOperation({
  id: 'crop',
  version: '1',
  title: 'Cut out a rectangular region',
  schema: z.strictObject({
    left: z.number().int().min(0),
    top: z.number().int().min(0),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
  }),
  describe: (p) =>
    `Cropped to the region ${p.width} × ${p.height} pixels whose top-left corner is at (${p.left}, ${p.top}). Pixel values inside the region are unchanged.`,
  reference: 'Selection of a region of interest; no change to pixel values.',
  apply(img, p) {
    if (p.left + p.width > img.width || p.top + p.height > img.height) {
      throw new VestigeError(
        'E_PARAM_INVALID',
        `crop ${p.width}×${p.height} at (${p.left}, ${p.top}) goes outside the ${img.width}×${img.height} image`,
        { details: { image: [img.width, img.height] } },
      );
    }
    const ch = img.channels;
    const data = new Uint16Array(p.width * p.height * ch);
    for (let y = 0; y < p.height; y++) {
      const from = ((y + p.top) * img.width + p.left) * ch;
      data.set(img.data.subarray(from, from + p.width * ch), y * p.width * ch);
    }
    return { width: p.width, height: p.height, channels: ch, data, pxPerMm: img.pxPerMm };
  },
});
