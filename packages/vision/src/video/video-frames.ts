import { VestigeError } from '@vestige/evidence';
import { decodeFrames, ffmpegFeatures, openVideoSource, type DecodeResult, type VideoSource } from '@vestige/video';
import type { RgbImage } from '../models/vision-model.ts';

export interface VideoFrame {
  /**
   * Position among the selected frames (0, 1, 2 …); the frame's index in the stream is
   * `result.selected[ordinal].index`.
   */
  readonly ordinal: number;
  readonly pixels: RgbImage;
}

export interface FrameScaling {
  /** `fill`: stretched to width×height; `letterbox`: scaled to fit a width×width square, top-left, black around. */
  readonly kind: 'fill' | 'letterbox';
  readonly width: number;
  readonly height: number;
}

/**
 * ffmpeg's scaling for model inputs taken from video (Lanczos, like the still images' libvips
 * resize). Recorded in provenance with the whole command line.
 */
export function scalingFilters(scaling: FrameScaling): string[] {
  if (scaling.kind === 'fill') return [`scale=${scaling.width}:${scaling.height}:flags=lanczos`, 'format=rgb24'];
  const side = scaling.width;
  return [
    `scale=${side}:${side}:force_original_aspect_ratio=decrease:flags=lanczos`,
    `pad=${side}:${side}:0:0:black`,
    'format=rgb24',
  ];
}

/**
 * Decodes the frames a selection picks (an ffmpeg `select` expression over n, t …), scaled for a model,
 * and hands each to `onFrame` as it arrives, by its position in the selection (the log that names its
 * index in the stream can arrive after its pixels; `result.selected` has them all at the end) (its promise holds ffmpeg
 * back, so memory stays at a few frames). A stream that decodes to no frames at all is `E_INPUT_EMPTY` naming the file.
 */
export async function decodeVideoFrames(
  source: VideoSource,
  label: string,
  options: {
    select: string | null;
    scaling: FrameScaling;
    onFrame(frame: VideoFrame): Promise<void> | void;
    signal?: AbortSignal;
  },
): Promise<DecodeResult> {
  const { width, height } =
    options.scaling.kind === 'fill' ? options.scaling : { width: options.scaling.width, height: options.scaling.width };
  const frameBytes = width * height * 3;
  const result = await decodeFrames({
    input: source.path,
    // decodeFrames sizes raw output frames by the stream's declared size, so the scaled size is declared here.
    stream: { index: source.index, width, height, pixFmt: source.pixFmt },
    select: options.select,
    outputs: [
      {
        kind: 'raw',
        pixFmt: 'rgb24',
        filters: scalingFilters(options.scaling),
        onUnit: (unit, k) => {
          if (unit.length !== frameBytes) throw new Error(`unexpected frame size ${unit.length}`);
          return options.onFrame({ ordinal: k, pixels: { width, height, data: new Uint8Array(unit) } });
        },
      },
    ],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.decoded.length === 0) {
    throw new VestigeError('E_INPUT_EMPTY', `${label} has a video stream but no frame of it could be decoded`, {
      file: label,
      hint: 'The recording may have stopped before its first frame was written; check the exhibit with `vestige probe`.',
      details: { problems: result.problems.slice(0, 5) },
    });
  }
  return result;
}

/** Seconds of a selected frame's presentation time, or null when it has none. */
export function frameSeconds(result: DecodeResult, ordinal: number): number | null {
  const pts = result.selected[ordinal]?.pts;
  return pts == null ? null : (pts * result.timeBase[0]) / result.timeBase[1];
}

/**
 * Opens an item's video stream, naming the item (not the blob path) in any error. A stream whose codec
 * this ffmpeg decodes but whose picture format ffprobe could not learn had no frame to decode (a
 * recording cut off before its first frame was written): that is said as such, not as a codec problem.
 */
export async function openVideo(path: string, label: string): Promise<VideoSource> {
  try {
    return await openVideoSource(path, { displayName: label });
  } catch (err) {
    const codec = err instanceof VestigeError ? (err.details?.codec as string | null | undefined) : undefined;
    if (
      err instanceof VestigeError &&
      err.details?.reason === 'unknown-codec' &&
      codec &&
      ffmpegFeatures().decoders.has(codec)
    ) {
      throw new VestigeError(
        'E_INPUT_EMPTY',
        `${label} has a ${codec} video stream but no frame of it can be decoded: the file holds no picture data`,
        {
          file: label,
          hint: 'The recording may have stopped before its first frame was written; check the exhibit with `vestige probe`.',
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** A selection of about `count` frames spread evenly over the video's duration (the first frame always). */
export function evenlySpacedSelection(source: VideoSource, count: number): string {
  const duration = Number(source.probe.format?.duration ?? source.stream.duration ?? NaN);
  if (!Number.isFinite(duration) || duration <= 0) return `lt(n,${count})`;
  const step = duration / count;
  return `isnan(prev_selected_t)+gte(t-prev_selected_t,${step.toFixed(6)})`;
}
