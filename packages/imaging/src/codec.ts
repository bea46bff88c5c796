import sharp from 'sharp';
import { VestigeError } from '@vestige/evidence';
import { from8, to8, type Raster } from './raster.ts';
import { configureSharp } from './sharp-bridge.ts';

/** 100 megapixels: a large camera frame passes, a decompression bomb (a tiny file claiming 50,000² pixels) does not. */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'tiff', 'webp', 'gif'] as const;

export interface DecodeOptions {
  /** Largest width × height accepted; larger images are refused before any pixel is decoded. */
  pixelLimit?: number;
  /** The name shown in errors. */
  file?: string;
}

export interface DecodedImage {
  raster: Raster;
  source: SourceImageInfo;
}

/** What the original file was, for the report's "limits of the evidence". */
export interface SourceImageInfo {
  format: string;
  width: number;
  height: number;
  /** Bits per sample of the file (8 or 16). */
  bitDepth: number;
  channels: number;
  hasAlpha: boolean;
  colourSpace: string;
  /** EXIF orientation tag, when present; pixels are NOT rotated to it (the recipe must say so). */
  orientation?: number;
  /** Lossy (JPEG, lossy WebP) or lossless, as far as the container says. */
  compression: string;
  hasIccProfile: boolean;
}

/**
 * Decodes an image file into a 16-bit raster. Every failure is a typed error: unknown format
 * (E_INPUT_UNSUPPORTED), damaged or truncated data (E_INPUT_CORRUPT), too many pixels (E_INPUT_TOO_LARGE).
 */
