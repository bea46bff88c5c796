/**
 * A focal-length prior in pixels from a photo's EXIF. Two routes, in order of trust:
 * 1. FocalLength (mm) × FocalPlaneXResolution (pixels per unit of the sensor plane): the camera's own numbers;
 * 2. FocalLengthIn35mmFormat: the focal length a full-frame (36 × 24 mm, 43.27 mm diagonal) camera would need
 *    for the same angle of view, so f_px = f35 × image diagonal (px) / 43.27 (CIPA DC-008 defines it on the
 *    diagonal).
 * Both are scaled when the photo was resized after it was taken (its size differs from ExifImageWidth/Height).
 */

/** Millimetres per FocalPlaneResolutionUnit (EXIF 2.3: 2 inch, 3 cm; 4 mm and 5 µm are written by some cameras). */
const MM_PER_UNIT: Record<number, number> = { 2: 25.4, 3: 10, 4: 1, 5: 0.001 };

export interface FocalPrior {
  readonly focalPx: number;
  readonly source: string;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** `exif` as ingest keeps it (exifr, values not translated); `width`/`height` of the pixels as stored (unrotated). */
export function focalPriorFromExif(
  exif: Record<string, unknown> | undefined,
  width: number,
  height: number,
): FocalPrior | undefined {
  if (!exif) return undefined;
  const exifW = num(exif.ExifImageWidth) ?? num(exif.PixelXDimension);
  const exifH = num(exif.ExifImageHeight) ?? num(exif.PixelYDimension);
  const resize = exifW && exifH ? Math.max(width, height) / Math.max(exifW, exifH) : 1;
  const focal = num(exif.FocalLength);
  const xres = num(exif.FocalPlaneXResolution);
  const unit =
    typeof exif.FocalPlaneResolutionUnit === 'number' ? MM_PER_UNIT[exif.FocalPlaneResolutionUnit] : undefined;
  if (focal && xres && unit) {
    const pxPerMm = xres / unit;
    return {
      focalPx: focal * pxPerMm * resize,
      source: `EXIF FocalLength ${focal} mm × FocalPlaneXResolution ${xres} px per ${unit} mm${resize !== 1 ? ` × resize ${resize.toFixed(4)}` : ''}`,
    };
  }
  const f35 = num(exif.FocalLengthIn35mmFormat) ?? num(exif.FocalLengthIn35mmFilm);
  if (f35) {
    return {
      focalPx: (f35 * Math.hypot(width, height)) / 43.27,
      source: `EXIF FocalLengthIn35mmFormat ${f35} mm on the 43.27 mm full-frame diagonal`,
    };
  }
  return undefined;
}
