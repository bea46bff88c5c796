import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { MAX16, withData } from '../raster.ts';

export const invert = defineOperation({
  id: 'invert',
  version: '1',
  title: 'Negative image',
  schema: z.strictObject({}),
  describe: () =>
    'Inverted (negative): every value v becomes 255 − v. This is exactly reversible and can make faint dark marks easier to see.',
  reference: 'Image negative: Gonzalez & Woods, Digital Image Processing (4th ed.), §3.2.',
  apply(img) {
    const out = new Uint16Array(img.data.length);
    for (let i = 0; i < out.length; i++) out[i] = MAX16 - img.data[i]!;
    return withData(img, out);
  },
});
