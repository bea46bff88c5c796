import { VestigeError } from '@vestige/evidence';
import { ffmpegFeatures } from '@vestige/ffmpeg';
import {
  ffprobeFile,
  pixFmtBitDepth,
  streamRotation,
  type FfprobeResult,
  type FfprobeStream,
} from '../probe/ffprobe.ts';
import { isAttachedPicture } from '../probe/summary.ts';

/** A video stream that can be decoded, with what extraction needs to know about it. */
export interface VideoSource {
  readonly path: string;
  readonly probe: FfprobeResult;
  readonly stream: FfprobeStream;
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
  readonly bitDepth: number;
  readonly hasAlpha: boolean;
  readonly rotation: number;
  readonly timeBase: readonly [number, number];
  readonly codec: string;
}

/**
 * Opens the video stream of a file for decoding, or says plainly why it cannot be: no video stream (and whether the
 * file is audio only), a codec this ffmpeg cannot decode, or not media at all.
 */
export async function openVideoSource(
  path: string,
  options: { stream?: number; displayName?: string } = {},
): Promise<VideoSource> {
  const shown = options.displayName ?? path;
  let probe: FfprobeResult;
  try {
    probe = await ffprobeFile(path);
  } catch (err) {
    // Name the file as the user knows it (an item id), not the blob path.
    if (err instanceof VestigeError && shown !== path) {
      throw new VestigeError(err.code, err.message.replaceAll(path, shown), {
        file: shown,
        ...(err.hint ? { hint: err.hint } : {}),
        ...(err.details ? { details: err.details } : {}),
        cause: err,
      });
    }
    throw err;
  }
  const container = probe.format.format_name ?? '';
  // ffmpeg opens a photo as a one-frame "video" (image2, jpeg_pipe, png_pipe …): frames come from video only.
  if (container === 'image2' || container.endsWith('_pipe')) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${shown} is a still image (${container.replace(/_pipe$/, '')}), not a video: there are no frames to take.`,
      {
        file: shown,
        hint: 'Work on the photo itself (vestige enhance, phash); frames are extracted from video exhibits.',
        details: { reason: 'still-image', container },
      },
    );
  }
  const videos = probe.streams.filter((s) => s.codec_type === 'video' && !isAttachedPicture(probe, s.index));
  if (videos.length === 0) {
    const audio = probe.streams.some((s) => s.codec_type === 'audio');
    const kinds = [...new Set(probe.streams.map((s) => s.codec_type ?? 'unknown'))].join(', ');
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      audio
        ? `${shown} is audio only: it has no video stream to take frames from.`
        : `${shown} has no video stream (it holds: ${kinds}).`,
      {
        file: shown,
        hint: audio
          ? 'Frames can only be taken from video. Handle this exhibit as audio.'
          : 'Check that this is the right exhibit.',
        details: {
          reason: audio ? 'audio-only' : 'no-video-stream',
          streams: probe.streams.map((s) => ({ index: s.index, type: s.codec_type, codec: s.codec_name })),
        },
      },
    );
  }
  let stream: FfprobeStream | undefined;
  if (options.stream !== undefined) {
    stream = videos.find((s) => s.index === options.stream);
    if (!stream) {
      throw new VestigeError('E_PARAM_INVALID', `${shown} has no video stream #${options.stream}.`, {
        file: shown,
        hint: `Video streams: ${videos.map((s) => `#${s.index}`).join(', ')}.`,
      });
    }
  } else stream = videos[0]!;
  const codec =
    stream.codec_name && stream.codec_name !== 'none' && stream.codec_name !== 'unknown' ? stream.codec_name : null;
  if (codec === null || !ffmpegFeatures().decoders.has(codec) || !stream.pix_fmt || !stream.width || !stream.height) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${shown}: the video codec ${codec ?? `with tag '${stream.codec_tag_string ?? '?'}'`} cannot be decoded by this ffmpeg build.`,
      {
        file: shown,
        hint: "Proprietary CCTV codecs need the recorder maker's player or converter; convert a copy to a standard format and ingest that as a new exhibit. 'vestige doctor' lists the decoders available.",
        details: { reason: 'unknown-codec', codec, codecTag: stream.codec_tag_string ?? null },
      },
    );
  }
  const tb = (stream.time_base ?? '').split('/').map(Number);
  if (tb.length !== 2 || !tb[0] || !tb[1]) {
    throw new VestigeError('E_INPUT_CORRUPT', `${shown}: the video stream has no usable time base.`, { file: shown });
  }
  return {
    path,
    probe,
    stream,
    index: stream.index,
    width: stream.width,
    height: stream.height,
    pixFmt: stream.pix_fmt,
    bitDepth: pixFmtBitDepth(stream.pix_fmt, stream.bits_per_raw_sample),
    hasAlpha: /^(yuva|rgba|bgra|argb|abgr|ya|gbrap)/.test(stream.pix_fmt),
    rotation: streamRotation(stream),
    timeBase: [tb[0], tb[1]],
    codec,
  };
}

/** Filters that turn the decoded picture upright for viewing (the stored frame hash is of the decoded picture). */
export function uprightFilters(rotation: number): string[] {
  switch (rotation) {
    case 90:
      return ['transpose=clock'];
    case 180:
      return ['hflip', 'vflip'];
    case 270:
      return ['transpose=cclock'];
    default:
      return [];
  }
}

/** Lossless PNG pixel format for a source: 16 bits per sample when the source has more than 8. */
export function pngPixelFormat(source: Pick<VideoSource, 'bitDepth' | 'hasAlpha' | 'pixFmt'>): string {
  const gray = /^(gray|ya)/.test(source.pixFmt);
  const deep = source.bitDepth > 8;
  if (gray) return source.hasAlpha ? (deep ? 'ya16be' : 'ya8') : deep ? 'gray16be' : 'gray';
  if (source.hasAlpha) return deep ? 'rgba64be' : 'rgba';
  return deep ? 'rgb48be' : 'rgb24';
}
