/** Ground truth of the synthetic room for reconstruction tests: picks of known points, and pose comparison. */
import { project, visible, type PinholeCamera, type Vec3 } from '../../samples/reconstruct/textured-room.ts';
import type { KnownDistance } from '@vestige/reconstruct';

/** Where `point` is seen, in every photo that sees it whole (inside the frame by a margin, not hidden). */
export function picksOf(
  point: Vec3,
  cameras: readonly PinholeCamera[],
  names: readonly string[],
  margin = 20,
): Array<{ photo: string; x: number; y: number }> {
  const picks: Array<{ photo: string; x: number; y: number }> = [];
  cameras.forEach((camera, i) => {
    const p = project(camera, point);
    if (
      !p ||
      p[0] < margin ||
      p[1] < margin ||
      p[0] > camera.width - margin ||
      p[1] > camera.height - margin ||
      !visible(camera, point)
    )
      return;
    picks.push({ photo: names[i]!, x: p[0], y: p[1] });
  });
  return picks;
}

export function knownDistance(
  label: string,
  a: Vec3,
  b: Vec3,
  cameras: readonly PinholeCamera[],
  names: readonly string[],
): KnownDistance {
  const pa = picksOf(a, cameras, names);
  const pb = picksOf(b, cameras, names);
  if (pa.length < 2 || pb.length < 2)
    throw new Error(`test set-up: ${label} is seen in ${pa.length} and ${pb.length} photos`);
  return { label, metres: Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]), a: pa, b: pb };
}

/** Length of the path through the camera positions, in order. */
export function pathLength(points: readonly Vec3[]): number {
  let s = 0;
  for (let i = 1; i < points.length; i++)
    s += Math.hypot(
      points[i]![0] - points[i - 1]![0],
      points[i]![1] - points[i - 1]![1],
      points[i]![2] - points[i - 1]![2],
    );
  return s;
}

/**
 * Largest distance between measured and true positions after the best turn about the vertical and shift in plan
 * (closed-form 2-D Procrustes). Heights are compared as they are: a levelled scene has its floor at z = 0 like the
 * truth, so a wrong scale or tilt shows here too.
 */
export function worstPositionError(measured: readonly Vec3[], truth: readonly Vec3[]): number {
  const n = measured.length;
  const mc = [0, 1].map((k) => measured.reduce((s, p) => s + p[k]!, 0) / n);
  const tc = [0, 1].map((k) => truth.reduce((s, p) => s + p[k]!, 0) / n);
  let dot = 0,
    cross = 0;
  for (let i = 0; i < n; i++) {
    const mx = measured[i]![0] - mc[0]!,
      my = measured[i]![1] - mc[1]!;
    const tx = truth[i]![0] - tc[0]!,
      ty = truth[i]![1] - tc[1]!;
    dot += mx * tx + my * ty;
    cross += mx * ty - my * tx;
  }
  const angle = Math.atan2(cross, dot);
  const c = Math.cos(angle),
    s = Math.sin(angle);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const mx = measured[i]![0] - mc[0]!,
      my = measured[i]![1] - mc[1]!;
    const x = c * mx - s * my + tc[0]!,
      y = s * mx + c * my + tc[1]!;
    worst = Math.max(worst, Math.hypot(x - truth[i]![0], y - truth[i]![1], measured[i]![2] - truth[i]![2]));
  }
  return worst;
}
