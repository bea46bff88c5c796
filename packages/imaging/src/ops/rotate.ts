import { z } from 'zod';
import { checkOutputSize, defineOperation } from '../operation.ts';
import { rasterFrom, sharpOf } from '../sharp-bridge.ts';
import { fmt, level255 } from './params.ts';
import { clamp16, MAX16, withData } from '../raster.ts';

export const rotate = defineOperation({
  id: 'rotate',
  version: '1',
  title: 'Rotate by a multiple of 90° (exact) or any angle (resampled)',
  schema: z.strictObject({
    /** Degrees, positive = clockwise, as on screen. */
    angle: z.number().min(-360).max(360),
    interpolation: z.enum(['nearest', 'bilinear', 'bicubic']).default('bicubic'),
    /** Grey level (0–255) of the corners that a rotation by a non-right angle brings into the frame. */
    background: level255.default(0),
  }),
  describe: (p) =>
    p.angle % 90 === 0
      ? `Rotated by ${fmt(p.angle)}° clockwise. A rotation by a multiple of 90° moves pixels without changing any value.`
      : `Rotated by ${fmt(p.angle)}° clockwise with ${p.interpolation} interpolation; new pixel values are interpolated from their neighbours, and the frame is enlarged to keep every original pixel (corners filled with grey level ${fmt(p.background)}).`,
  reference: 'Affine transformation with interpolation: Gonzalez & Woods, Digital Image Processing (4th ed.), §2.6.',
  async apply(img, p, ctx) {
    if (p.angle % 90 === 0) {
      const turns = (((p.angle / 90) % 4) + 4) % 4;
      if (turns === 0) return img;
      return rasterFrom(sharpOf(img).rotate(turns * 90), img.channels, img.pxPerMm);
    }
    const a = (p.angle * Math.PI) / 180;
    // The frame grows to hold the rotated corners: check that size before sharp allocates it.
    const [c, s] = [Math.abs(Math.cos(a)), Math.abs(Math.sin(a))];
    checkOutputSize(
      ctx,
      Math.ceil(img.width * c + img.height * s),
      Math.ceil(img.width * s + img.height * c),
      'rotation',
    );
    const matrix: [[number, number], [number, number]] = [
      [Math.cos(a), -Math.sin(a)],
      [Math.sin(a), Math.cos(a)],
    ];
    const interpolator =
      p.interpolation === 'nearest' ? 'nearest' : p.interpolation === 'bilinear' ? 'bilinear' : 'bicubic';
    const black = { r: 0, g: 0, b: 0 };
    const rotated = await rasterFrom(
      sharpOf(img).affine(matrix, { background: black, interpolator }),
      img.channels,
      img.pxPerMm,
    );
    if (p.background === 0) return rotated;
    // sharp can only give a 16-bit image an 8-bit background (×256), so the background is laid in here:
    // rotating an all-white mask the same way gives each pixel's coverage by the original, and the
    // uncovered fraction is filled with the background level — exact for the interpolated edge too.
    const mask = await rasterFrom(
      sharpOf({
        width: img.width,
        height: img.height,
        channels: 1,
        data: new Uint16Array(img.width * img.height).fill(MAX16),
      }).affine(matrix, { background: black, interpolator }),
      1,
    );
    const bg = p.background * 257;
    const out = new Uint16Array(rotated.data.length);
    const ch = rotated.channels;
    for (let i = 0; i < mask.data.length; i++) {
      const uncovered = 1 - mask.data[i]! / MAX16;
      for (let c = 0; c < ch; c++) out[i * ch + c] = clamp16(rotated.data[i * ch + c]! + uncovered * bg);
    }
    return withData(rotated, out);
  },
});
