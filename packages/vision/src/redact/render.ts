import { rmSync } from 'node:fs';
import sharp from 'sharp';
import {
  VestigeError,
  canonicalJson,
  sha256Hex,
  type CaseStore,
  type Item,
  type ProvenanceStep,
} from '@vestige/evidence';
import { PROPOSAL_NOTICE, VISION_RECORDS } from '../records.ts';
import { openVideo } from '../video/video-frames.ts';
import { checkRedactable, frameRateOf } from './propose.ts';
import { coverAt, parseRedactionList, type RedactionList } from './redaction-list.ts';
import { renderVideo, type RedactionFormat } from './render-video.ts';

export const REDACT_ACTIVITY = 'vision.redact';

export interface RenderOptions {
  readonly operator: string;
  /**
   * An edited list; it is checked, saved over the case's list (a custody event) and rendered. Default: the case's list.
   */
  readonly list?: unknown;
  readonly listFile?: string;
  /** Videos: `h264` (MP4, for disclosure; default) or `ffv1` (lossless Matroska). Images are always PNG. */
  readonly format?: RedactionFormat;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
}

export interface RenderReport {
  readonly itemId: string;
  readonly sha256: string;
  readonly name: string;
  readonly provenanceId: string;
  readonly frames: number;
  readonly listSha256: string;
  readonly boxes: number;
}

/**
 * Renders the redacted copy of an item from its redaction list into a new derived item; the
 * original is only read. The provenance names every track (with its keyframes and the officer's
 * decision), every manual box, every mute range, the style, and the ffmpeg command line, so the copy
 * can be rebuilt from the original and the list.
 */
export async function renderRedaction(store: CaseStore, itemId: string, options: RenderOptions): Promise<RenderReport> {
  const now = options.now ?? (() => new Date());
  const item = store.item(itemId);
  const list = currentList(store, item, options);
  const lock = store.lock('redact');
  const out = `${store.blobs.newTempPath()}${item.mediaType.startsWith('video/') ? (options.format === 'ffv1' ? '.mkv' : '.mp4') : '.png'}`;
  try {
    const startedAt = now();
    if (!(await store.blobs.verify(item.sha256))) {
      throw new VestigeError(
        'E_BLOB_CORRUPT',
        `the stored copy of ${item.id} (${item.name}) does not match its SHA-256`,
        { file: item.id, hint: "Run 'vestige verify'; restore the case before redacting." },
      );
    }
    const path = store.blobs.pathOf(item.sha256);
    let render: { args: readonly string[] | null; frames: number; libraries: Record<string, string>; audio: boolean };
    if (list.source.kind === 'video') {
      const source = await openVideo(path, `${item.id} (${item.name})`);
      checkRedactable(source, item.id);
      if (
        source.width !== list.source.width ||
        source.height !== list.source.height ||
        frameRateOf(source) !== list.source.frameRate
      ) {
        throw new VestigeError(
          'E_PARAM_INVALID',
          `the redaction list describes a ${list.source.width}×${list.source.height} video at ${list.source.frameRate}, but ${item.id} is ${source.width}×${source.height} at ${frameRateOf(source)}`,
          { file: options.listFile ?? item.id },
        );
      }
      const r = await renderVideo(source, list, out, options.format ?? 'h264', options.signal);
      render = { args: r.args, frames: r.frames, libraries: { ffmpeg: r.ffmpegVersion }, audio: r.audio };
    } else {
      await renderImage(await store.blobs.read(item.sha256), list, out);
      const v = sharp.versions as Record<string, string | undefined>;
      render = {
        args: null,
        frames: 1,
        libraries: { sharp: v.sharp ?? 'unknown', libvips: v.vips ?? 'unknown' },
        audio: false,
      };
    }
    const digests = await store.blobs.putFile(out);
    const listSha256 = sha256Hex(canonicalJson(list));
    const stem = item.name.replace(/\.[^./]+$/, '') || item.id;
    const ext = list.source.kind === 'image' ? 'png' : options.format === 'ffv1' ? 'mkv' : 'mp4';
    const recorded = store.recordDerivation({
      activity: REDACT_ACTIVITY,
      inputs: [{ sha256: item.sha256, itemId: item.id, role: 'source' }],
      steps: provenanceSteps(list, listSha256, render),
      outputs: [
        {
          digests,
          name: `${stem}_redacted.${ext}`,
          mediaType: ext === 'png' ? 'image/png' : ext === 'mkv' ? 'video/x-matroska' : 'video/mp4',
          metadata: {
            kind: 'redacted',
            sourceItemId: item.id,
            sourceSha256: item.sha256,
            listSha256,
            frames: render.frames,
          },
        },
      ],
      libraries: render.libraries,
      operator: options.operator,
      startedAt,
      finishedAt: now(),
    });
    const made = recorded.items[0]!;
    const boxes = list.tracks.filter((t) => t.redact).length + list.manual.length;
    return {
      itemId: made.id,
      sha256: made.sha256,
      name: made.name,
      provenanceId: recorded.provenance.id,
      frames: render.frames,
      listSha256,
      boxes,
    };
  } finally {
    rmSync(out, { force: true });
    lock.release();
  }
}

