import { round2, round6 } from '../records.ts';
import type { ScoredBox } from '../models/ssd-face-detector.ts';
import type { Box, RedactionTrack } from './redaction-list.ts';

export interface TrackingOptions {
  /** Detection ran on every `sampleEvery`-th frame (0, S, 2S …). */
  readonly sampleEvery: number;
  /** Frames in the video. */
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** Each box grows by this fraction of its size on every side, to cover motion and detector jitter. */
  readonly margin: number;
  /**
   * A detection joins a track when its centre is within this many face sizes of where the track's motion predicts it
   * (per sample missed, plus one).
   */
  readonly linkDistance?: number;
  /** Samples a track may miss (detector flicker) and still continue. */
  readonly maxGap?: number;
  /**
   * Frames a track is carried past its first and last detection along its motion, while its box is still in the picture
   * (default 3 sample intervals).
   */
  readonly carry?: number;
}

interface Building {
  keyframes: Array<{ frame: number; box: Box; score: number }>;
  lastSample: number;
}

/**
 * Links face detections on sampled frames into tracks so that no frame between samples is missed.
 * Each open track predicts where its face is on the next sample from its last two detections; a
 * detection joins the track it is nearest to that prediction (centre distance in face sizes, greedy,
 * nearest first; similar size required), so fast motion — a face crossing a body-worn camera's view
 * moves its own width between samples — stays one track, where box overlap alone would break it. A
 * track survives `maxGap` samples without a detection. Detectors miss faces cut by the picture's
 * edge, so each track is carried along its motion for up to `carry` frames before its first and after
 * its last detection, as long as its box is still in the picture (a held box when it does not move).
 * Every box is widened by `margin`. Between keyframes the list interpolates linearly (`trackBoxAt`).
 */
export function buildTracks(
  samples: ReadonlyArray<{ frame: number; boxes: readonly ScoredBox[] }>,
  options: TrackingOptions,
): RedactionTrack[] {
  const linkDistance = options.linkDistance ?? 0.8;
  const maxGap = options.maxGap ?? 2;
  const open: Building[] = [];
  const done: Building[] = [];
  samples.forEach((sample, s) => {
    const pairs: Array<{ t: number; d: number; cost: number }> = [];
    open.forEach((t, ti) =>
      sample.boxes.forEach((d, di) => {
        const k = t.keyframes;
        const predicted = extrapolate(k[k.length - 2] ?? k[k.length - 1]!, k[k.length - 1]!, sample.frame);
        const size = Math.sqrt(predicted[2] * predicted[3]);
        const cost =
          Math.hypot(
            predicted[0] + predicted[2] / 2 - (d.x + d.width / 2),
            predicted[1] + predicted[3] / 2 - (d.y + d.height / 2),
          ) / size;
        const ratio = (d.width * d.height) / (predicted[2] * predicted[3]);
        if (cost <= linkDistance * (s - t.lastSample) && ratio < 2.5 && ratio > 0.4) pairs.push({ t: ti, d: di, cost });
      }),
    );
    pairs.sort((a, b) => a.cost - b.cost || a.t - b.t || a.d - b.d);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    for (const p of pairs) {
      if (usedT.has(p.t) || usedD.has(p.d)) continue;
      usedT.add(p.t);
      usedD.add(p.d);
      const d = sample.boxes[p.d]!;
      open[p.t]!.keyframes.push({ frame: sample.frame, box: [d.x, d.y, d.width, d.height], score: d.score });
      open[p.t]!.lastSample = s;
    }
    sample.boxes.forEach((d, di) => {
      if (!usedD.has(di))
        open.push({
          keyframes: [{ frame: sample.frame, box: [d.x, d.y, d.width, d.height], score: d.score }],
          lastSample: s,
        });
    });
    for (let i = open.length - 1; i >= 0; i--) if (s - open[i]!.lastSample > maxGap) done.push(...open.splice(i, 1));
  });
  done.push(...open);
  done.sort((a, b) => a.keyframes[0]!.frame - b.keyframes[0]!.frame || a.keyframes[0]!.box[0] - b.keyframes[0]!.box[0]);
  return done.map((t, i) => finishTrack(t, i + 1, options));
}

function finishTrack(t: Building, n: number, o: TrackingOptions): RedactionTrack {
  const k = t.keyframes;
  const carry = o.carry ?? 3 * o.sampleEvery;
  const keyframes = k.map((f) => ({ frame: f.frame, box: widen(f.box, o), score: round6(f.score) as number | null }));
  // Carry the motion of the nearest two detections out past the ends, frame by frame, while the box is in the picture.
  const reach = (
    from: { frame: number; box: Box },
    to: { frame: number; box: Box },
    step: number,
  ): { frame: number; box: Box } | null => {
    let last: { frame: number; box: Box } | null = null;
    for (let f = to.frame + step, i = 0; i < carry && f >= 0 && f < o.frames; f += step, i++) {
      const box = widen(extrapolate(from, to, f), o);
      if (
        box[0] >= o.width ||
        box[1] >= o.height ||
        box[0] + box[2] <= 0 ||
        box[1] + box[3] <= 0 ||
        box[2] <= 1 ||
        box[3] <= 1
      )
        break;
      last = { frame: f, box };
    }
    return last;
  };
  const before = reach(k[1] ?? k[0]!, k[0]!, -1);
  const after = reach(k[k.length - 2] ?? k[k.length - 1]!, k[k.length - 1]!, 1);
  if (before) keyframes.unshift({ ...before, score: null });
  if (after) keyframes.push({ ...after, score: null });
  return {
    id: `T-${String(n).padStart(3, '0')}`,
    redact: true,
    frames: [keyframes[0]!.frame, keyframes[keyframes.length - 1]!.frame],
    keyframes,
    note: '',
  };
}

function extrapolate(from: { frame: number; box: Box }, to: { frame: number; box: Box }, frame: number): Box {
  if (from.frame === to.frame) return to.box;
  const w = (frame - to.frame) / (to.frame - from.frame);
  return [0, 1, 2, 3].map((j) => to.box[j]! + (to.box[j]! - from.box[j]!) * w) as unknown as Box;
}

/**
 * Grows a box by `margin` on every side. Boxes are not clipped to the picture here (rendering clips):
 * a face leaving the picture keeps moving in a straight line between keyframes only if its boxes do.
 */
function widen([x, y, w, h]: Box, o: TrackingOptions): Box {
  return [
    round2(x - w * o.margin),
    round2(y - h * o.margin),
    round2(Math.max(0, w * (1 + 2 * o.margin))),
    round2(Math.max(0, h * (1 + 2 * o.margin))),
  ];
}
