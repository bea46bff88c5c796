import { z } from 'zod';
import type { FfmpegFeatures } from '../ffmpeg/resolve.ts';

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

const esc = (p: string) => p.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:');

const deinterlaceSchema = z.object({ method: z.enum(['bwdif', 'yadif']).default('bwdif'), output: z.enum(['frame', 'field']).default('frame') }).strict();
export const deinterlace: VideoStep<z.infer<typeof deinterlaceSchema>> = {
  id: 'deinterlace',
  version: '1',
  schema: deinterlaceSchema,
  reference: 'ffmpeg filters bwdif (Bob Weaver Deinterlacing Filter) and yadif (Yet Another DeInterlacing Filter)',
  changesFrameCount: false,
  describe: (p) =>
    `Deinterlaced with ${p.method === 'bwdif' ? 'bwdif (motion-adaptive, w3fdif and yadif combined)' : 'yadif (motion-adaptive)'}, ${p.output === 'frame' ? 'one frame per frame' : 'one frame per field (doubling the frame rate; every field becomes a frame)'}; only frames flagged interlaced are changed.`,
  filters: (p) => ({ apply: [`${p.method}=mode=${p.output === 'frame' ? 'send_frame' : 'send_field'}:deint=interlaced`] }),
};

const stabiliseSchema = z.object({ smoothing: z.number().int().min(1).max(100).default(15), method: z.enum(['auto', 'vidstab', 'deshake']).default('auto') }).strict();
export const stabilise: VideoStep<z.infer<typeof stabiliseSchema>> = {
  id: 'stabilise',
  version: '1',
  schema: stabiliseSchema,
  reference: 'vid.stab (Georg Martius) via ffmpeg vidstabdetect/vidstabtransform; fallback ffmpeg deshake',
  describe: (p, f) =>
    useVidstab(p.method, f)
      ? `Stabilised in two passes with vid.stab: camera motion estimated for every frame, then smoothed over ${p.smoothing} frames each side and compensated (no zoom; uncovered borders left black).`
      : `Stabilised with ffmpeg deshake (single pass block-matching motion compensation); vid.stab is not in this ffmpeg build.`,
  filters: (p, f, file) =>
    useVidstab(p.method, f)
      ? { analyse: [`vidstabdetect=shakiness=5:accuracy=15:result='${esc(file!)}'`], apply: [`vidstabtransform=input='${esc(file!)}':smoothing=${p.smoothing}:zoom=0:optzoom=0:crop=black:interpol=bicubic`] }
      : { apply: ['deshake'] },
};

function useVidstab(method: 'auto' | 'vidstab' | 'deshake', f: FfmpegFeatures): boolean {
  return method === 'vidstab' || (method === 'auto' && f.vidstab);
}

const denoiseSchema = z.object({ method: z.enum(['hqdn3d', 'atadenoise']).default('hqdn3d'), strength: z.number().min(0).max(20).default(4) }).strict();
export const temporalDenoise: VideoStep<z.infer<typeof denoiseSchema>> = {
  id: 'denoise',
  version: '1',
  schema: denoiseSchema,
  reference: 'ffmpeg filters hqdn3d (high-quality 3D denoise) and atadenoise (adaptive temporal averaging)',
  describe: (p) =>
    p.method === 'hqdn3d'
      ? `Reduced noise with hqdn3d: spatial strength ${p.strength}, temporal strength ${(p.strength * 1.5).toFixed(1)} (luma); smooths noise that changes from frame to frame while keeping what stays.`
      : `Reduced noise with atadenoise: each pixel averaged with the same pixel in neighbouring frames where it differs by less than a threshold (${(p.strength / 100).toFixed(2)}).`,
  filters: (p) => ({ apply: [p.method === 'hqdn3d' ? `hqdn3d=${p.strength}:${p.strength * 0.75}:${p.strength * 1.5}:${p.strength * 1.125}` : `atadenoise=0a=${p.strength / 100}:1a=${p.strength / 100}:0b=${p.strength / 25}:1b=${p.strength / 25}`] }),
};

const averageSchema = z.object({ frames: z.number().int().min(2).max(128) }).strict();
export const slidingAverage: VideoStep<z.infer<typeof averageSchema>> = {
  id: 'average',
  version: '1',
  schema: averageSchema,
  reference: 'ffmpeg filter tmix (temporal mix), equal weights',
  describe: (p) => `Each frame replaced by the mean of itself and the ${p.frames - 1} frames before it (sliding window of ${p.frames} frames, equal weights; the frame count is unchanged). Averages away noise on a static scene; blurs anything that moves.`,
  filters: (p) => ({ apply: [`tmix=frames=${p.frames}:weights='${Array(p.frames).fill('1').join(' ')}'`] }),
};

const speedSchema = z.object({ factor: z.number().gt(0).max(100) }).strict();
export const speed: VideoStep<z.infer<typeof speedSchema>> = {
  id: 'speed',
  version: '1',
  schema: speedSchema,
  reference: 'ffmpeg filter setpts',
  describe: (p) => `Played ${p.factor > 1 ? `${p.factor}× faster` : `${1 / p.factor}× slower`} by rescaling every frame's timestamp by 1/${p.factor}; no frame is dropped, duplicated or blended.`,
  filters: (p) => ({ apply: [`setpts=PTS/${p.factor}`] }),
};

export const videoSteps: ReadonlyArray<VideoStep<never>> = [deinterlace, stabilise, temporalDenoise, slidingAverage, speed] as unknown as ReadonlyArray<VideoStep<never>>;

export function videoStep(id: string): VideoStep<unknown> | undefined {
  return videoSteps.find((s) => s.id === id) as VideoStep<unknown> | undefined;
}
