/**
 * Validates a re-run by geometry, never by hash: the same photos (matched by SHA-256) must stand in the same
 * places, after the best rigid alignment (Horn's closed form with unit quaternions, J. Opt. Soc. Am. A 4(4), 1987),
 * within `RERUN_TOLERANCES`; the scale factors and the registered photos must agree too.
 */
import type { Vec3 } from '../geometry/rotation.ts';
import { matrixFromQuaternion } from '../geometry/rotation.ts';
import { RERUN_TOLERANCES } from './report.ts';

export interface PlacedPhotos {
  /** Camera centres in metres (displayed frame), by photo SHA-256. */
  readonly positions: ReadonlyMap<string, Vec3>;
  readonly scaleFactor: number | undefined;
  readonly given: number;
}

export interface RerunComparison {
  readonly commonPhotos: number;
  /** Largest position difference after alignment, as a fraction of the camera path length. */
  readonly worstPositionFraction: number;
  readonly scaleDifference: number | null;
  readonly registeredDifference: number;
  readonly withinTolerances: boolean;
  readonly tolerances: typeof RERUN_TOLERANCES;
}

/** Rotation (unit quaternion w, x, y, z) that best turns the centred points `a` onto the centred points `b`. */
function hornRotation(a: readonly Vec3[], b: readonly Vec3[]): [number, number, number, number] {
  const S = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  a.forEach((p, i) => {
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) S[r * 3 + c]! += p[r]! * b[i]![c]!;
  });
  const [xx, xy, xz, yx, yy, yz, zx, zy, zz] = S as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const N = [
    [xx + yy + zz, yz - zy, zx - xz, xy - yx],
    [yz - zy, xx - yy - zz, xy + yx, zx + xz],
    [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
    [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
  ];
  // The largest eigenvector, by power iteration on N + shift·I (the shift makes every eigenvalue positive).
  const shift = N.reduce((s, row) => s + row.reduce((t, v) => t + Math.abs(v), 0), 0);
  let q = [1, 0, 0, 0];
  for (let it = 0; it < 500; it++) {
    const next = N.map((row, r) => row.reduce((s, v, c) => s + v * q[c]!, 0) + shift * q[r]!);
    const n = Math.hypot(...next);
    q = next.map((v) => v / n);
  }
  return [q[0]!, q[1]!, q[2]!, q[3]!];
}

export function compareRuns(first: PlacedPhotos, second: PlacedPhotos): RerunComparison {
  const keys = [...first.positions.keys()].filter((k) => second.positions.has(k)).sort();
  const a = keys.map((k) => first.positions.get(k)!);
  const b = keys.map((k) => second.positions.get(k)!);
  const centre = (ps: Vec3[]): Vec3 =>
    [0, 1, 2].map((k) => ps.reduce((s, p) => s + p[k]!, 0) / Math.max(1, ps.length)) as Vec3;
  const ca = centre(a),
    cb = centre(b);
  const A = a.map((p) => [p[0] - ca[0], p[1] - ca[1], p[2] - ca[2]] as Vec3);
  const B = b.map((p) => [p[0] - cb[0], p[1] - cb[1], p[2] - cb[2]] as Vec3);
  const R = matrixFromQuaternion(hornRotation(A, B));
  let worst = 0;
  A.forEach((p, i) => {
    const t = [
      R[0] * p[0] + R[1] * p[1] + R[2] * p[2],
      R[3] * p[0] + R[4] * p[1] + R[5] * p[2],
      R[6] * p[0] + R[7] * p[1] + R[8] * p[2],
    ];
    worst = Math.max(worst, Math.hypot(t[0]! - B[i]![0], t[1]! - B[i]![1], t[2]! - B[i]![2]));
  });
  let path = 0;
  for (let i = 1; i < b.length; i++)
    path += Math.hypot(b[i]![0] - b[i - 1]![0], b[i]![1] - b[i - 1]![1], b[i]![2] - b[i - 1]![2]);
  const worstPositionFraction = path > 0 ? worst / path : Infinity;
  const scaleDifference =
    first.scaleFactor && second.scaleFactor ? Math.abs(second.scaleFactor / first.scaleFactor - 1) : null;
  const registeredDifference = Math.abs(first.positions.size - second.positions.size) / Math.max(1, first.given);
  return {
    commonPhotos: keys.length,
    worstPositionFraction,
    scaleDifference,
    registeredDifference,
    withinTolerances:
      worstPositionFraction <= RERUN_TOLERANCES.cameraPositions &&
      (scaleDifference ?? 0) <= RERUN_TOLERANCES.scale &&
      registeredDifference <= RERUN_TOLERANCES.registered,
    tolerances: RERUN_TOLERANCES,
  };
}
