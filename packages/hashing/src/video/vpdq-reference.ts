import { execFileSync } from 'node:child_process';
import { VestigeError } from '@vestige/evidence';
import { resolveFfprobe } from '@vestige/ffmpeg';
import { forEachRawFrame } from './raw-frames.ts';
import { bytesToHex, hammingDistanceHex } from '../hex.ts';
import { pdqFromLuma, pdqLuma } from '../perceptual/pdq.ts';
import type { VpdqFrameHash } from '../sets/types.ts';

/**
 * vPDQ as ThreatExchange's reference computes it (vpdq/cpp `hashVideoFile`), so hashes exchange
 * with it: every decoded frame of the first video stream is numbered from 0; with
 * `secondsPerHash` = s > 0, frames whose number is a multiple of trunc(s × frame rate) are hashed
 * (s = 0: every frame); each is converted to RGB24 by swscale with SWS_AREA at the stream's own size
 * (or the downsample size), and hashed by PDQ on the whole frame — no 512-pixel pre-resize, luma by
 * the weighted sum; the timestamp is frameNumber / frame rate (avg_frame_rate, else r_frame_rate).
 * ffmpeg decodes in a child process and hands raw frames over a pipe: memory is one frame.
 */
export interface VpdqOptions {
  /** 0 hashes every frame; the python-threatexchange default is 1. */
  readonly secondsPerHash?: number;
  readonly downsampleWidth?: number;
  readonly downsampleHeight?: number;
  readonly label?: string;
}

function probe(path: string, label: string): { width: number; height: number; frameRate: number } {
  let out: string;
  try {
    out = execFileSync(
      resolveFfprobe().path,
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,avg_frame_rate,r_frame_rate',
        '-of',
        'json',
        path,
      ],
      { encoding: 'utf8' },
    );
  } catch (err) {
    throw new VestigeError('E_INPUT_CORRUPT', `${label}: ffprobe cannot read the video`, {
      file: label,
      cause: err,
      hint: 'The file is damaged or not a video ffmpeg reads.',
    });
  }
  const s = (
    JSON.parse(out) as {
      streams?: Array<{ width: number; height: number; avg_frame_rate: string; r_frame_rate: string }>;
    }
  ).streams?.[0];
  if (!s)
    throw new VestigeError('E_INPUT_UNSUPPORTED', `${label}: no video stream`, {
      file: label,
      hint: 'vPDQ hashes the first video stream; this file has none.',
    });
  const rate = (r: string) => {
    const [a, b] = r.split('/').map(Number);
    return b ? a! / b : 0;
  };
  const frameRate = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
  if (!(frameRate > 0))
    throw new VestigeError('E_INPUT_UNSUPPORTED', `${label}: the video's frame rate is unknown`, { file: label });
  return { width: s.width, height: s.height, frameRate };
}

/**
 * swscale flags for the YUV → RGB24 conversion: area, with accurate rounding. The reference asks
 * swscale for SWS_AREA alone, but its published hashes are what accurate rounding gives: Debian's
 * ffmpeg 5.1 without it takes the fast x86 yuv2rgb path, whose rounding differs by one level here and
 * there. On a bright frame that moves a bit or two; on the near-black frames of a fade (PDQ quality
 * 0–10, where the image is almost flat and the hash is decided by those rounding differences) it
 * moved 30–76 bits. Measured on ThreatExchange's HD doorknob sample: median per-frame distance to
 * the reference 8 without accurate rounding, 0 with it (at most 2 bits on frames of quality ≥ 50).
 */
const SWS_FLAGS = 'area+accurate_rnd';

export async function hashVideoVpdq(path: string, options: VpdqOptions = {}): Promise<VpdqFrameHash[]> {
  const label = options.label ?? path;
  const spf = options.secondsPerHash ?? 1;
  if (!(spf >= 0)) throw new VestigeError('E_PARAM_INVALID', `secondsPerHash must be ≥ 0, not ${spf}`);
  const video = probe(path, label);
  const width = options.downsampleWidth || video.width;
  const height = options.downsampleHeight || video.height;
  const frameMod = Math.max(1, Math.trunc(spf * video.frameRate));
  const filters = [
    ...(frameMod > 1 ? [`select=not(mod(n\\,${frameMod}))`] : []),
    `scale=${width}:${height}:flags=${SWS_FLAGS}:in_color_matrix=bt601:out_color_matrix=bt601`,
  ];
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    path,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-fps_mode',
    'passthrough',
    '-sws_flags',
    SWS_FLAGS,
    '-vf',
    filters.join(','),
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
  const out: VpdqFrameHash[] = [];
  await forEachRawFrame(args, width * height * 3, label, (frame, k) => {
    const r = pdqFromLuma(pdqLuma(frame, width, height, 3, { greyAsImageMagick: false }), height, width);
    const frameNumber = k * frameMod;
    out.push({
      frame: frameNumber,
      hex: bytesToHex(r.hash),
      quality: r.quality,
      timestamp: Math.fround(frameNumber / Math.fround(video.frameRate)),
    });
  });
  return out;
}

/** The reference's thresholds (python-threatexchange `vpdq_util`): frame distance ≤ 31, quality ≥ 50. */
export const VPDQ_DISTANCE = 31;
export const VPDQ_QUALITY = 50;
/**
 * python-threatexchange's `VPDQ_QUERY_MATCH_THRESHOLD_PERCENT` (75 in current releases, 80 in older
 * ones): the share of the query video's frames that must match for the video to be a match.
 */
export const VPDQ_MATCH_PERCENT = 75;

/** One side of the reference metric: frames deduplicated by exact hex, then those under `quality` dropped. */
export function prepareVpdqFrames(list: readonly VpdqFrameHash[], quality = VPDQ_QUALITY): VpdqFrameHash[] {
  const seen = new Set<string>();
  return list.filter((f) => !seen.has(f.hex) && seen.add(f.hex) !== undefined).filter((f) => f.quality >= quality);
}

export interface VpdqMatchResult {
  /** Share (0–100) of the query's distinct, good-quality frame hashes that have a match in the other video. */
  readonly queryMatchPercent: number;
  readonly comparedMatchPercent: number;
}

/**
 * The reference's match metric (python-threatexchange `match_VPDQ_hash_brute`): each side's frame
 * hashes deduplicated (exact hex), those under `quality` (50) dropped; a frame matches when some
 * frame of the other side is within `distance` (31) bits.
 */
export function matchVpdq(
  query: readonly VpdqFrameHash[],
  compared: readonly VpdqFrameHash[],
  options: { distance?: number; quality?: number } = {},
): VpdqMatchResult {
  const distance = options.distance ?? VPDQ_DISTANCE;
  const quality = options.quality ?? VPDQ_QUALITY;
  const q = prepareVpdqFrames(query, quality);
  const c = prepareVpdqFrames(compared, quality);
  if (q.length === 0 || c.length === 0) return { queryMatchPercent: 0, comparedMatchPercent: 0 };
  const count = (a: typeof q, b: typeof q) =>
    a.filter((x) => b.some((y) => hammingDistanceHex(x.hex, y.hex) <= distance)).length;
  return { queryMatchPercent: (count(q, c) * 100) / q.length, comparedMatchPercent: (count(c, q) * 100) / c.length };
}
