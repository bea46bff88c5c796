import { stat } from 'node:fs/promises';
import { ffmpegFeatures, resolveFfmpeg, resolveFfprobe } from '@vestige/ffmpeg';
import { decodeFrames } from '../decode/session.ts';
import type { DecodeProblem, PictType } from '../decode/log.ts';
import { ptsToRational, rationalToString } from '../time.ts';
import {
  ffprobeFile,
  parseNumber,
  pixFmtBitDepth,
  streamRotation,
  type FfprobeResult,
  type FfprobeStream,
} from './ffprobe.ts';
import { analyseRate, scanPackets, type RateAnalysis } from './packets.ts';
import { isAttachedPicture, summariseProbe, type MediaSummary } from './summary.ts';

export interface FrameRow {
  readonly index: number;
  readonly pts: number | null;
  /** Exact presentation time in seconds as `num/den`. */
  readonly time: string | null;
  readonly seconds: number | null;
  readonly pictType: PictType;
  readonly key: boolean;
  /** SHA-256 of the decoded frame in its own pixel format (equal to `ffmpeg -f framehash -hash sha256`). */
  readonly pixelHash: string;
}

export interface DuplicateRun {
  /** First frame of the run (the original); the frames after it up to `last` repeat it exactly. */
  readonly first: number;
  readonly last: number;
  readonly length: number;
}

export interface VideoStreamReport {
  readonly index: number;
  readonly codec: string | null;
  readonly codecTag: string | null;
  /** This ffmpeg build has a decoder for the codec. */
  readonly decodable: boolean;
  readonly width: number | null;
  readonly height: number | null;
  readonly pixFmt: string | null;
  readonly bitDepth: number;
  readonly rotation: number;
  readonly fieldOrder: string | null;
  readonly timecode: string | null;
  readonly timeBase: string | null;
  readonly nominalFrameRate: string | null;
  readonly duration: number | null;
  /** Frame count the header claims (null if it claims none). */
  readonly declaredFrames: number | null;
  /** Frames counted by reading every packet. */
  readonly countedFrames: number;
  /** Frames the decoder produced (when decoded). */
  readonly decodedFrames: number | null;
  /** The header's count disagrees with the packets. */
  readonly frameCountMismatch: boolean;
  readonly keyframes: number;
  readonly rate: RateAnalysis;
  readonly duplicateRuns: readonly DuplicateRun[] | null;
  readonly duplicateFrames: number | null;
  readonly frames: readonly FrameRow[] | null;
  readonly problems: readonly DecodeProblem[];
}

export interface VideoProbe {
  readonly file: string;
  readonly size: number;
  readonly summary: MediaSummary;
  readonly video: readonly VideoStreamReport[];
  readonly warnings: readonly string[];
  readonly tools: { readonly ffprobe: string; readonly ffmpeg: string | null };
}

export interface ProbeOptions {
  /** Decode every frame: picture types, pixel hashes, duplicate runs (default true). */
  readonly decode?: boolean;
  /** Include the per-frame table (implies decode). */
  readonly frames?: boolean;
  readonly signal?: AbortSignal;
}

function parseTimeBase(tb: string | undefined): [number, number] | null {
  if (!tb) return null;
  const [n, d] = tb.split('/').map(Number);
  return n && d ? [n, d] : null;
}

/** Groups consecutive identical pixel hashes into runs of two or more frames. */
export function duplicateRuns(hashes: readonly string[]): DuplicateRun[] {
  const runs: DuplicateRun[] = [];
  let start = 0;
  for (let i = 1; i <= hashes.length; i++) {
    if (i < hashes.length && hashes[i] === hashes[start]) continue;
    if (i - start >= 2) runs.push({ first: start, last: i - 1, length: i - start });
    start = i;
  }
  return runs;
}

