/**
 * Reprojection errors and track statistics, recomputed from the model itself rather than taken from the engine's log.
 */
import { cameraParts, projectPoint, type PosedCamera } from '../geometry/projection.ts';
import { matrixFromQuaternion } from '../geometry/rotation.ts';
import type { ModelImage, SparseModel } from '../model/sparse-model.ts';

export interface ReprojectionStats {
  readonly observations: number;
  readonly meanPx: number;
  readonly rmsPx: number;
  readonly medianPx: number;
  readonly p95Px: number;
  readonly maxPx: number;
}

export interface TrackStats {
  readonly points: number;
  readonly mean: number;
  readonly median: number;
  readonly max: number;
  readonly histogram: Record<string, number>;
}

export function posedCamera(model: SparseModel, image: ModelImage): PosedCamera {
  return { R: matrixFromQuaternion(image.q), t: image.t, parts: cameraParts(model.cameras.get(image.cameraId)!) };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function reprojectionStats(model: SparseModel): ReprojectionStats {
  const errors: number[] = [];
  for (const image of model.images.values()) {
    const camera = posedCamera(model, image);
    for (const o of image.observations) {
      const point = model.points.get(o.pointId);
      if (!point) continue;
      const p = projectPoint(camera, point.xyz);
      errors.push(p ? Math.hypot(p[0] - o.x, p[1] - o.y) : Infinity);
    }
  }
  errors.sort((a, b) => a - b);
  const sum = errors.reduce((s, e) => s + e, 0);
  const sq = errors.reduce((s, e) => s + e * e, 0);
  const n = Math.max(1, errors.length);
  return {
    observations: errors.length,
    meanPx: sum / n,
    rmsPx: Math.sqrt(sq / n),
    medianPx: quantile(errors, 0.5),
    p95Px: quantile(errors, 0.95),
    maxPx: errors.at(-1) ?? 0,
  };
}

export function trackStats(model: SparseModel): TrackStats {
  const lengths = [...model.points.values()].map((p) => p.trackLength).sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  for (const l of lengths) {
    const key = l >= 10 ? '10+' : String(l);
    histogram[key] = (histogram[key] ?? 0) + 1;
  }
  const n = Math.max(1, lengths.length);
  return {
    points: lengths.length,
    mean: lengths.reduce((s, l) => s + l, 0) / n,
    median: quantile(lengths, 0.5),
    max: lengths.at(-1) ?? 0,
    histogram,
  };
}
