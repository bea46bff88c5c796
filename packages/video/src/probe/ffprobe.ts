import { stat } from 'node:fs/promises';
import { VestigeError } from '@vestige/evidence';
import { resolveFfprobe, runTool, stderrTail } from '@vestige/ffmpeg';
import { readHead, sniffContainer } from './sniff.ts';

/** The parts of `ffprobe -show_format -show_streams -of json` that Vestige reads. */
export interface FfprobeStream {
  index: number;
  codec_name?: string;
  codec_long_name?: string;
  codec_type?: string;
  codec_tag_string?: string;
  profile?: string;
  width?: number;
  height?: number;
  coded_width?: number;
  coded_height?: number;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  field_order?: string;
  has_b_frames?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_pts?: number;
  start_time?: string;
  duration_ts?: number;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  bit_rate?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<Record<string, unknown>>;
}

export interface FfprobeFormat {
  filename?: string;
  format_name?: string;
  format_long_name?: string;
  nb_streams?: number;
  start_time?: string;
  duration?: string;
  size?: string;
  bit_rate?: string;
  probe_score?: number;
  tags?: Record<string, string>;
}

export interface FfprobeResult {
  streams: FfprobeStream[];
  format: FfprobeFormat;
}

/** Formats ffprobe "recognises" in almost any file; a result in one of these is not evidence of a media file. */
const junkFormats = new Set(['tty', 'txt', 'data', 'bin']);

/**
 * Runs ffprobe over a file and turns every way it can fail into a typed error. A file is corrupt when its first
 * bytes claim a media container that ffprobe cannot read; unsupported when nothing in it looks like media.
 */
export async function ffprobeFile(path: string, extraArgs: readonly string[] = []): Promise<FfprobeResult> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new VestigeError('E_INPUT_NOT_FILE', `'${path}' is not a regular file.`, { file: path });
    size = s.size;
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_INPUT_NOT_FOUND' : 'E_INPUT_UNREADABLE',
      `Cannot read '${path}': ${(err as Error).message}`,
      {
        file: path,
        hint: 'Check the path and your permission to read it.',
        cause: err,
      },
    );
  }
  if (size === 0) throw new VestigeError('E_INPUT_EMPTY', `'${path}' is empty (0 bytes).`, { file: path });
  const ffprobe = resolveFfprobe();
  const result = await runTool(
    ffprobe.path,
    ['-v', 'error', '-hide_banner', '-print_format', 'json', '-show_format', '-show_streams', ...extraArgs, '-i', path],
    { timeoutMs: 120_000 },
  );
  let parsed: Partial<FfprobeResult> = {};
  try {
    parsed = JSON.parse(result.stdout.toString('utf8') || '{}') as Partial<FfprobeResult>;
  } catch {
    parsed = {};
  }
  const streams = parsed.streams ?? [];
  const format = parsed.format;
  const failed = result.code !== 0 || !format || streams.length === 0 || junkFormats.has(format.format_name ?? '');
  if (failed) {
    const guess = sniffContainer(await readHead(path));
    const why = stderrTail(result.stderr) || 'no streams found';
    if (guess !== null) {
      throw new VestigeError('E_INPUT_CORRUPT', `'${path}' looks like ${guess} but cannot be read as media (${why}).`, {
        file: path,
        hint: 'The file is probably damaged or incomplete (e.g. a recording cut off before it was finalised). Work from another copy, or use a repair tool on a copy and ingest the result as a new item.',
        details: { container: guess, ffprobe: why },
      });
    }
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `'${path}' is not a video or audio file that ffmpeg can read (${why}).`,
      {
        file: path,
        hint: 'Check that this is the file you meant. Proprietary DVR exports often need the vendor player to convert them to a standard format first.',
        details: { ffprobe: why },
      },
    );
  }
  return { streams, format: format! };
}

/** `30000/1001` → 29.97…; `0/0` → null. */
export function parseRate(rate: string | undefined): number | null {
  if (!rate) return null;
  const [n, d] = rate.split('/').map(Number);
  if (n === undefined || d === undefined || !Number.isFinite(n) || !Number.isFinite(d) || d === 0 || n === 0)
    return null;
  return n / d;
}

export function parseNumber(value: string | number | undefined): number | null {
  if (value === undefined || value === 'N/A') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Display rotation in degrees, from the display matrix (current ffmpeg) or the legacy `rotate` tag. */
export function streamRotation(stream: FfprobeStream): number {
  for (const side of stream.side_data_list ?? []) {
    const r = side['rotation'];
    if (typeof r === 'number') return ((Math.round(-r) % 360) + 360) % 360;
  }
  const tag = stream.tags?.['rotate'];
  if (tag !== undefined && Number.isFinite(Number(tag))) return ((Number(tag) % 360) + 360) % 360;
  return 0;
}

/** Bits per colour sample of a pixel format (`yuv420p10le` → 10); 8 when nothing says otherwise. */
export function pixFmtBitDepth(pixFmt: string | undefined, bitsPerRawSample?: string): number {
  const raw = Number(bitsPerRawSample);
  if (Number.isFinite(raw) && raw > 0) return raw;
  if (!pixFmt) return 8;
  const m = /p(9|10|12|14|16)(le|be)?$/.exec(pixFmt) ?? /(48|64)(le|be)$/.exec(pixFmt);
  if (!m) return /^(gray16|rgb48|rgba64|bgr48|bgra64)/.test(pixFmt) ? 16 : 8;
  const n = Number(m[1]);
  return n === 48 || n === 64 ? 16 : n;
}
