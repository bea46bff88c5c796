import sharp from 'sharp';
import { VestigeError, type CaseStore } from '@vestige/evidence';
import { decodeFrames } from '@vestige/video';
import { openVideo } from '../video/video-frames.ts';
import { trackBoxAt, type RedactionList, type RedactionTrack } from './redaction-list.ts';

export const SHEET_ACTIVITY = 'vision.redaction-sheet';
const TILE = 160;
const CAPTION = 22;

export interface TrackSheet {
  readonly track: string;
  readonly itemId: string;
  readonly sha256: string;
  readonly frames: readonly number[];
}

/** Up to `count` frames of a track, spread evenly over the frames where the detector saw the face. */
export function sheetFrames(t: RedactionTrack, count: number): number[] {
  const seen = t.keyframes.filter((k) => k.score !== null).map((k) => k.frame);
  const pool = seen.length > 0 ? seen : [t.frames[0]];
  if (pool.length <= count) return pool;
  return Array.from({ length: count }, (_, i) => pool[Math.round((i * (pool.length - 1)) / (count - 1))]!);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One review sheet per track: the face as the list will cover it, at up to `perTrack` frames, each
 * tile captioned with its frame number, under a heading with the track's range and decision. Sheets
 * are stored as derived PNG items with provenance (the source, the track, the frames), so they are
 * made again identically from the original and the list.
 */
export async function trackSheets(
  store: CaseStore,
  list: RedactionList,
  options: { operator: string; perTrack?: number; now?: () => Date },
): Promise<TrackSheet[]> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const item = store.item(list.source.itemId);
  const perTrack = options.perTrack ?? 8;
  const wanted = new Map(list.tracks.map((t) => [t.id, sheetFrames(t, perTrack)]));
  const frames = [...new Set([...wanted.values()].flat())].sort((a, b) => a - b);
  if (frames.length === 0) return [];
  const tiles = new Map<string, Buffer>();
  const crop = async (pixels: Buffer, width: number, height: number, frame: number) => {
    for (const t of list.tracks) {
      if (!wanted.get(t.id)!.includes(frame)) continue;
      const b = trackBoxAt(t, frame)!;
      const left = Math.max(0, Math.floor(b[0]));
      const top = Math.max(0, Math.floor(b[1]));
      const region = {
        left,
        top,
        width: Math.max(1, Math.min(width, Math.ceil(b[0] + b[2])) - left),
        height: Math.max(1, Math.min(height, Math.ceil(b[1] + b[3])) - top),
      };
      tiles.set(
        `${t.id}@${frame}`,
        await sharp(pixels, { raw: { width, height, channels: 3 } })
          .extract(region)
          .resize(TILE, TILE, { fit: 'contain', background: '#000' })
          .png()
          .toBuffer(),
      );
    }
  };
  const path = store.blobs.pathOf(item.sha256);
  let ffmpegArgs: string[] | null = null;
  if (list.source.kind === 'video') {
    const source = await openVideo(path, `${item.id} (${item.name})`);
    const result = await decodeFrames({
      input: source.path,
      stream: { index: source.index, width: source.width, height: source.height, pixFmt: source.pixFmt },
      select: frames.map((f) => `eq(n,${f})`).join('+'),
      outputs: [
        {
          kind: 'raw',
          pixFmt: 'rgb24',
          onUnit: (unit, k) => crop(Buffer.from(unit), source.width, source.height, frames[k]!),
        },
      ],
    });
    if (result.selected.some((f, k) => f.index !== frames[k]))
      throw new VestigeError(
        'E_FFMPEG_FAILED',
        `${item.id}: the frames decoded for the review sheets are not the frames asked for`,
        { file: item.id },
      );
    ffmpegArgs = result.args.map((a) => (a === source.path ? '<source>' : a));
  } else {
    const { data, info } = await sharp(await store.blobs.read(item.sha256))
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    await crop(data, info.width, info.height, 0);
  }
  const sheets: TrackSheet[] = [];
  for (const t of list.tracks) {
    const shown = wanted.get(t.id)!;
    const width = Math.max(1, shown.length) * (TILE + 4) + 4;
    const height = CAPTION * 2 + TILE + 8;
    const heading = `${t.id}  frames ${t.frames[0]}–${t.frames[1]}  ${t.redact ? 'to be covered' : 'left visible'}  (proposal: review and decide)`;
    const layers: sharp.OverlayOptions[] = [
      {
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CAPTION}"><text x="4" y="16" font-family="DejaVu Sans" font-size="13" fill="#f0c000">${escapeXml(heading)}</text></svg>`,
        ),
        left: 0,
        top: 0,
      },
    ];
    shown.forEach((f, i) => {
      const left = 4 + i * (TILE + 4);
      layers.push({ input: tiles.get(`${t.id}@${f}`)!, left, top: CAPTION });
      layers.push({
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${CAPTION}"><text x="2" y="15" font-family="DejaVu Sans" font-size="12" fill="#ddd">frame ${f}</text></svg>`,
        ),
        left,
        top: CAPTION + TILE + 4,
      });
    });
    const png = await sharp({ create: { width, height, channels: 3, background: '#202020' } })
      .composite(layers)
      .png({ compressionLevel: 6, adaptiveFiltering: false })
      .toBuffer();
    const digests = await store.blobs.putBuffer(png);
    const recorded = store.recordDerivation({
      activity: SHEET_ACTIVITY,
      inputs: [{ sha256: item.sha256, itemId: item.id, role: 'source' }],
      steps: [
        {
          operation: 'vision.track-sheet',
          version: '1',
          parameters: { track: t.id, frames: shown, keyframes: t.keyframes, ...(ffmpegArgs ? { ffmpegArgs } : {}) },
          description: `Review sheet of face track ${t.id}: the region the redaction list covers, at ${shown.length} frames where the detector saw the face.`,
        },
      ],
      outputs: [
        {
          digests,
          name: `${item.name.replace(/\.[^./]+$/, '') || item.id}_${t.id}.png`,
          mediaType: 'image/png',
          metadata: { kind: 'redaction-track-sheet', sourceItemId: item.id, track: t.id, frames: shown },
        },
      ],
      libraries: {
        sharp: (sharp.versions as Record<string, string>).sharp ?? 'unknown',
        libvips: (sharp.versions as Record<string, string>).vips ?? 'unknown',
      },
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    sheets.push({ track: t.id, itemId: recorded.items[0]!.id, sha256: digests.sha256, frames: shown });
  }
  return sheets;
}
