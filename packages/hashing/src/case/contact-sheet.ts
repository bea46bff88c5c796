import sharp from 'sharp';
import type { CaseStore } from '@vestige/evidence';
import { VestigeError, isVestigeError } from '@vestige/evidence';

/**
 * Reviewer wellbeing: thumbnails and contact sheets of material under categorisation are shown
 * blurred and in greyscale unless the reviewer deliberately asks otherwise. Repeated exposure to
 * abuse imagery harms the people who grade it; most grading and grouping decisions can be made, or
 * at least triaged, from a softened view, and the full image is one deliberate step away.
 *
 *   protected (default) — greyscale and strongly blurred: composition visible, detail not;
 *   greyscale           — greyscale, not blurred;
 *   clear               — the image as it is (colour, sharp). Must be asked for explicitly.
 */
export const THUMBNAIL_VIEWS = ['protected', 'greyscale', 'clear'] as const;
export type ThumbnailView = (typeof THUMBNAIL_VIEWS)[number];

export interface ContactSheetOptions {
  readonly view?: ThumbnailView;
  readonly thumbnailSize?: number;
  readonly columns?: number;
  /** Caption under each thumbnail (defaults to the item id). */
  readonly caption?: (itemId: string) => string;
}

/** Blur strength relative to the thumbnail size: features below ~1/20 of the frame are lost. */
const BLUR_FRACTION = 1 / 24;

export async function thumbnail(input: Buffer, size: number, view: ThumbnailView): Promise<Buffer> {
  let pipeline = sharp(input, { failOn: 'error' })
    .rotate()
    .resize(size, size, { fit: 'contain', background: { r: 32, g: 32, b: 32, alpha: 1 } });
  if (view !== 'clear') pipeline = pipeline.greyscale();
  if (view === 'protected') pipeline = pipeline.blur(Math.max(0.3, size * BLUR_FRACTION));
  return pipeline.removeAlpha().toColourspace('srgb').png().toBuffer();
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Writes a contact sheet (PNG or JPEG by extension) of the given items' images. */
export async function writeContactSheet(
  store: CaseStore,
  itemIds: readonly string[],
  outPath: string,
  options: ContactSheetOptions = {},
): Promise<{ view: ThumbnailView; tiles: number; skipped: string[] }> {
  const view = options.view ?? 'protected';
  if (!THUMBNAIL_VIEWS.includes(view))
    throw new VestigeError('E_PARAM_INVALID', `unknown thumbnail view '${view}'`, {
      hint: `Use one of: ${THUMBNAIL_VIEWS.join(', ')}.`,
    });
  const size = options.thumbnailSize ?? 160;
  const columns = Math.max(1, Math.min(options.columns ?? 6, itemIds.length || 1));
  const captionHeight = 20;
  const gap = 8;
  const tiles: sharp.OverlayOptions[] = [];
  const skipped: string[] = [];
  let n = 0;
  for (const id of itemIds) {
    const item = store.item(id);
    let thumb: Buffer;
    try {
      thumb = await thumbnail(await store.blobs.read(item.sha256), size, view);
    } catch (err) {
      if (isVestigeError(err) || err instanceof Error) {
        skipped.push(id);
        continue;
      }
      throw err;
    }
    const x = gap + (n % columns) * (size + gap);
    const y = gap + Math.floor(n / columns) * (size + captionHeight + gap);
    tiles.push({ input: thumb, left: x, top: y });
    const caption = escapeXml((options.caption ?? ((i) => i))(id)).slice(0, 40);
    tiles.push({
      input: Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${captionHeight}"><text x="2" y="14" font-family="sans-serif" font-size="12" fill="#ddd">${caption}</text></svg>`,
      ),
      left: x,
      top: y + size,
    });
    n++;
  }
  const rows = Math.max(1, Math.ceil(n / columns));
  const width = Math.max(gap + columns * (size + gap), 480);
  const height = gap + rows * (size + captionHeight + gap) + 22;
  const banner =
    view === 'clear'
      ? 'UNPROTECTED VIEW (colour, unblurred) — requested explicitly'
      : view === 'greyscale'
        ? 'Greyscale view'
        : 'Protected view: greyscale + blurred (use --thumbnails clear to change)';
  tiles.push({
    input: Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20"><text x="${gap}" y="14" font-family="sans-serif" font-size="12" fill="#f0c000">${escapeXml(banner)}</text></svg>`,
    ),
    left: 0,
    top: height - 22,
  });
  const canvas = sharp({ create: { width, height, channels: 3, background: { r: 20, g: 20, b: 20 } } }).composite(
    tiles,
  );
  await (outPath.toLowerCase().endsWith('.png') ? canvas.png() : canvas.jpeg({ quality: 85 })).toFile(outPath);
  return { view, tiles: n, skipped };
}