/** The list to render: an edited one (checked against the item, then saved as the case's list) or the case's own. */
function currentList(store: CaseStore, item: Item, options: RenderOptions): RedactionList {
  if (options.list === undefined) {
    const stored = store.getRecord<RedactionList>(VISION_RECORDS.redactionLists, item.id);
    if (!stored)
      throw new VestigeError('E_PARAM_INVALID', `${item.id} has no redaction list yet`, {
        hint: `Propose one first: vestige redact ${item.id} --case DIR --operator NAME`,
      });
    return parseRedactionList(stored, `the case's list for ${item.id}`);
  }
  const file = options.listFile ?? 'the redaction list';
  const list = parseRedactionList(options.list, file);
  if (list.source.itemId !== item.id || list.source.sha256 !== item.sha256) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `${file} was made for ${list.source.itemId} (${list.source.sha256.slice(0, 12)}…), not ${item.id} (${item.sha256.slice(0, 12)}…)`,
      { file, hint: 'Use the list proposed for this item.' },
    );
  }
  const stored = store.getRecord<RedactionList>(VISION_RECORDS.redactionLists, item.id);
  if (!stored || canonicalJson(stored) !== canonicalJson(list))
    store.putRecord(VISION_RECORDS.redactionLists, item.id, list, options.operator, 'vision.redaction-list.edited');
  return list;
}

/**
 * Images: each box's region blurred (Gaussian, sigma = strength) or pixelated (blocks of `strength` pixels) by libvips,
 * pasted back, written as PNG.
 */
async function renderImage(bytes: Buffer, list: RedactionList, out: string): Promise<void> {
  const { data, info } = await sharp(bytes, { failOn: 'error' })
    .rotate()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== list.source.width || info.height !== list.source.height) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `the redaction list describes a ${list.source.width}×${list.source.height} image, but the item is ${info.width}×${info.height}`,
      { file: list.source.itemId },
    );
  }
  const channels = info.channels;
  const picture = { raw: { width: info.width, height: info.height, channels } } as const;
  const patches = await Promise.all(
    coverAt(list, 0).map(async (r) => {
      const region = sharp(data, picture).extract({ left: r.x, top: r.y, width: r.width, height: r.height });
      return {
        input: await coverRegion(region, r, list.style, channels),
        raw: { width: r.width, height: r.height, channels },
        left: r.x,
        top: r.y,
      };
    }),
  );
  await sharp(data, picture).composite(patches).png({ compressionLevel: 6, adaptiveFiltering: false }).toFile(out);
}

async function coverRegion(
  region: sharp.Sharp,
  r: { width: number; height: number },
  style: RedactionList['style'],
  channels: 1 | 2 | 3 | 4,
): Promise<Buffer> {
  if (style.mode === 'blur') return region.blur(style.strength).raw().toBuffer();
  // Pixelate: the region reduced to one pixel per block by libvips, then each block filled with its pixel.
  const small = {
    width: Math.max(1, Math.ceil(r.width / style.strength)),
    height: Math.max(1, Math.ceil(r.height / style.strength)),
  };
  const blocks = await region.resize(small.width, small.height, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  return sharp(blocks, { raw: { ...small, channels } })
    .resize(r.width, r.height, { fit: 'fill', kernel: 'nearest' })
    .raw()
    .toBuffer();
}

function provenanceSteps(
  list: RedactionList,
  listSha256: string,
  render: { args: readonly string[] | null; frames: number; audio: boolean },
): ProvenanceStep[] {
  const video = list.source.kind === 'video';
  const cover =
    list.style.mode === 'blur'
      ? video
        ? `Box blur (radius ${list.style.strength}, three passes)`
        : `Gaussian blur (sigma ${list.style.strength})`
      : `Pixelation in ${list.style.strength}-pixel blocks`;
  const steps: ProvenanceStep[] = list.tracks.map((t) => ({
    operation: 'vision.redact.track',
    version: '1',
    parameters: { id: t.id, redact: t.redact, frames: t.frames, keyframes: t.keyframes, note: t.note },
    description: t.redact
      ? `Track ${t.id}, frames ${t.frames[0]}–${t.frames[1]}: covered inside the listed boxes, linear between keyframes, held before the first and after the last.${t.note ? ` Note: ${t.note}` : ''}`
      : `Track ${t.id}, frames ${t.frames[0]}–${t.frames[1]}: left visible by the officer's decision.${t.note ? ` Note: ${t.note}` : ''}`,
  }));
  for (const m of list.manual)
    steps.push({
      operation: 'vision.redact.manual',
      version: '1',
      parameters: m,
      description: `Box ${m.id} added by the officer, frames ${m.frames[0]}–${m.frames[1]}: covered.${m.note ? ` Note: ${m.note}` : ''}`,
    });
  for (const m of list.mute) {
    steps.push({
      operation: 'vision.redact.mute',
      version: '1',
      parameters: m,
      description: render.audio
        ? `Audio silenced from ${m.from} s to ${m.to} s.${m.note ? ` Note: ${m.note}` : ''}`
        : `Mute range ${m.id} listed, but the source has no audio.`,
    });
  }
  steps.push({
    operation: 'vision.redact.render',
    version: '1',
    parameters: {
      style: list.style,
      listSha256,
      frames: render.frames,
      detection: list.detection,
      ...(render.args ? { ffmpegArgs: render.args } : {}),
    },
    description: `${cover} inside every box of the redaction list (SHA-256 ${listSha256} of its canonical JSON). Face boxes were proposed by a detector and reviewed by the officer. ${PROPOSAL_NOTICE}`,
  });
  return steps;
}
