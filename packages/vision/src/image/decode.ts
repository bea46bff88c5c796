import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { VestigeError } from '@vestige/evidence';
import type { RgbImage } from '../models/vision-model.ts';

/** 100 megapixels: a large camera frame passes, a decompression bomb does not. */
const PIXEL_LIMIT = 100_000_000;

/**
 * How an image becomes a model's input: stretched to a fixed size (`fill`, what NSFWJS was trained
 * with), scaled into a square with black to the right or below (`letterbox`, what SSD face-api does),
 * or only scaled down so its longer side fits (`within`).
 */
export type InputShape =
  | { readonly kind: 'fill'; readonly width: number; readonly height: number }
  | { readonly kind: 'letterbox'; readonly side: number }
  | { readonly kind: 'within'; readonly side: number };

export interface DecodedInput {
  readonly pixels: RgbImage;
  /** The picture's size upright (after its EXIF orientation), before scaling: model boxes are given in these pixels. */
  readonly width: number;
  readonly height: number;
  readonly format: string;
  /** SHA-256 of `pixels.data`: exactly what the model was given. */
  readonly pixelsSha256: string;
}

/** Recorded in provenance: how every model input was made from the stored file. */
export const DECODE_DESCRIPTION =
  'Decoded with sharp (libvips), turned upright by its EXIF orientation, transparency flattened onto black, converted to 8-bit sRGB, then scaled (Lanczos 3) to the model input.';

/**
 * Decodes a stored image for a model with sharp. Every failure is typed and names the file: not an
 * image format libvips reads (E_INPUT_UNSUPPORTED), damaged data (E_INPUT_CORRUPT), empty, or more
 * pixels than the limit.
 */
export async function decodeForModel(input: Buffer, shape: InputShape, file: string): Promise<DecodedInput> {
  if (input.length === 0) throw new VestigeError('E_INPUT_EMPTY', `${file} is empty (0 bytes)`, { file });
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    const message = (err as Error).message;
    if (/unsupported image format/i.test(message)) {
      throw new VestigeError('E_INPUT_UNSUPPORTED', `${file} is not an image format this build of libvips reads`, {
        file,
        hint: 'Check that it is an image; convert a copy with a documented tool if it is.',
        cause: err,
      });
    }
    throw new VestigeError('E_INPUT_CORRUPT', `${file} cannot be read as an image: ${message}`, {
      file,
      hint: 'The stored file is damaged or truncated; check it with `vestige verify`.',
      cause: err,
    });
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? 0;
  const height = (swap ? meta.width : meta.height) ?? 0;
  if (width <= 0 || height <= 0)
    throw new VestigeError('E_INPUT_CORRUPT', `${file} declares no pixels (${width}×${height})`, { file });
  if (width * height > PIXEL_LIMIT) {
    throw new VestigeError(
      'E_INPUT_TOO_LARGE',
      `${file} declares ${width}×${height} pixels, over the limit of ${PIXEL_LIMIT.toLocaleString('en-GB')}`,
      { file, hint: 'This may be a decompression bomb; it was skipped.', details: { width, height } },
    );
  }
  try {
    const pipeline = sharp(input, { limitInputPixels: PIXEL_LIMIT, failOn: 'error' })
      .rotate()
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb');
    return finish(
      await resize(pipeline, shape).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }),
      width,
      height,
      meta.format ?? 'unknown',
    );
  } catch (err) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `${file} is damaged or truncated: ${(err as Error).message.split('\n')[0]}`,
      {
        file,
        hint: 'Check the stored file with `vestige verify`; a damaged image is skipped and the batch goes on.',
        cause: err,
      },
    );
  }
}

/** Scales decoded RGB pixels to another model input (no second decode of the file). */
export async function reshapeInput(
  image: RgbImage,
  shape: InputShape,
): Promise<{ pixels: RgbImage; pixelsSha256: string }> {
  const out = await resize(sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }), shape)
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const done = finish(out, image.width, image.height, 'raw');
  return { pixels: done.pixels, pixelsSha256: done.pixelsSha256 };
}

function resize(pipeline: sharp.Sharp, shape: InputShape): sharp.Sharp {
  switch (shape.kind) {
    case 'fill':
      return pipeline.resize(shape.width, shape.height, { fit: 'fill' });
    case 'letterbox':
      return pipeline.resize(shape.side, shape.side, {
        fit: 'contain',
        position: 'left top',
        background: { r: 0, g: 0, b: 0 },
      });
    case 'within':
      return pipeline.resize(shape.side, shape.side, { fit: 'inside', withoutEnlargement: true });
  }
}

function finish(
  out: { data: Buffer; info: sharp.OutputInfo },
  width: number,
  height: number,
  format: string,
): DecodedInput {
  if (out.info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${out.info.channels}`);
  const data = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  return {
    pixels: { width: out.info.width, height: out.info.height, data },
    width,
    height,
    format,
    pixelsSha256: createHash('sha256').update(data).digest('hex'),
  };
}
