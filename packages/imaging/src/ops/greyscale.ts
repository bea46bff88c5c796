import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { withData } from '../raster.ts';

const WEIGHTS = {
  rec601: [0.299, 0.587, 0.114],
  rec709: [0.2126, 0.7152, 0.0722],
  average: [1 / 3, 1 / 3, 1 / 3],
} as const;

export const greyscale = defineOperation({
  id: 'greyscale',
  version: '1',
  title: 'Convert colour to grey',
  schema: z.strictObject({ weights: z.enum(['rec601', 'rec709', 'average']).default('rec601') }),
  describe: (p) =>
    `Converted to greyscale as a weighted sum of red, green and blue (${WEIGHTS[p.weights].map((w) => w.toFixed(4)).join(', ')}; ${p.weights === 'average' ? 'plain average' : `ITU-R BT.${p.weights.slice(3)}`}). Colour information is discarded.`,
  reference: 'ITU-R Recommendation BT.601 / BT.709 luma coefficients.',
  apply(img, p) {
    if (img.channels === 1) return img;
    const [a, b, c] = WEIGHTS[p.weights];
    const n = img.width * img.height;
    const out = new Uint16Array(n);
    const d = img.data;
    for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = Math.round(a * d[j]! + b * d[j + 1]! + c * d[j + 2]!);
    return withData(img, out, img.width, img.height, 1);
  },
});
