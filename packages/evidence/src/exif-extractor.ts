import exifr from 'exifr';
import type { MetadataExtractor } from './ingest.ts';
import { pngMetadataInput } from './png-metadata.ts';

/** Photo metadata kept at ingest: enough to reason about when, where and with what a photo was taken. */
export const exifExtractor: MetadataExtractor = {
  id: 'exif',
  accepts: (mediaType) =>
    ['image/jpeg', 'image/tiff', 'image/heic', 'image/png', 'image/webp', 'image/avif', 'image/x-raw'].includes(
      mediaType,
    ),
  async extract(blobPath, mediaType) {
    // PNG metadata chunks can be zlib bombs: exifr sees only the bounded copy (png-metadata.ts).
    const png = mediaType === 'image/png' ? pngMetadataInput(blobPath) : undefined;
    const parsed = (await exifr.parse(png ? png.png : blobPath, {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: true,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      translateValues: false,
      reviveValues: true,
    })) as Record<string, unknown> | undefined;
    const refused = png?.refused.filter((r) => r.chunk !== 'iCCP') ?? [];
    const notes = refused.length ? { chunksNotRead: refused } : {};
    if (!parsed) return { present: false, ...notes };
    return { present: true, ...jsonSafe(parsed), ...notes };
  },
};

/** EXIF values include Dates, typed arrays and binary blobs; keep what JSON can hold faithfully. */
function jsonSafe(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Date) out[key] = Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
    else if (value instanceof Uint8Array) out[key] = { bytes: value.byteLength };
    else if (ArrayBuffer.isView(value)) out[key] = Array.from(value as unknown as ArrayLike<number>);
    else if (typeof value === 'number' && !Number.isFinite(value)) out[key] = String(value);
    else if (typeof value === 'object' && !Array.isArray(value)) out[key] = jsonSafe(value as Record<string, unknown>);
    else out[key] = value;
  }
  return out;
}