async function reportStream(
  path: string,
  probe: FfprobeResult,
  s: FfprobeStream,
  options: ProbeOptions,
): Promise<{ report: VideoStreamReport; warnings: string[] }> {
  const warnings: string[] = [];
  const codec = s.codec_name && s.codec_name !== 'none' && s.codec_name !== 'unknown' ? s.codec_name : null;
  const decodable = codec !== null && ffmpegFeatures().decoders.has(codec);
  const timeBase = parseTimeBase(s.time_base) ?? [1, 90000];
  const packets = await scanPackets(path, s.index, options.signal);
  const declared = parseNumber(s.nb_frames);
  const mismatch = declared !== null && declared !== packets.packets;
  if (mismatch)
    warnings.push(`stream ${s.index}: the header declares ${declared} frames but the file holds ${packets.packets}.`);
  if (!decodable)
    warnings.push(
      `stream ${s.index}: codec ${codec ?? s.codec_tag_string ?? 'unknown'} cannot be decoded by this ffmpeg build.`,
    );
  const rate = analyseRate(packets.sortedPts, timeBase);

  let frames: FrameRow[] | null = null;
  let problems: DecodeProblem[] = [];
  let decodedFrames: number | null = null;
  let runs: DuplicateRun[] | null = null;
  if ((options.decode ?? true) || options.frames) {
    if (decodable && s.width && s.height && s.pix_fmt) {
      const hashes: string[] = [];
      const result = await decodeFrames({
        input: path,
        stream: { index: s.index, width: s.width, height: s.height, pixFmt: s.pix_fmt },
        outputs: [{ kind: 'raw', onDigest: (sha256) => void hashes.push(sha256) }],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      decodedFrames = result.decoded.length;
      problems = [...result.problems];
      runs = duplicateRuns(hashes);
      if (decodedFrames !== packets.packets) {
        warnings.push(`stream ${s.index}: ${packets.packets} packets decoded to ${decodedFrames} frames.`);
      }
      if (problems.length > 0) {
        const first = problems.find((p) => p.level === 'error') ?? problems[0]!;
        warnings.push(
          `stream ${s.index}: decoding reported ${problems.length} problem(s); first after frame ${first.framesBefore}` +
            `${first.offset !== null ? ` at byte offset ${first.offset}` : ''}: ${first.message}`,
        );
      }
      if (options.frames) {
        const tb = result.timeBase;
        frames = result.decoded.map((f, i) => {
          const time = f.pts === null ? null : ptsToRational(f.pts, tb);
          return {
            index: f.index,
            pts: f.pts,
            time: time ? rationalToString(time) : null,
            seconds: time ? time.num / time.den : null,
            pictType: f.pictType,
            key: f.key,
            pixelHash: hashes[i] ?? '',
          };
        });
      }
    }
  }
  return {
    warnings,
    report: {
      index: s.index,
      codec,
      codecTag: s.codec_tag_string ?? null,
      decodable,
      width: s.width ?? null,
      height: s.height ?? null,
      pixFmt: s.pix_fmt ?? null,
      bitDepth: pixFmtBitDepth(s.pix_fmt, s.bits_per_raw_sample),
      rotation: streamRotation(s),
      fieldOrder: s.field_order ?? null,
      timecode: s.tags?.['timecode'] ?? probe.format.tags?.['timecode'] ?? null,
      timeBase: s.time_base ?? null,
      nominalFrameRate: s.r_frame_rate && s.r_frame_rate !== '0/0' ? s.r_frame_rate : null,
      duration: parseNumber(s.duration),
      declaredFrames: declared,
      countedFrames: packets.packets,
      decodedFrames,
      frameCountMismatch: mismatch,
      keyframes: packets.keyframes,
      rate,
      duplicateRuns: runs,
      duplicateFrames: runs ? runs.reduce((n, r) => n + r.length - 1, 0) : null,
      frames,
      problems,
    },
  };
}

/**
 * What a video file really is: container and streams, and for each video stream the declared against the counted
 * frame count, constant or variable frame rate (with the gaps), and, when decoded, picture types, per-frame pixel
 * hashes and runs of duplicated frames.
 */
export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoProbe> {
  const probe = await ffprobeFile(path);
  const size = (await stat(path)).size;
  const summary = summariseProbe(probe);
  const warnings: string[] = [];
  const video: VideoStreamReport[] = [];
  for (const s of probe.streams) {
    if (s.codec_type !== 'video' || isAttachedPicture(probe, s.index)) continue;
    const { report, warnings: w } = await reportStream(path, probe, s, options);
    video.push(report);
    warnings.push(...w);
  }
  if (video.length === 0) warnings.push('The file has no video stream.');
  let ffmpegPath: string | null = null;
  try {
    ffmpegPath = `${resolveFfmpeg().path} ${resolveFfmpeg().version}`;
  } catch {
    ffmpegPath = null;
  }
  return {
    file: path,
    size,
    summary,
    video,
    warnings,
    tools: { ffprobe: `${resolveFfprobe().path} ${resolveFfprobe().version}`, ffmpeg: ffmpegPath },
  };
}
