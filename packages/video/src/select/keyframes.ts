/**
 * Keyframes for photogrammetry: frames far enough apart that the camera has moved (no near-duplicates), close
 * enough that neighbours still overlap, and never a blurred one. The image motion between consecutive frames is
 * measured by phase correlation of small grey copies; it is summed, and once it reaches `spacing` of the frame
 * width since the last keyframe, the sharpest frame that is not blurred is taken from the next stretch of the
 * video (up to half a spacing further). A frame is blurred when its sharpness (variance of the Laplacian) is below
 * `blur` × the median sharpness of the frames around it, which follows the scene as it changes.
 */
import { z } from 'zod';
import { indexExpression, type FrameSelector } from './selector.ts';
import { laplacianVariance } from './sharpest.ts';

const schema = z
  .object({
    /** Image motion between keyframes, as a fraction of the frame width (0.15: about 85 % overlap side to side). */
    spacing: z.number().gt(0).max(1).default(0.15),
    /** A frame sharper than this fraction of its neighbourhood's median is not blurred. */
    blur: z.number().min(0).max(1).default(0.6),
    /** Frames each side that make a frame's neighbourhood for the blur test. */
    window: z.number().int().min(1).max(500).default(15),
  })
  .strict();

export type KeyframeParams = z.infer<typeof schema>;

/** What the analysis pass measured for one frame. */
export interface FrameMotion {
  readonly index: number;
  readonly sharpness: number;
  /** Image motion since the previous frame, fraction of the frame width. */
  readonly motion: number;
}

/** Thumbnails this wide (or a little more) are enough to measure motion and cost little to correlate. */
const THUMB_WIDTH = 256;

function thumbnail(
  gray: Uint8Array,
  width: number,
  height: number,
): { pixels: Float32Array; width: number; height: number; factor: number } {
  const factor = Math.max(1, Math.floor(width / THUMB_WIDTH));
  const tw = Math.floor(width / factor),
    th = Math.floor(height / factor);
  const pixels = new Float32Array(tw * th);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++)
        for (let dx = 0; dx < factor; dx++) s += gray[(y * factor + dy) * width + x * factor + dx]!;
      pixels[y * tw + x] = s / (factor * factor);
    }
  }
  return { pixels, width: tw, height: th, factor };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The choice itself, on measured frames: pure, so it can be checked on any sequence of numbers. */
export function chooseKeyframes(
  frames: readonly FrameMotion[],
  p: KeyframeParams,
): { selected: number[]; blurred: number[] } {
  const blurred = new Set<number>();
  frames.forEach((f, i) => {
    const around = frames.slice(Math.max(0, i - p.window), i + p.window + 1).map((g) => g.sharpness);
    if (f.sharpness < p.blur * median(around)) blurred.add(i);
  });
  const cum: number[] = [];
  frames.forEach((f, i) => cum.push(i === 0 ? 0 : cum[i - 1]! + f.motion));
  const sharpestIn = (from: number, until: (i: number) => boolean): number | undefined => {
    let best: number | undefined;
    for (let i = from; i < frames.length && until(i); i++)
      if (!blurred.has(i) && (best === undefined || frames[i]!.sharpness > frames[best]!.sharpness)) best = i;
    return best;
  };
  const selected: number[] = [];
  let last = sharpestIn(0, (i) => cum[i]! <= p.spacing / 2);
  while (last !== undefined) {
    selected.push(last);
    const from = last;
    const start = cum.findIndex((c, i) => i > from && c - cum[from]! >= p.spacing);
    if (start < 0) break;
    // The sharpest in [spacing, 1.5 × spacing]; if all of it is blurred, the first sharp frame after it.
    last = sharpestIn(start, (i) => cum[i]! - cum[from]! <= 1.5 * p.spacing);
    if (last === undefined) {
      const next = frames.findIndex((_, i) => i >= start && !blurred.has(i));
      last = next < 0 ? undefined : next;
    }
  }
  return { selected: selected.map((i) => frames[i]!.index), blurred: [...blurred].map((i) => frames[i]!.index) };
}

export const keyframesForReconstruction: FrameSelector<KeyframeParams> = {
  id: 'keyframes',
  version: '1',
  schema,
  describe: (p) =>
    `Keyframes for photogrammetry: the image motion between consecutive frames was measured by phase correlation (Kuglin & Hines, 1975) of grey copies about ${THUMB_WIDTH} pixels wide and summed; each time it reached ${p.spacing} of the frame width since the last keyframe, the sharpest frame (variance of the Laplacian, Pech-Pacheco et al., 2000) within the next half spacing was taken, never one sharper than only ${p.blur} × the median of the ${2 * p.window + 1} frames around it (blurred).`,
  async plan(p, ctx) {
    const { phaseCorrelate } = await import('@vestige/imaging');
    const frames: FrameMotion[] = [];
    let previous: ReturnType<typeof thumbnail> | undefined;
    await ctx.forEachGrayFrame((frame, gray, width, height) => {
      const thumb = thumbnail(gray, width, height);
      let motion = 0;
      if (previous) {
        const shift = phaseCorrelate(previous.pixels, thumb.pixels, thumb.width, thumb.height);
        motion = Math.hypot(shift.dx, shift.dy) / thumb.width;
      }
      previous = thumb;
      frames.push({ index: frame.index, sharpness: laplacianVariance(gray, width, height), motion });
    });
    const { selected, blurred } = chooseKeyframes(frames, p);
    const perFrame = new Map<number, Record<string, unknown>>();
    const byIndex = new Map(frames.map((f) => [f.index, f]));
    for (const i of selected) perFrame.set(i, { sharpness: Math.round(byIndex.get(i)!.sharpness * 1000) / 1000 });
    return {
      expression: indexExpression(selected),
      expected: selected,
      perFrame,
      notes: [
        `${selected.length} keyframe(s) of ${frames.length} frames; ${blurred.length} frame(s) judged blurred and never taken.`,
      ],
    };
  },
};
