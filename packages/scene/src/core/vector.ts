/** Three-component vectors in double precision: the arithmetic every measurement and frame change uses. */
export type Vec3 = readonly [number, number, number];
/** A vector this module made, free to change in place. */
export type MutableVec3 = [number, number, number];

export function sub(a: readonly number[], b: readonly number[]): MutableVec3 {
  return [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): MutableVec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function length(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return length(sub(b, a));
}

/** Unit vector along `v`; the zero vector stays zero. */
export function normalize(v: Vec3): MutableVec3 {
  const n = length(v) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

export function midpoint(a: Vec3, b: Vec3): MutableVec3 {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}
