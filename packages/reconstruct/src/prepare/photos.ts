/**
 * Photos from the case into the engine's workspace: each item's stored bytes are read once and checked against
 * their SHA-256, decoded once to prove they are a whole picture, and written where the engine reads them. JPEG,
 * PNG and TIFF go as they are; other formats, and photos whose EXIF says they are stored turned, are written as
 * lossless PNG upright (gravity is later read from the photos' "up", so they must be upright). Photos from one
 * camera body share a folder, and so one set of intrinsics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { VestigeError, exifExtractor, isVestigeError, type CaseStore, type Item } from '@vestige/evidence';
import type { CameraGroup, PreparedImage } from '../engine.ts';
import { focalPriorFromExif } from './focal-prior.ts';

export interface RejectedPhoto {
  readonly itemId: string;
  readonly name: string;
  readonly code: string;
  readonly reason: string;
}

export interface PreparedPhotos {
  readonly imageDir: string;
  readonly images: PreparedImage[];
  readonly groups: CameraGroup[];
  readonly rejected: RejectedPhoto[];
  /** What was done to a photo on the way (converted, turned upright), by image name. */
  readonly conversions: Record<string, string>;
}

const PASS_THROUGH = new Set(['jpeg', 'png', 'tiff']);

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80) || 'photo';
}

interface Checked {
  item: Item;
  bytes: Buffer;
  width: number;
  height: number;
  format: string;
  orientation: number;
  exif: Record<string, unknown> | undefined;
}

async function checkPhoto(store: CaseStore, item: Item): Promise<Checked> {
  if (!item.mediaType.startsWith('image/')) {
    throw new VestigeError('E_INPUT_UNSUPPORTED', `${item.id} (${item.name}) is ${item.mediaType}, not a photo.`, {
      file: item.id,
      hint: item.mediaType.startsWith('video/')
        ? 'Give a video with --video ITEM: its sharpest, well-spaced frames are used.'
        : 'Give photo items.',
    });
  }
  const bytes = await store.blobs.read(item.sha256);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${item.id} (${item.name}): the image format is not one Vestige can decode: ${(err as Error).message}`,
      { file: item.id, hint: "Convert it to JPEG, PNG or TIFF with the camera maker's software and ingest the copy." },
    );
  }
  try {
    // A full decode, failing on truncation or bad data rather than returning grey rows.
    await sharp(bytes, { failOn: 'truncated' }).stats();
  } catch (err) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `${item.id} (${item.name}) is a ${meta.format} file whose picture cannot be decoded whole: ${(err as Error).message}`,
      { file: item.id, hint: 'Check the original exhibit; ingest an intact copy if there is one.' },
    );
  }
  const exif = await exifExtractor.extract(store.blobs.pathOf(item.sha256), item.mediaType).catch(() => undefined);
  return {
    item,
    bytes,
    width: meta.width!,
    height: meta.height!,
    format: meta.format ?? 'unknown',
    orientation: meta.orientation ?? 1,
    exif: exif?.present ? (exif as Record<string, unknown>) : undefined,
  };
}

function groupKey(c: Checked, upright: { width: number; height: number }): string {
  const e = c.exif ?? {};
  return [e.Make ?? '?', e.Model ?? '?', e.FocalLength ?? '?', upright.width, upright.height].join('|');
}

export async function preparePhotos(
  store: CaseStore,
  itemIds: readonly string[],
  workspace: string,
  options: { shareIntrinsics: boolean; signal?: AbortSignal },
): Promise<PreparedPhotos> {
  const imageDir = join(workspace, 'images');
  const rejected: RejectedPhoto[] = [];
  const checked: Checked[] = [];
  for (const id of itemIds) {
    options.signal?.throwIfAborted();
    const item = store.item(id);
    try {
      checked.push(await checkPhoto(store, item));
    } catch (err) {
      if (!isVestigeError(err)) throw err;
      rejected.push({ itemId: item.id, name: item.name, code: err.code, reason: err.message });
    }
  }
  const groups: CameraGroup[] = [];
  const groupIndex = new Map<string, number>();
  const priors = new Map<number, Array<{ focalPx: number; source: string }>>();
  const images: PreparedImage[] = [];
  const conversions: Record<string, string> = {};
  for (const [order, c] of checked.entries()) {
    const turned = c.orientation >= 5;
    const upright = turned ? { width: c.height, height: c.width } : { width: c.width, height: c.height };
    const key = options.shareIntrinsics ? groupKey(c, upright) : `photo-${order}`;
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groups.length;
      groupIndex.set(key, g);
      groups.push({
        folder: `cam-${g + 1}`,
        label: c.exif
          ? `${String(c.exif.Make ?? '').trim()} ${String(c.exif.Model ?? '').trim()}`.trim() || 'unknown camera'
          : 'unknown camera',
        ...upright,
      });
    }
    const prior = focalPriorFromExif(c.exif, c.width, c.height);
    if (prior) priors.set(g, [...(priors.get(g) ?? []), prior]);
    const convert = !PASS_THROUGH.has(c.format) || c.orientation !== 1;
    const ext = convert ? 'png' : c.format === 'jpeg' ? 'jpg' : c.format === 'tiff' ? 'tif' : 'png';
    const name = `${groups[g]!.folder}/${String(order + 1).padStart(4, '0')}-${safeName(c.item.name.replace(/\.[^.]*$/, ''))}.${ext}`;
    mkdirSync(join(imageDir, groups[g]!.folder), { recursive: true });
    if (convert) {
      writeFileSync(join(imageDir, name), await sharp(c.bytes).rotate().png({ compressionLevel: 2 }).toBuffer());
      conversions[name] =
        `${c.format}${c.orientation !== 1 ? ` with EXIF orientation ${c.orientation}` : ''} → upright lossless PNG (same pixels, turned as EXIF says)`;
    } else {
      writeFileSync(join(imageDir, name), c.bytes);
    }
    images.push({
      name,
      itemId: c.item.id,
      sha256: c.item.sha256,
      width: upright.width,
      height: upright.height,
      group: g,
    });
  }
  const withPriors = groups.map((group, g) => {
    const list = priors.get(g);
    if (!list || list.length === 0) return group;
    const sorted = list.map((p) => p.focalPx).sort((a, b) => a - b);
    return { ...group, priorFocalPx: sorted[Math.floor(sorted.length / 2)]!, priorSource: list[0]!.source };
  });
  return { imageDir, images, groups: withPriors, rejected, conversions };
}