export async function decodeImage(input: Buffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  configureSharp();
  const limit = options.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  const file = options.file;
  if (input.length === 0)
    throw new VestigeError('E_INPUT_EMPTY', `${file ?? 'the image'} is empty (0 bytes)`, { file });
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    const msg = (err as Error).message;
    if (/chunk\/cache limits/i.test(msg)) {
      // A valid PNG whose metadata chunks (an ICC profile, compressed text) exceed libspng's limits: a limit of ours,
      // not damage.
      throw new VestigeError(
        'E_INPUT_UNSUPPORTED',
        `${file ?? 'the image'} has PNG metadata chunks larger than the decoder accepts (libspng chunk limits); images with such chunks are not supported`,
        {
          file,
          hint: 'Strip the oversized ICC profile or text chunks from a copy with a documented tool (e.g. pngcrush -rem allb) and ingest that copy beside the original.',
          cause: err,
        },
      );
    }
    if (/unsupported image format/i.test(msg) && !looksLikeSupportedImage(input)) {
      throw new VestigeError(
        'E_INPUT_UNSUPPORTED',
        `${file ?? 'the input'} is not an image format Vestige can enhance (${SUPPORTED_FORMATS.join(', ')})`,
        { file, hint: 'Convert it with a documented tool first, or check that this is the right file.', cause: err },
      );
    }
    throw new VestigeError('E_INPUT_CORRUPT', `${file ?? 'the image'} cannot be read: ${msg}`, {
      file,
      hint: 'The file is damaged or truncated; check it against its recorded hash.',
      cause: err,
    });
  }
  const format = meta.format ?? 'unknown';
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${file ?? 'the input'} is ${format}, which Vestige does not enhance (${SUPPORTED_FORMATS.join(', ')})`,
      { file, details: { format } },
    );
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0)
    throw new VestigeError('E_INPUT_CORRUPT', `${file ?? 'the image'} declares no pixels (${width}×${height})`, {
      file,
    });
  if (width * height > limit) {
    throw new VestigeError(
      'E_INPUT_TOO_LARGE',
      `${file ?? 'the image'} declares ${width}×${height} = ${(width * height).toLocaleString('en-GB')} pixels, over the limit of ${limit.toLocaleString('en-GB')}`,
      {
        file,
        hint: 'This may be a decompression bomb. If the image is genuine, raise the limit with --pixel-limit.',
        details: { width, height, pixelLimit: limit },
      },
    );
  }
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  // Multi-page files (TIFF, GIF): the first page is the image, as sharp reads by default.
  const grey =
    meta.space === 'b-w' ||
    meta.space === 'grey16' ||
    ((meta.channels ?? 3) <= 2 && meta.space !== 'srgb' && format !== 'gif');
  let raster: Raster;
  try {
    let p = sharp(input, {
      limitInputPixels: limit,
      failOn: 'warning',
      sequentialRead: true,
      autoOrient: false,
    }).removeAlpha();
    if (sixteen) {
      p = p.toColourspace(grey ? 'grey16' : 'rgb16');
      const { data, info } = await p.raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      raster = {
        width: info.width,
        height: info.height,
        channels: info.channels === 1 ? 1 : 3,
        data: new Uint16Array(data.buffer, data.byteOffset, data.length / 2),
      };
    } else {
      p = p.toColourspace(grey ? 'b-w' : 'srgb');
      const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
      raster = from8(data, info.width, info.height, info.channels === 1 ? 1 : 3);
    }
  } catch (err) {
    const msg = (err as Error).message;
    if (/pixel limit/i.test(msg))
      throw new VestigeError('E_INPUT_TOO_LARGE', `${file ?? 'the image'} is over the pixel limit of ${limit}`, {
        file,
        cause: err,
        details: { pixelLimit: limit },
      });
    throw new VestigeError('E_INPUT_CORRUPT', `${file ?? 'the image'} is damaged or truncated: ${msg.split('\n')[0]}`, {
      file,
      hint: 'Check the file against its recorded hash; a truncated copy cannot be enhanced reliably.',
      cause: err,
    });
  }
  return {
    raster,
    source: {
      format,
      width,
      height,
      bitDepth: sixteen ? 16 : 8,
      channels: meta.channels ?? raster.channels,
      hasAlpha: meta.hasAlpha ?? false,
      colourSpace: meta.space ?? 'unknown',
      ...(meta.orientation ? { orientation: meta.orientation } : {}),
      compression:
        format === 'jpeg'
          ? `JPEG (lossy${meta.chromaSubsampling ? `, chroma ${meta.chromaSubsampling}` : ''})`
          : format === 'png'
            ? 'PNG (lossless)'
            : format === 'tiff'
              ? `TIFF (${meta.compression ?? 'uncompressed'})`
              : format,
      hasIccProfile: meta.icc !== undefined,
    },
  };
}

export interface EncodeOptions {
  /** 8 (default, what viewers and courts display) or 16 (keeps the full internal precision). */
  bitDepth?: 8 | 16;
}

/**
 * Encodes a raster as PNG with fixed settings and no metadata (no time, no software chunk), so the same
 * pixels always give the same bytes on the same library versions.
 */
export async function encodePng(r: Raster, options: EncodeOptions = {}): Promise<Buffer> {
  configureSharp();
  const png = { compressionLevel: 6, adaptiveFiltering: false, palette: false, force: true } as const;
  if ((options.bitDepth ?? 8) === 16) {
    return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } })
      .toColourspace(r.channels === 1 ? 'grey16' : 'rgb16')
      .png(png)
      .toBuffer();
  }
  // Without the explicit colour space sharp would write a one-channel image as RGB.
  return sharp(to8(r), { raw: { width: r.width, height: r.height, channels: r.channels } })
    .toColourspace(r.channels === 1 ? 'b-w' : 'srgb')
    .png(png)
    .toBuffer();
}

/** A small JPEG or PNG preview for reports (data: URIs); never evidence. */
export async function previewJpeg(r: Raster, maxSide: number): Promise<Buffer> {
  configureSharp();
  return sharp(to8(r), { raw: { width: r.width, height: r.height, channels: r.channels } })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * Magic numbers of the formats we decode: a file that starts like one but cannot be read is corrupt, not unsupported.
 */
function looksLikeSupportedImage(b: Buffer): boolean {
  const at = (o: number, ...v: number[]) => v.every((x, i) => b[o + i] === x);
  return (
    at(0, 0xff, 0xd8, 0xff) ||
    at(0, 0x89, 0x50, 0x4e, 0x47) ||
    at(0, 0x49, 0x49, 0x2a, 0x00) ||
    at(0, 0x4d, 0x4d, 0x00, 0x2a) ||
    (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) ||
    at(0, 0x47, 0x49, 0x46, 0x38)
  );
}
