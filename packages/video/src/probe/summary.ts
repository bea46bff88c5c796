import {
  ffprobeFile,
  parseNumber,
  parseRate,
  pixFmtBitDepth,
  streamRotation,
  type FfprobeResult,
  type FfprobeStream,
} from './ffprobe.ts';

/** A compact, JSON-safe description of one stream, stored as an item's metadata at ingest. */
export interface StreamSummary {
  index: number;
  type: string;
  codec: string | null;
  codecLongName?: string;
  profile?: string;
  width?: number;
  height?: number;
  pixFmt?: string;
  bitDepth?: number;
  frameRate?: string;
  avgFrameRate?: string;
  fieldOrder?: string;
  rotation?: number;
  declaredFrames?: number | null;
  sampleRate?: number;
  channels?: number;
  duration: number | null;
  timeBase?: string;
  language?: string;
  timecode?: string;
  creationTime?: string;
}

export interface MediaSummary {
  format: string | null;
  formatLongName: string | null;
  duration: number | null;
  bitRate: number | null;
  size: number | null;
  creationTime: string | null;
  timecode: string | null;
  encoder: string | null;
  streams: StreamSummary[];
  video: number;
  audio: number;
}

function summariseStream(s: FfprobeStream): StreamSummary {
  const base: StreamSummary = {
    index: s.index,
    type: s.codec_type ?? 'unknown',
    codec: s.codec_name && s.codec_name !== 'none' ? s.codec_name : null,
    duration: parseNumber(s.duration),
  };
  if (s.codec_long_name) base.codecLongName = s.codec_long_name;
  if (s.profile) base.profile = s.profile;
  if (s.time_base) base.timeBase = s.time_base;
  if (s.codec_type === 'video') {
    if (s.width !== undefined) base.width = s.width;
    if (s.height !== undefined) base.height = s.height;
    if (s.pix_fmt) base.pixFmt = s.pix_fmt;
    base.bitDepth = pixFmtBitDepth(s.pix_fmt, s.bits_per_raw_sample);
    if (s.r_frame_rate && s.r_frame_rate !== '0/0') base.frameRate = s.r_frame_rate;
    if (s.avg_frame_rate && s.avg_frame_rate !== '0/0') base.avgFrameRate = s.avg_frame_rate;
    if (s.field_order) base.fieldOrder = s.field_order;
    base.rotation = streamRotation(s);
    base.declaredFrames = parseNumber(s.nb_frames);
  }
  if (s.codec_type === 'audio') {
    const rate = parseNumber(s.sample_rate);
    if (rate !== null) base.sampleRate = rate;
    if (s.channels !== undefined) base.channels = s.channels;
  }
  const tags = s.tags ?? {};
  if (tags['language'] && tags['language'] !== 'und') base.language = tags['language'];
  if (tags['timecode']) base.timecode = tags['timecode'];
  if (tags['creation_time']) base.creationTime = tags['creation_time'];
  return base;
}

export function summariseProbe(probe: FfprobeResult): MediaSummary {
  const tags = probe.format.tags ?? {};
  const streams = probe.streams.map(summariseStream);
  return {
    format: probe.format.format_name ?? null,
    formatLongName: probe.format.format_long_name ?? null,
    duration: parseNumber(probe.format.duration),
    bitRate: parseNumber(probe.format.bit_rate),
    size: parseNumber(probe.format.size),
    creationTime: tags['creation_time'] ?? streams.find((s) => s.creationTime)?.creationTime ?? null,
    timecode: tags['timecode'] ?? streams.find((s) => s.timecode)?.timecode ?? null,
    encoder: tags['encoder'] ?? null,
    streams,
    video: streams.filter((s) => s.type === 'video' && !isAttachedPicture(probe, s.index)).length,
    audio: streams.filter((s) => s.type === 'audio').length,
  };
}

/** Cover art in audio files shows up as a one-frame "video" stream; it is not video evidence. */
export function isAttachedPicture(probe: FfprobeResult, index: number): boolean {
  return probe.streams.find((s) => s.index === index)?.disposition?.['attached_pic'] === 1;
}

/** Parse `30000/1001`-style rates for callers that want a number. */
export { parseRate };

/**
 * Compact container/stream summary of a video or audio file, for an item's metadata at ingest. Throws
 * VestigeError E_INPUT_CORRUPT (a media container that cannot be read) or E_INPUT_UNSUPPORTED (not media).
 */
export async function probeMediaSummary(path: string): Promise<Record<string, unknown>> {
  const summary = summariseProbe(await ffprobeFile(path));
  return summary as unknown as Record<string, unknown>;
}
