/** Rotations as row-major 3×3 matrices and unit quaternions (w, x, y, z), COLMAP's convention. */
import { matrixFromQuaternion, type Mat3 } from '@vestige/scene/core';

export type Vec3 = [number, number, number];
/** The scene core holds the one quaternion → matrix conversion (COLMAP's and E57's convention). */
export { matrixFromQuaternion, type Mat3 };

/** Shepperd's method: stable for every rotation. Returns w ≥ 0. */
export function quaternionFromMatrix(m: Mat3): [number, number, number, number] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const trace = a + e + i;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [0.25 * s, (h - f) / s, (c - g) / s, (d - b) / s];
  } else if (a > e && a > i) {
    const s = 2 * Math.sqrt(1 + a - e - i);
    q = [(h - f) / s, 0.25 * s, (b + d) / s, (c + g) / s];
  } else if (e > i) {
    const s = 2 * Math.sqrt(1 + e - a - i);
    q = [(c - g) / s, (b + d) / s, 0.25 * s, (f + h) / s];
  } else {
    const s = 2 * Math.sqrt(1 + i - a - e);
    q = [(d - b) / s, (c + g) / s, (f + h) / s, 0.25 * s];
  }
  return q[0] < 0 ? [-q[0], -q[1], -q[2], -q[3]] : q;
}

export function applyMatrix(m: Mat3, p: readonly number[]): Vec3 {
  return [
    m[0] * p[0]! + m[1] * p[1]! + m[2] * p[2]!,
    m[3] * p[0]! + m[4] * p[1]! + m[5] * p[2]!,
    m[6] * p[0]! + m[7] * p[1]! + m[8] * p[2]!,
  ];
}

export function normalise(v: readonly number[]): Vec3 {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

/** The smallest rotation taking unit vector `from` onto unit vector `to` (Rodrigues). */
export function rotationBetween(from: Vec3, to: Vec3): Mat3 {
  const [ax, ay, az] = [
    from[1] * to[2] - from[2] * to[1],
    from[2] * to[0] - from[0] * to[2],
    from[0] * to[1] - from[1] * to[0],
  ];
  const cos = from[0] * to[0] + from[1] * to[1] + from[2] * to[2];
  if (cos < -1 + 1e-12) {
    // Opposite: turn half a circle about any axis perpendicular to `from`.
    const axis = normalise(Math.abs(from[0]) < 0.9 ? [0, -from[2], from[1]] : [-from[2], 0, from[0]]);
    const [x, y, z] = axis;
    return [
      2 * x * x - 1,
      2 * x * y,
      2 * x * z,
      2 * x * y,
      2 * y * y - 1,
      2 * y * z,
      2 * x * z,
      2 * y * z,
      2 * z * z - 1,
    ];
  }
  const k = 1 / (1 + cos);
  return [
    ax * ax * k + cos,
    ax * ay * k - az,
    ax * az * k + ay,
    ay * ax * k + az,
    ay * ay * k + cos,
    ay * az * k - ax,
    az * ax * k - ay,
    az * ay * k + ax,
    az * az * k + cos,
  ];
}
