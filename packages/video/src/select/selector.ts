import type { z } from 'zod';
import type { FrameInfo } from '../decode/log.ts';

/** The video stream a selection is planned against. */
export interface SelectorStream {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
  /** The stream's time base: timestamps in ffmpeg's select expressions count in these ticks. */
  readonly timeBase: readonly [number, number];
}

/** What a selector may ask for while planning; each costs one decode of the stream, done at most once. */
export interface SelectorContext {
  readonly file: string;
  readonly stream: SelectorStream;
  /** Every decoded frame: index, timestamp, picture type (one decode, no pixels). */
  frameTable(): Promise<readonly FrameInfo[]>;
  /** Every decoded frame as 8-bit grey pixels, in order, with its info (one decode). */
  forEachGrayFrame(
    fn: (frame: FrameInfo, gray: Buffer, width: number, height: number) => void,
  ): Promise<readonly FrameInfo[]>;
  readonly signal?: AbortSignal;
}

/**
 * How a selection is carried out in the extraction decode: an ffmpeg `select` expression over the decoded frames
 * (`n` = frame index, `pts` = timestamp in time-base ticks, `pict_type`, `scene`), or null for every frame.
 */
export interface SelectionPlan {
  readonly expression: string | null;
  /** Frame indices known in advance (planned from a frame table); the extraction checks it got exactly these. */
  readonly expected?: readonly number[];
  /** Facts a person should see (e.g. an instant before the first frame). */
  readonly notes?: readonly string[];
  /** Per-frame facts the selection computed (e.g. sharpness score), by frame index; stored with each frame. */
  readonly perFrame?: ReadonlyMap<number, Record<string, unknown>>;
}

/**
 * Which frames of a video to take. One file per selector in this folder; each is pure: the same video and params
 * give the same frames. `describe` is the sentence a court report shows.
 */
export interface FrameSelector<P = unknown> {
  readonly id: string;
  readonly version: string;
  readonly schema: z.ZodType<P>;
  describe(params: P): string;
  plan(params: P, ctx: SelectorContext): Promise<SelectionPlan>;
}

/** `between(n,a,b)` terms for sorted indices, merging consecutive runs so the expression stays short. */
export function indexExpression(indices: readonly number[]): string {
  if (indices.length === 0) return '0';
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const terms: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (let i = 1; i <= sorted.length; i++) {
    const cur = sorted[i];
    if (cur !== undefined && cur === prev + 1) {
      prev = cur;
      continue;
    }
    terms.push(start === prev ? `eq(n,${start})` : `between(n,${start},${prev})`);
    if (cur !== undefined) start = prev = cur;
  }
  return terms.join('+');
}
