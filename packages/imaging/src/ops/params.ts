import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';

/** Shared parameter shapes. Levels are in the familiar 0–255 scale even though the work is 16-bit. */
export const level255 = z.number().min(0).max(255);
export const interpolationSchema = z.enum(['nearest', 'bilinear', 'bicubic']);
export const colourChannel = z.enum(['all', 'red', 'green', 'blue']);
export type ColourChannel = z.infer<typeof colourChannel>;
export const point = z.tuple([z.number().finite(), z.number().finite()]);

export function channelIndex(channel: ColourChannel, channels: number): number | undefined {
  if (channel === 'all') return undefined;
  if (channels === 1) {
    throw new VestigeError('E_PARAM_INVALID', `channel "${channel}" was asked for, but the image is greyscale`, {
      hint: 'Use channel "all" on a greyscale image.',
    });
  }
  return { red: 0, green: 1, blue: 2 }[channel];
}

export function channelWords(channel: ColourChannel): string {
  return channel === 'all' ? 'all channels' : `the ${channel} channel`;
}

export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(4)));
}
