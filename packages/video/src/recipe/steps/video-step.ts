import type { z } from 'zod';
import type { FfmpegFeatures } from '@vestige/ffmpeg';

/**
 * A video-only enhancement step, carried out by ffmpeg filters over the whole stream (they need neighbouring
 * frames, so they cannot be per-image operations). `filters` returns the filter chain; `passes` > 1 means the step
 * analyses the video first (stabilisation).
 */
export interface VideoStep<P> {
  readonly id: string;
  readonly version: string;
  readonly schema: z.ZodType<P>;
  describe(params: P, features: FfmpegFeatures): string;
  readonly reference: string;
  /** Filters for the step; `analysisFile` is set for two-pass steps (the file pass 1 writes and pass 2 reads). */
  filters(params: P, features: FfmpegFeatures, analysisFile?: string): { analyse?: string[]; apply: string[] };
  /** Whether the step changes the number of frames (it must then say so in its description). */
  readonly changesFrameCount?: boolean;
}
