/**
 * The scene's two frames and the column-major 4×4 matrices between them (the layout three.js
 * `Matrix4.elements` uses), in double precision.
 *
 * - source frame: the scanner's or survey's coordinates, as stored in the manifest (points, markers);
 * - displayed frame: `transform × (source − origin.offset)`, after scale and level; measured values are
 *   given here, and its +Z is up.
 */
import { normalize, sub, type MutableVec3, type Vec3 } from './vector.ts';

export type Mat4 = number[];

/** What a frame change needs of a manifest. */
export interface SceneFrame {
  readonly origin: { readonly offset: readonly number[] };
  readonly transform: readonly number[];
}

export function multiply(a: readonly number[], b: readonly number[]): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r]! * b[c * 4 + k]!;
      out[c * 4 + r] = s;
    }
  }
  return out;
}

export function applyToPoint(m: readonly number[], p: readonly number[]): MutableVec3 {
  const x = p[0]!,
    y = p[1]!,
    z = p[2]!;
  return [
    m[0]! * x + m[4]! * y + m[8]! * z + m[12]!,
    m[1]! * x + m[5]! * y + m[9]! * z + m[13]!,
    m[2]! * x + m[6]! * y + m[10]! * z + m[14]!,
  ];
}

export function scaling(f: number): Mat4 {
  return [f, 0, 0, 0, 0, f, 0, 0, 0, 0, f, 0, 0, 0, 0, 1];
}

export function translation(x: number, y: number, z: number): Mat4 {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];
}

/** Rotation taking unit vector `from` onto unit vector `to` (Rodrigues). */
export function rotationBetween(from: Vec3, to: Vec3): Mat4 {
  const [ax, ay, az] = from;
  const [bx, by, bz] = to;
  const vx = ay * bz - az * by,
    vy = az * bx - ax * bz,
    vz = ax * by - ay * bx;
  const c = ax * bx + ay * by + az * bz;
  if (c < -0.999999) {
    // opposite: turn half a circle about any axis perpendicular to `from`
    const [x, y, z] = Math.abs(ax) < 0.9 ? normalize([0, -az, ay]) : normalize([-az, 0, ax]);
    return [
      2 * x * x - 1,
      2 * x * y,
      2 * x * z,
      0,
      2 * x * y,
      2 * y * y - 1,
      2 * y * z,
      0,
      2 * x * z,
      2 * y * z,
      2 * z * z - 1,
      0,
      0,
      0,
      0,
      1,
    ];
  }
  const k = 1 / (1 + c);
  // R = I + [v]x + [v]x² · k, written column-major
  return [
    1 + k * (-(vy * vy) - vz * vz),
    vz + k * vx * vy,
    -vy + k * vx * vz,
    0,
    -vz + k * vx * vy,
    1 + k * (-(vx * vx) - vz * vz),
    vx + k * vy * vz,
    0,
    vy + k * vx * vz,
    -vx + k * vy * vz,
    1 + k * (-(vx * vx) - vy * vy),
    0,
    0,
    0,
    0,
    1,
  ];
}

/**
 * Inverse of an affine matrix (rotation, scale, translation: the only kind a scene transform is).
 * Throws on a singular matrix, which a valid manifest never has.
 */
export function invertAffine(m: readonly number[]): Mat4 {
  const a = m[0]!,
    b = m[4]!,
    c = m[8]!;
  const d = m[1]!,
    e = m[5]!,
    f = m[9]!;
  const g = m[2]!,
    h = m[6]!,
    i = m[10]!;
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || det === 0) throw new RangeError('the scene transform cannot be inverted');
  const r = [
    A,
    B,
    C,
    -(b * i - c * h),
    a * i - c * g,
    -(a * h - b * g),
    b * f - c * e,
    -(a * f - c * d),
    a * e - b * d,
  ].map((v) => v / det);
  // The cofactors' rows (scaled by 1/det) are the inverse's columns, which is how column-major stores them.
  const inv: Mat4 = [r[0]!, r[1]!, r[2]!, 0, r[3]!, r[4]!, r[5]!, 0, r[6]!, r[7]!, r[8]!, 0, 0, 0, 0, 1];
  const t = applyToPoint(inv, [m[12]!, m[13]!, m[14]!]);
  inv[12] = -t[0];
  inv[13] = -t[1];
  inv[14] = -t[2];
  return inv;
}

/** Source frame → displayed frame: transform × (p − origin). */
export function toDisplayed(frame: SceneFrame, p: readonly number[]): MutableVec3 {
  return applyToPoint(frame.transform, sub(p, frame.origin.offset));
}

/** Displayed frame → source frame: transform⁻¹ × p + origin. Pass `inverse` when converting many points. */
export function toSource(
  frame: SceneFrame,
  p: readonly number[],
  inverse: readonly number[] = invertAffine(frame.transform),
): MutableVec3 {
  const q = applyToPoint(inverse, p);
  const o = frame.origin.offset;
  return [q[0] + o[0]!, q[1] + o[1]!, q[2] + o[2]!];
}
