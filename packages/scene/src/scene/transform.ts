/** Small column-major 4×4 helpers (the layout three.js Matrix4.elements uses). */
export type Mat4 = number[];
export type Vec3 = [number, number, number];

export function multiply(a: readonly number[], b: readonly number[]): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[k * 4 + r]! * b[c * 4 + k]!;
    out[c * 4 + r] = s;
  }
  return out;
}

export function applyToPoint(m: readonly number[], p: readonly number[]): Vec3 {
  const [x, y, z] = p as Vec3;
  return [m[0]! * x + m[4]! * y + m[8]! * z + m[12]!, m[1]! * x + m[5]! * y + m[9]! * z + m[13]!, m[2]! * x + m[6]! * y + m[10]! * z + m[14]!];
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
  const vx = ay * bz - az * by, vy = az * bx - ax * bz, vz = ax * by - ay * bx;
  const c = ax * bx + ay * by + az * bz;
  if (c < -0.999999) {
    // opposite: turn half a circle about any axis perpendicular to `from`
    const axis: Vec3 = Math.abs(ax) < 0.9 ? normalize([0, -az, ay]) : normalize([-az, 0, ax]);
    const [x, y, z] = axis;
    return [2 * x * x - 1, 2 * x * y, 2 * x * z, 0, 2 * x * y, 2 * y * y - 1, 2 * y * z, 0, 2 * x * z, 2 * y * z, 2 * z * z - 1, 0, 0, 0, 0, 1];
  }
  const k = 1 / (1 + c);
  // R = I + [v]x + [v]x² · k, written column-major
  return [
    1 + k * (-(vy * vy) - vz * vz), vz + k * vx * vy, -vy + k * vx * vz, 0,
    -vz + k * vx * vy, 1 + k * (-(vx * vx) - vz * vz), vx + k * vy * vz, 0,
    vy + k * vx * vz, -vx + k * vy * vz, 1 + k * (-(vx * vx) - vy * vy), 0,
    0, 0, 0, 1,
  ];
}

export function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

export function sub(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** Source frame → displayed frame: transform × (p − origin). */
export function toDisplayed(manifest: { origin: { offset: readonly number[] }; transform: readonly number[] }, p: readonly number[]): Vec3 {
  return applyToPoint(manifest.transform, sub(p, manifest.origin.offset));
}
