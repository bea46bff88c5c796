import sharp from 'sharp';
import { VestigeError } from '@vestige/evidence';
import type { RawPixels } from '../perceptual/hasher.ts';

export interface DecodedImage extends RawPixels {
  /** The decoder's name for the input format (jpeg, png, webp, …). */
  readonly format: string;
}

/**
 * Decodes an image to interleaved 8-bit pixels the way the PDQ reference sees them: no EXIF
 * auto-rotation, no colour management (an embedded ICC profile is ignored rather than converted to
 * sRGB), alpha kept as a channel (the hashers ignore it), the first page/frame only. Anything the
 * decoder rejects becomes E_INPUT_CORRUPT naming the file, so a batch can skip it and go on.
 */
export async function decodeImage(
  input: string | Buffer,
  label = typeof input === 'string' ? input : 'image buffer',
): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(input, { ignoreIcc: true, failOn: 'error', autoOrient: false })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    if (channels < 1 || channels > 4) {
      throw new VestigeError(
        'E_INPUT_UNSUPPORTED',
        `${label}: ${channels}-channel images are not supported for hashing`,
        { file: label },
      );
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: channels as 1 | 2 | 3 | 4,
      format: info.format,
    };
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_INPUT_CORRUPT', `${label}: cannot be decoded as an image (${(err as Error).message})`, {
      file: label,
      hint: 'The file is damaged or not an image format this build of libvips reads; it was skipped.',
      cause: err,
    });
  }
}
