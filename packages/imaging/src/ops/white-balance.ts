import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineOperation } from '../operation.ts';
import { clamp16, withData } from '../raster.ts';

export const whiteBalance = defineOperation({
  id: 'white-balance',
  version: '1',
  title: 'Remove a colour cast (grey-world or a picked neutral point)',
  schema: z.discriminatedUnion('method', [
    z.strictObject({ method: z.literal('grey-world') }),
    z.strictObject({
      method: z.literal('neutral-point'),
      x: z.number().int().min(0),
      y: z.number().int().min(0),
      radius: z.number().int().min(0).max(100).default(3),
    }),
  ]),
  describe: (p) =>
    p.method === 'grey-world'
      ? 'White balance by the grey-world assumption: each colour channel was multiplied by one gain so that the average of the whole image becomes neutral grey. Assumes the scene averages to grey; a scene dominated by one colour will be shifted wrongly.'
      : `White balance from a picked neutral point: the average colour of the ${2 * p.radius + 1} × ${2 * p.radius + 1} pixel square centred at (${p.x}, ${p.y}), taken to be a grey or white object, was made neutral by multiplying each channel by one gain.`,
  reference:
    'G. Buchsbaum, "A spatial processor model for object colour perception", J. Franklin Inst. 310(1), 1980 (grey world); von Kries chromatic adaptation.',
  apply(img, p, ctx) {
    if (img.channels === 1) {
      ctx.note('image is greyscale: white balance has no effect');
      return img;
    }
    const sums = [0, 0, 0];
    let count = 0;
    const { width: w, height: h, data: d } = img;
    if (p.method === 'grey-world') {
      for (let i = 0; i < d.length; i += 3) {
        sums[0]! += d[i]!;
        sums[1]! += d[i + 1]!;
        sums[2]! += d[i + 2]!;
      }
      count = w * h;
    } else {
      if (p.x >= w || p.y >= h)
        throw new VestigeError('E_PARAM_INVALID', `neutral point (${p.x}, ${p.y}) is outside the ${w}×${h} image`);
      for (let y = Math.max(0, p.y - p.radius); y <= Math.min(h - 1, p.y + p.radius); y++) {
        for (let x = Math.max(0, p.x - p.radius); x <= Math.min(w - 1, p.x + p.radius); x++) {
          const i = (y * w + x) * 3;
          sums[0]! += d[i]!;
          sums[1]! += d[i + 1]!;
          sums[2]! += d[i + 2]!;
          count++;
        }
      }
    }
    const means = sums.map((s) => s / count);
    if (means.some((m) => m < 1))
      throw new VestigeError(
        'E_PARAM_INVALID',
        'white balance: a channel is black in the reference area, so no gain can be computed',
      );
    const grey = (means[0]! + means[1]! + means[2]!) / 3;
    const gains = means.map((m) => grey / m);
    ctx.note(
      `gains applied: red × ${gains[0]!.toFixed(4)}, green × ${gains[1]!.toFixed(4)}, blue × ${gains[2]!.toFixed(4)}`,
    );
    const out = new Uint16Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = clamp16(d[i]! * gains[i % 3]!);
    return withData(img, out);
  },
});
