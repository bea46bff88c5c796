import { z } from 'zod';
import { defineOperation } from '../operation.ts';
import { applyLut, lutFrom } from '../raster.ts';
import { channelIndex, channelWords, colourChannel, fmt, level255 } from './params.ts';

/** The levels mapping on 0…1: input black/white points stretch to the output range, gamma bends the midtones. */
export function levelsCurve(p: {
  black: number;
  white: number;
  gamma: number;
  outputBlack: number;
  outputWhite: number;
}): (x: number) => number {
  const b = p.black / 255;
  const w = p.white / 255;
  const ob = p.outputBlack / 255;
  const ow = p.outputWhite / 255;
  return (x) => {
    let t = (x - b) / (w - b);
    t = t <= 0 ? 0 : t >= 1 ? 1 : t;
    return ob + (ow - ob) * (p.gamma === 1 ? t : Math.pow(t, 1 / p.gamma));
  };
}

export const levels = defineOperation({
  id: 'levels',
  version: '1',
  title: 'Black point, white point and gamma',
  schema: z
    .strictObject({
      channel: colourChannel.default('all'),
      black: level255.default(0),
      white: level255.default(255),
      gamma: z.number().min(0.1).max(10).default(1),
      outputBlack: level255.default(0),
      outputWhite: level255.default(255),
    })
    .refine((p) => p.white > p.black, { message: 'white must be greater than black', path: ['white'] }),
  describe: (p) =>
    `Levels on ${channelWords(p.channel)}: input values at or below ${fmt(p.black)} become ${fmt(p.outputBlack)}, values at or above ${fmt(p.white)} become ${fmt(p.outputWhite)}, and values between are stretched linearly${p.gamma !== 1 ? ` with gamma ${fmt(p.gamma)} (${p.gamma > 1 ? 'lightening' : 'darkening'} the mid-tones)` : ''} (0–255 scale; computed at 16 bits per sample). The order of brightness between pixels is kept; detail in the clipped ranges is lost.`,
  reference:
    'Point (intensity) transformation, contrast stretching and power-law (gamma) mapping: Gonzalez & Woods, Digital Image Processing (4th ed.), §3.2.',
  apply(img, p) {
    return applyLut(img, lutFrom(levelsCurve(p)), channelIndex(p.channel, img.channels));
  },
});
