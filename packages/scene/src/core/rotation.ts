/** Rotations as row-major 3×3 matrices from unit quaternions (w, x, y, z): the convention of COLMAP and E57. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/** The rotation matrix of a quaternion, normalised first (a zero quaternion gives the identity's scale of 1). */
export function matrixFromQuaternion(q: readonly [number, number, number, number]): Mat3 {
  const n = Math.hypot(q[0], q[1], q[2], q[3]) || 1;
  const w = q[0] / n,
    x = q[1] / n,
    y = q[2] / n,
    z = q[3] / n;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}
