/**
 * A point seen in several photos, placed in the model: linear triangulation (DLT) refined by Gauss-Newton on the
 * reprojection error, with its covariance from first-order propagation of the pixel noise, Σ = σ²(JᵀJ)⁻¹
 * (Hartley & Zisserman, Multiple View Geometry, 2nd ed., §12.2 and §5.2).
 */
import { VestigeError } from '@vestige/evidence';
import { projectPoint, type PosedCamera } from './projection.ts';
import type { Vec3 } from './rotation.ts';

export interface Observation {
  readonly camera: PosedCamera;
  readonly x: number;
  readonly y: number;
}

export interface Triangulated {
  readonly point: Vec3;
  /** RMS reprojection error of the observations at the solution (px). */
  readonly rmsPx: number;
  /** Covariance for unit pixel noise; multiply by σ² (px²). Row-major 3×3. */
  readonly unitCovariance: number[];
}

function invert3(m: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-300) return null;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** Linear start: the camera rays ignore distortion, which the refinement then takes into account. */
function linearStart(observations: readonly Observation[]): Vec3 {
  // Least squares over the normal equations of the ray constraints (closest point to all rays).
  const M = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const rhs = [0, 0, 0];
  for (const o of observations) {
    const { R, t, parts } = o.camera;
    const dirCam = [(o.x - parts.cx) / parts.fx, (o.y - parts.cy) / parts.fy, 1];
    // Ray in world: origin C = −Rᵀt, direction Rᵀ·dirCam.
    const C = [0, 1, 2].map((k) => -(R[k]! * t[0] + R[3 + k]! * t[1] + R[6 + k]! * t[2]));
    const d = [0, 1, 2].map((k) => R[k]! * dirCam[0]! + R[3 + k]! * dirCam[1]! + R[6 + k]! * dirCam[2]!);
    const n = Math.hypot(d[0]!, d[1]!, d[2]!);
    const u = d.map((v) => v / n);
    // (I − uuᵀ) X = (I − uuᵀ) C
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        const p = (r === c ? 1 : 0) - u[r]! * u[c]!;
        M[r * 3 + c]! += p;
        rhs[r]! += p * C[c]!;
      }
    }
  }
  const inv = invert3(M);
  if (!inv)
    throw new VestigeError(
      'E_PARAM_INVALID',
      'The rays of a picked point do not cross: pick it in photos taken from different places.',
    );
  return [0, 1, 2].map((r) => inv[r * 3]! * rhs[0]! + inv[r * 3 + 1]! * rhs[1]! + inv[r * 3 + 2]! * rhs[2]!) as Vec3;
}

function residuals(observations: readonly Observation[], X: readonly number[]): number[] | null {
  const out: number[] = [];
  for (const o of observations) {
    const p = projectPoint(o.camera, X);
    if (!p) return null;
    out.push(p[0] - o.x, p[1] - o.y);
  }
  return out;
}

function jacobian(observations: readonly Observation[], X: Vec3): number[][] {
  const h = 1e-6 * Math.max(1, Math.hypot(...X));
  const base = residuals(observations, X)!;
  const columns: number[][] = [];
  for (let k = 0; k < 3; k++) {
    const Y: Vec3 = [...X];
    Y[k] = Y[k]! + h;
    const r = residuals(observations, Y)!;
    columns.push(r.map((v, i) => (v - base[i]!) / h));
  }
  return base.map((_, i) => [columns[0]![i]!, columns[1]![i]!, columns[2]![i]!]);
}

export function triangulate(observations: readonly Observation[]): Triangulated {
  if (observations.length < 2)
    throw new VestigeError('E_PARAM_INVALID', 'A picked point needs at least two photos in which it was picked.');
  let X = linearStart(observations);
  for (let iteration = 0; iteration < 10; iteration++) {
    const r = residuals(observations, X);
    if (!r)
      throw new VestigeError(
        'E_PARAM_INVALID',
        'A picked point lies behind one of the cameras it was picked in: check which photo each pick belongs to.',
      );
    const J = jacobian(observations, X);
    const JtJ = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const Jtr = [0, 0, 0];
    J.forEach((row, i) => {
      for (let a = 0; a < 3; a++) {
        Jtr[a]! += row[a]! * r[i]!;
        for (let b = 0; b < 3; b++) JtJ[a * 3 + b]! += row[a]! * row[b]!;
      }
    });
    const inv = invert3(JtJ);
    if (!inv) break;
    const step = [0, 1, 2].map((a) => inv[a * 3]! * Jtr[0]! + inv[a * 3 + 1]! * Jtr[1]! + inv[a * 3 + 2]! * Jtr[2]!);
    X = [X[0] - step[0]!, X[1] - step[1]!, X[2] - step[2]!];
    if (Math.hypot(...step) < 1e-12 * Math.max(1, Math.hypot(...X))) break;
  }
  const r = residuals(observations, X)!;
  const J = jacobian(observations, X);
  const JtJ = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const row of J) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) JtJ[a * 3 + b]! += row[a]! * row[b]!;
  const cov = invert3(JtJ) ?? [Infinity, 0, 0, 0, Infinity, 0, 0, 0, Infinity];
  return { point: X, rmsPx: Math.sqrt(r.reduce((s, v) => s + v * v, 0) / observations.length), unitCovariance: cov };
}
