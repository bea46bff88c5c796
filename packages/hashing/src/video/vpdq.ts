import { VestigeError, isVestigeError } from '@vestige/evidence';
import { forEachRawFrame } from './raw-frames.ts';
import { bytesToHex, hammingDistance, hexToBytes } from '../hex.ts';
import { pdqFromLuma, pdqLuma } from '../perceptual/pdq.ts';

/**
 * Video hashing in the style of Meta's vPDQ: PDQ of frames sampled at a fixed rate, with runs of
 * consecutive near-identical frames collapsed into one hash covering a time span. Frames are decoded
 * by ffmpeg straight to raw RGB at 512×512 (the size the PDQ photo hasher works at), piped, and never
 * written to disk; memory is one frame.
 *
 * The sampling is the `fps` filter's: sample k stands for [k / fps, (k + 1) / fps) seconds of the
 * stream (measured from its first frame). Times are therefore as precise as the sampling interval;
 * for frame-accurate work use the video package's extraction on the reported range.
 */
export interface VideoSegmentHash {
  readonly hex: string;
  readonly quality: number;
  /** Seconds from the start of the stream. */
  readonly start: number;
  readonly end: number;
  /** Sampled frames collapsed into this segment. */
  readonly frames: number;
}

export interface VideoHash {
  readonly fps: number;
  readonly collapseRadius: number;
  readonly sampledFrames: number;
  readonly segments: VideoSegmentHash[];
}

export interface VideoHashOptions {
  /** Frames sampled per second (default 1, as vPDQ). */
  readonly fps?: number;
  /** Consecutive samples within this PDQ distance of the segment's first hash are merged (default 10). */
  readonly collapseRadius?: number;
  /** Stop after this many seconds of video. */
  readonly maxSeconds?: number;
  readonly label?: string;
}

const SIZE = 512;

export async function hashVideo(path: string, options: VideoHashOptions = {}): Promise<VideoHash> {
  const fps = options.fps ?? 1;
  const collapseRadius = options.collapseRadius ?? 10;
  const label = options.label ?? path;
  if (!(fps > 0 && fps <= 60)) throw new VestigeError('E_PARAM_INVALID', `fps must be between 0 and 60, not ${fps}`);
  const input = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-an', '-sn', '-dn'];
  if (options.maxSeconds !== undefined) input.push('-t', String(options.maxSeconds));
  const sample = (filters: string[]) =>
    forEachRawFrame(
      [...input, ...filters, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
      SIZE * SIZE * 3,
      label,
      onFrame,
    );
  const segments: Array<VideoSegmentHash & { bits: Uint8Array }> = [];
  const onFrame = (frame: Buffer, i: number) => {
    const r = pdqFromLuma(pdqLuma(frame, SIZE, SIZE, 3), SIZE, SIZE);
    const start = i / fps;
    const end = (i + 1) / fps;
    const last = segments[segments.length - 1];
    if (last && hammingDistance(last.bits, r.hash) <= collapseRadius) {
      segments[segments.length - 1] = {
        ...last,
        end,
        frames: last.frames + 1,
        quality: Math.max(last.quality, r.quality),
      };
    } else segments.push({ hex: bytesToHex(r.hash), bits: r.hash, quality: r.quality, start, end, frames: 1 });
  };
  let index: number;
  try {
    index = await sample(['-vf', `fps=${fps},scale=${SIZE}:${SIZE}:flags=area`]);
  } catch (err) {
    // A clip shorter than one sampling interval (10 frames at 25/s) decodes, but the fps filter emits
    // nothing: its first frame is the one sample, as a longer clip's first sample is.
    if (!(isVestigeError(err) && err.details?.exitCode === 0 && err.details?.framesDecoded === 0)) throw err;
    index = await sample(['-frames:v', '1', '-vf', `scale=${SIZE}:${SIZE}:flags=area`]);
  }
  return { fps, collapseRadius, sampledFrames: index, segments: segments.map(({ bits: _bits, ...s }) => s) };
}

export interface VideoMatchRange {
  /** Seconds in the first video. */
  readonly a: readonly [number, number];
  /** Seconds in the second video. */
  readonly b: readonly [number, number];
  /** Smallest PDQ distance seen in the range. */
  readonly distance: number;
}

export interface VideoMatch {
  /** Share of the first video's duration (of usable segments) that has a match in the second. */
  readonly aMatchedFraction: number;
  readonly bMatchedFraction: number;
  readonly ranges: VideoMatchRange[];
}

/**
 * Compares two hashed videos. A segment of A matches a segment of B when their PDQ distance is within
 * `radius` and both have quality ≥ `minQuality`; matched A segments that follow each other, and whose
 * B partners move forward in time too, are joined into one reported range (a shared clip). The
 * fractions (by time) say how much of each video is covered, as vPDQ reports query and target match
 * percentages.
 */
export function matchVideos(
  a: VideoHash,
  b: VideoHash,
  options: { radius?: number; minQuality?: number } = {},
): VideoMatch {
  const radius = options.radius ?? 31;
  const minQuality = options.minQuality ?? 50;
  const usableA = a.segments.filter((s) => s.quality >= minQuality);
  const usableB = b.segments.filter((s) => s.quality >= minQuality);
  const bBits = usableB.map((s) => hexToBytes(s.hex));
  const bMatched = new Set<number>();
  const pairs: Array<{ a: VideoSegmentHash; b: VideoSegmentHash; bIndex: number; distance: number }> = [];
  for (const sa of usableA) {
    const bits = hexToBytes(sa.hex);
    let best = -1;
    let bestD = radius + 1;
    for (let j = 0; j < usableB.length; j++) {
      const d = hammingDistance(bits, bBits[j]!);
      if (d <= radius) bMatched.add(j);
      // Prefer the partner that continues the previous pair's B position, then the nearest hash.
      const prev = pairs[pairs.length - 1];
      const continues = prev && prev.a.end === sa.start && j >= prev.bIndex;
      if (d < bestD || (d === bestD && continues && best >= 0 && j < best)) {
        best = j;
        bestD = d;
      }
    }
    if (best >= 0) pairs.push({ a: sa, b: usableB[best]!, bIndex: best, distance: bestD });
  }
  const ranges: VideoMatchRange[] = [];
  let current: { a: [number, number]; b: [number, number]; distance: number; bIndex: number } | undefined;
  for (const p of pairs) {
    if (
      current &&
      p.a.start <= current.a[1] + 1e-9 &&
      p.bIndex >= current.bIndex &&
      p.b.start <= current.b[1] + 1 / b.fps + 1e-9
    ) {
      current.a[1] = p.a.end;
      current.b[1] = Math.max(current.b[1], p.b.end);
      current.distance = Math.min(current.distance, p.distance);
      current.bIndex = p.bIndex;
    } else {
      if (current) ranges.push({ a: current.a, b: current.b, distance: current.distance });
      current = { a: [p.a.start, p.a.end], b: [p.b.start, p.b.end], distance: p.distance, bIndex: p.bIndex };
    }
  }
  if (current) ranges.push({ a: current.a, b: current.b, distance: current.distance });
  const span = (list: VideoSegmentHash[]) => list.reduce((s, x) => s + (x.end - x.start), 0);
  const matchedA = span(pairs.map((p) => p.a));
  const matchedB = span([...bMatched].map((j) => usableB[j]!));
  return {
    aMatchedFraction: usableA.length ? matchedA / span(usableA) : 0,
    bMatchedFraction: usableB.length ? matchedB / span(usableB) : 0,
    ranges,
  };
}
