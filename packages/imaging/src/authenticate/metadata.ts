import exifr from 'exifr';
import sharp from 'sharp';
import { isPng, pngMetadataInput, type Source } from '@vestige/evidence';
import { luma16, type Raster } from '../raster.ts';

export type CheckResult = 'consistent' | 'inconsistent' | 'note' | 'not-available';

export interface MetadataCheck {
  check: string;
  result: CheckResult;
  detail: string;
}

export interface MetadataFindings {
  /** Selected tags as text, for the report's metadata dump. */
  fields: Record<string, string>;
  checks: MetadataCheck[];
}

const EDITORS =
  /photoshop|gimp|lightroom|snapseed|picsart|affinity|paint\.net|pixelmator|canva|facetune|imagemagick|graphicsmagick|corel|acdsee|faceapp|meitu|vsco|capture one|luminar|darktable|rawtherapee/i;

/** EXIF "YYYY:MM:DD HH:MM:SS" as a naive time (no zone): milliseconds since the epoch read as UTC. */
function exifTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v.trim());
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t;
}

function text(v: unknown): string {
  if (v instanceof Uint8Array) return `(${v.byteLength} bytes)`;
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/**
 * Reads the metadata and checks it for internal consistency: dates against each other and against the
 * file system, the embedded thumbnail against the picture, the software tag, the declared dimensions.
 * Each finding says what it is; none proves or disproves editing on its own.
 */
export async function analyseMetadata(
  bytes: Buffer,
  image: Raster,
  sources: readonly Source[],
): Promise<MetadataFindings> {
  const tags = await readTags(bytes);
  const checks: MetadataCheck[] = [];
  // exifr also reports container facts (PNG IHDR, JFIF density); only capture metadata counts as "present".
  const hasCaptureMetadata = Object.keys(tags).some((k) =>
    /^(Make|Model|Software|DateTime|DateTimeOriginal|ModifyDate|CreateDate|ExifImageWidth|PixelXDimension|GPS|Orientation|CreatorTool|ExposureTime|FNumber|ISO)/.test(
      k,
    ),
  );
  if (!hasCaptureMetadata) {
    checks.push({
      check: 'metadata present',
      result: 'note',
      detail:
        'The file carries no EXIF/XMP metadata. Cameras normally write it; messaging apps, social media and many editors strip it. Absence shows the file is not a camera original as written, or was re-saved; it does not show what changed.',
    });
  }
  const make = tags.Make;
  const model = tags.Model;
  if (hasCaptureMetadata) {
    checks.push(
      make || model
        ? {
            check: 'camera',
            result: 'note',
            detail: `Make/model recorded: ${text(make ?? '?')} ${text(model ?? '')}`.trim(),
          }
        : {
            check: 'camera',
            result: 'note',
            detail: 'No camera make or model: not written by a camera as-is, or removed.',
          },
    );
  }
  const software = tags.Software ?? tags.CreatorTool ?? tags.ProcessingSoftware;
  if (software !== undefined) {
    const s = text(software);
    checks.push(
      EDITORS.test(s)
        ? {
            check: 'software tag',
            result: 'inconsistent',
            detail: `The software tag names an image editor (“${s}”): the file was at least saved by that program after capture.`,
          }
        : {
            check: 'software tag',
            result: 'consistent',
            detail: `Software tag “${s}” (camera firmware or acquisition software; not a known editor).`,
          },
    );
  } else if (hasCaptureMetadata) {
    checks.push({ check: 'software tag', result: 'not-available', detail: 'No software tag.' });
  }
  const exifDates = exifDateCheck(tags);
  if (exifDates) checks.push(exifDates);
  else if (hasCaptureMetadata)
    checks.push({
      check: 'EXIF dates',
      result: 'not-available',
      detail: 'Capture and/or modification date not recorded.',
    });
  checks.push(...fileDateChecks(exifTime(tags.DateTimeOriginal), sources));
  const dimensions = dimensionCheck(tags, image);
  if (dimensions) checks.push(dimensions);
  const thumbnail = await thumbnailCheck(bytes, image);
  if (thumbnail) checks.push(thumbnail);
  else if (hasCaptureMetadata)
    checks.push({ check: 'embedded thumbnail', result: 'not-available', detail: 'No embedded EXIF thumbnail.' });
  return { fields: displayFields(tags), checks };
}

/** The EXIF, XMP and IPTC tags exifr reads (none when it cannot read the file). */
async function readTags(bytes: Buffer): Promise<Record<string, unknown>> {
  try {
    // A PNG's compressed chunks are inflated with a cap first (evidence/png-metadata.ts): no zlib bomb reaches exifr.
    return (
      ((await exifr.parse(isPng(bytes) ? pngMetadataInput(bytes).png : bytes, {
        tiff: true,
        exif: true,
        gps: true,
        ifd1: true,
        xmp: true,
        icc: false,
        iptc: true,
        translateValues: true,
        reviveValues: false,
        mergeOutput: true,
      })) as Record<string, unknown> | undefined) ?? {}
    );
  } catch {
    return {};
  }
}

/** The tags shown in the report, as text: short ones only; maker notes, comments and the thumbnail left out. */
function displayFields(tags: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (v === undefined || v === null || k === 'thumbnail' || k.startsWith('MakerNote') || k === 'UserComment')
      continue;
    const t = text(v);
    if (t.length <= 200) fields[k] = t;
  }
  return fields;
}

/** The capture date against the modification date; undefined when either is missing. */
function exifDateCheck(tags: Record<string, unknown>): MetadataCheck | undefined {
  const original = exifTime(tags.DateTimeOriginal);
  const modified = exifTime(tags.ModifyDate ?? tags.DateTime);
  if (original === undefined || modified === undefined) return undefined;
  const d = (modified - original) / 1000;
  return Math.abs(d) <= 2
    ? {
        check: 'EXIF dates',
        result: 'consistent',
        detail: `Capture and modification dates agree (${text(tags.DateTimeOriginal)}).`,
      }
    : {
        check: 'EXIF dates',
        result: d > 0 ? 'inconsistent' : 'inconsistent',
        detail: `The EXIF modification date (${text(tags.ModifyDate ?? tags.DateTime)}) is ${Math.abs(d) >= 86400 ? `${(Math.abs(d) / 86400).toFixed(1)} days` : `${Math.round(Math.abs(d))} s`} ${d > 0 ? 'after' : 'before'} the capture date (${text(tags.DateTimeOriginal)}): the file was re-written by software after capture${d < 0 ? ', or the dates were altered' : ''}.`,
      };
}

/** The file-system dates of the first five sources against the EXIF capture time (none without one). */
function fileDateChecks(original: number | undefined, sources: readonly Source[]): MetadataCheck[] {
  const checks: MetadataCheck[] = [];
  if (original === undefined) return checks;
  for (const s of sources.slice(0, 5)) {
    const mtime = Date.parse(s.mtime);
    if (Number.isNaN(mtime)) continue;
    const hours = (mtime - original) / 3_600_000;
    // EXIF times carry no time zone: within ±14 h the file date cannot contradict them.
    const r: MetadataCheck =
      hours < -14
        ? {
            check: 'file date vs EXIF',
            result: 'inconsistent',
            detail: `${s.path}: the file system date ${s.mtime} is ${Math.abs(hours / 24).toFixed(1)} days BEFORE the EXIF capture time; a file cannot be written before it was captured unless a clock or a date was wrong or altered.`,
          }
        : {
            check: 'file date vs EXIF',
            result: 'consistent',
            detail: `${s.path}: file date ${s.mtime} is ${hours > 14 ? `${(hours / 24).toFixed(1)} days after` : 'within the time-zone uncertainty of'} the capture time (copying resets file dates, so a later date is normal).`,
          };
    checks.push(r);
  }
  return checks;
}

/** The EXIF pixel dimensions against the picture's, either way round; undefined when EXIF records none. */
function dimensionCheck(tags: Record<string, unknown>, image: Raster): MetadataCheck | undefined {
  const exifW = Number(tags.ExifImageWidth ?? tags.PixelXDimension ?? NaN);
  const exifH = Number(tags.ExifImageHeight ?? tags.PixelYDimension ?? NaN);
  if (!Number.isFinite(exifW) || !Number.isFinite(exifH)) return undefined;
  const match = (exifW === image.width && exifH === image.height) || (exifW === image.height && exifH === image.width);
  return match
    ? { check: 'dimensions', result: 'consistent', detail: `EXIF dimensions ${exifW} × ${exifH} match the picture.` }
    : {
        check: 'dimensions',
        result: 'inconsistent',
        detail: `EXIF says ${exifW} × ${exifH} but the picture is ${image.width} × ${image.height}: it was resized or cropped by software that kept the old metadata.`,
      };
}

/** The embedded EXIF thumbnail against the picture; undefined when there is none. */
async function thumbnailCheck(bytes: Buffer, image: Raster): Promise<MetadataCheck | undefined> {
  let thumb: Uint8Array | undefined;
  try {
    thumb = (await exifr.thumbnail(bytes)) as Uint8Array | undefined;
  } catch {
    thumb = undefined;
  }
  return thumb && thumb.byteLength > 0 ? compareThumbnail(Buffer.from(thumb), image) : undefined;
}

/** Compares the EXIF thumbnail with the picture scaled to the same size (luma, mean absolute difference). */
async function compareThumbnail(thumb: Buffer, image: Raster): Promise<MetadataCheck> {
  try {
    const t = await sharp(thumb).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const tw = t.info.width;
    const th = t.info.height;
    const aspectImg = image.width / image.height;
    const aspectThumb = tw / th;
    if (
      Math.abs(aspectImg - aspectThumb) / aspectImg > 0.05 &&
      Math.abs(1 / aspectImg - aspectThumb) * aspectImg > 0.05
    ) {
      return {
        check: 'embedded thumbnail',
        result: 'inconsistent',
        detail: `The embedded thumbnail (${tw} × ${th}) has a different shape from the picture (${image.width} × ${image.height}): the picture was cropped or resized after the thumbnail was made.`,
      };
    }
    const y = luma16(image);
    const y8 = Uint8Array.from(y, (v) => Math.round(v / 257));
    const small = await sharp(y8, { raw: { width: image.width, height: image.height, channels: 1 } })
      .resize({ width: tw, height: th, fit: 'fill', kernel: 'cubic' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < tw * th; i++) diff += Math.abs(small[i]! - t.data[i]!);
    diff /= tw * th;
    return diff <= 6
      ? {
          check: 'embedded thumbnail',
          result: 'consistent',
          detail: `The embedded thumbnail matches the picture (mean difference ${diff.toFixed(1)} levels).`,
        }
      : {
          check: 'embedded thumbnail',
          result: 'inconsistent',
          detail: `The embedded thumbnail differs from the picture (mean difference ${diff.toFixed(1)} of 255 levels): the picture content was changed after the thumbnail was written, by software that did not update it.`,
        };
  } catch {
    return {
      check: 'embedded thumbnail',
      result: 'note',
      detail: 'An embedded thumbnail is present but cannot be decoded.',
    };
  }
}
