/**
 * A textured room with known geometry, and pinhole views of it ray-cast from known camera positions: the
 * ground truth for photogrammetry tests and the reconstruction benchmark (nothing downloaded, nothing random
 * that is not seeded).
 *
 * The room is 5 m × 4 m × 2.6 m (x, y, z; z up, floor at z = 0) with a table and a cabinet standing on the
 * floor. Every surface is covered by dots of three sizes and of random colours over a shaded base colour: a
 * pattern with corners and blobs at several scales, as SIFT needs, and no repeats that would confuse matching.
 *
 * Cameras follow COLMAP's convention: x right, y down, z forward; pixel (0, 0) covers [0, 1)², so its centre is
 * at (0.5, 0.5).
 */

export type Vec3 = [number, number, number];

export const ROOM = { width: 5, depth: 4, height: 2.6 } as const;

interface Box {
  min: Vec3;
  max: Vec3;
  id: number;
}

/** The furniture: solid boxes standing on the floor. */
export const BOXES: readonly Box[] = [
  { min: [1.0, 1.0, 0], max: [2.3, 1.8, 0.75], id: 10 },
  { min: [3.7, 3.1, 0], max: [4.7, 3.8, 1.8], id: 20 },
];

export interface PinholeCamera {
  position: Vec3;
  /** Rows of the world → camera rotation (camera x right, y down, z forward). */
  rotation: [Vec3, Vec3, Vec3];
  width: number;
  height: number;
  focal: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const unit = (a: Vec3): Vec3 => {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
};

/** A camera at `position` looking at `target`, level (its x axis horizontal). */
export function lookAt(
  position: Vec3,
  target: Vec3,
  size: { width: number; height: number; focal: number },
): PinholeCamera {
  const forward = unit(sub(target, position));
  const right = unit(cross(forward, [0, 0, 1]));
  const down = cross(forward, right);
  return { position, rotation: [right, down, forward], ...size };
}

/** Where a world point falls in the image (pixel coordinates, COLMAP convention), or null behind the camera. */
export function project(camera: PinholeCamera, point: Vec3): [number, number] | null {
  const d = sub(point, camera.position);
  const [r, u, f] = camera.rotation;
  const z = dot(f, d);
  if (z <= 1e-9) return null;
  return [camera.width / 2 + (camera.focal * dot(r, d)) / z, camera.height / 2 + (camera.focal * dot(u, d)) / z];
}

interface Hit {
  t: number;
  surface: number;
  u: number;
  v: number;
  shade: number;
}

/** Nearest surface along a ray from inside the room: the six room faces and the boxes' outer faces. */
export function castRay(origin: Vec3, dir: Vec3): Hit {
  let best: Hit = { t: Infinity, surface: -1, u: 0, v: 0, shade: 1 };
  const room: Vec3 = [ROOM.width, ROOM.depth, ROOM.height];
  for (let axis = 0; axis < 3; axis++) {
    const d = dir[axis]!;
    if (Math.abs(d) < 1e-12) continue;
    const wall = d > 0 ? room[axis]! : 0;
    const t = (wall - origin[axis]!) / d;
    if (t > 0 && t < best.t) best = surfaceHit(t, origin, dir, axis, axis * 2 + (d > 0 ? 1 : 0), 0.75 + 0.08 * axis);
  }
  for (const box of BOXES) {
    for (let axis = 0; axis < 3; axis++) {
      const d = dir[axis]!;
      if (Math.abs(d) < 1e-12) continue;
      // Seen from outside, a box face is the one facing the ray.
      const plane = d > 0 ? box.min[axis]! : box.max[axis]!;
      const t = (plane - origin[axis]!) / d;
      if (!(t > 0 && t < best.t)) continue;
      const p: Vec3 = [origin[0] + t * dir[0], origin[1] + t * dir[1], origin[2] + t * dir[2]];
      const a = (axis + 1) % 3,
        b = (axis + 2) % 3;
      if (p[a]! < box.min[a]! || p[a]! > box.max[a]! || p[b]! < box.min[b]! || p[b]! > box.max[b]!) continue;
      best = surfaceHit(t, origin, dir, axis, box.id + axis * 2 + (d > 0 ? 0 : 1), 0.9 - 0.1 * axis);
    }
  }
  return best;
}

function surfaceHit(t: number, origin: Vec3, dir: Vec3, axis: number, surface: number, shade: number): Hit {
  const a = (axis + 1) % 3,
    b = (axis + 2) % 3;
  return { t, surface, u: origin[a]! + t * dir[a]!, v: origin[b]! + t * dir[b]!, shade };
}

function hash32(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h =
    Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^
    Math.imul(c + 0x165667b1, 0x9e3779b1) ^
    Math.imul(d + 0x7f4a7c15, 0x94d049bb);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

const CELLS = [0.42, 0.17, 0.07];

/** Surface colour at (u, v) metres on a surface: a base colour with dots of three sizes laid over it. */
export function surfaceColour(surface: number, u: number, v: number, out: Float64Array): void {
  const base = hash32(surface, 99, 0, 0);
  out[0] = 90 + (base & 63);
  out[1] = 90 + ((base >>> 6) & 63);
  out[2] = 90 + ((base >>> 12) & 63);
  for (let k = 0; k < CELLS.length; k++) {
    const s = CELLS[k]!;
    const ix = Math.floor(u / s),
      iy = Math.floor(v / s);
    const h = hash32(surface, k, ix, iy);
    if ((h & 7) === 0) continue; // some cells stay empty, so the dots are not a regular grid
    const r = s * (0.14 + 0.2 * (((h >>> 3) & 255) / 255));
    const cx = (ix + r / s + (1 - (2 * r) / s) * (((h >>> 11) & 255) / 255)) * s;
    const cy = (iy + r / s + (1 - (2 * r) / s) * (((h >>> 19) & 255) / 255)) * s;
    if ((u - cx) ** 2 + (v - cy) ** 2 > r * r) continue;
    const c = hash32(surface, k + 10, ix, iy);
    out[0] = 20 + (c & 255) * 0.85;
    out[1] = 20 + ((c >>> 8) & 255) * 0.85;
    out[2] = 20 + ((c >>> 16) & 255) * 0.85;
  }
}

/**
 * Renders a view as packed 8-bit RGB, `samples`² rays per pixel (box-filtered) so that edges are antialiased
 * as a lens would blur them.
 */
export function renderView(camera: PinholeCamera, samples = 2): Buffer {
  const { width, height, focal } = camera;
  const [r, u, f] = camera.rotation;
  const out = Buffer.alloc(width * height * 3);
  const colour = new Float64Array(3);
  const dir: Vec3 = [0, 0, 0];
  const norm = 1 / (samples * samples);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let R = 0,
        G = 0,
        B = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = (x + (sx + 0.5) / samples - width / 2) / focal;
          const py = (y + (sy + 0.5) / samples - height / 2) / focal;
          for (let k = 0; k < 3; k++) dir[k] = r[k]! * px + u[k]! * py + f[k]!;
          const hit = castRay(camera.position, dir);
          surfaceColour(hit.surface, hit.u, hit.v, colour);
          R += colour[0]! * hit.shade;
          G += colour[1]! * hit.shade;
          B += colour[2]! * hit.shade;
        }
      }
      const o = (y * width + x) * 3;
      out[o] = Math.round(R * norm);
      out[o + 1] = Math.round(G * norm);
      out[o + 2] = Math.round(B * norm);
    }
  }
  return out;
}

/** True when `point` is the first thing the camera sees along its ray (not hidden behind furniture). */
export function visible(camera: PinholeCamera, point: Vec3): boolean {
  const d = sub(point, camera.position);
  const len = Math.hypot(d[0], d[1], d[2]);
  const hit = castRay(camera.position, [d[0] / len, d[1] / len, d[2] / len]);
  return Math.abs(hit.t - len) < 1e-6 * Math.max(1, len);
}

/**
 * Cameras on a level circle inside the room, each looking across it at a point beyond the centre, a little
 * downwards: neighbouring views overlap by most of their width, and the loop closes.
 */
export function ringOfCameras(
  count: number,
  size: { width: number; height: number; focal: number },
  options: { radius?: number; height?: number; turn?: number } = {},
): PinholeCamera[] {
  const centre: Vec3 = [ROOM.width / 2, ROOM.depth / 2, options.height ?? 1.5];
  const radius = options.radius ?? 1.3;
  const cameras: PinholeCamera[] = [];
  for (let i = 0; i < count; i++) {
    const a = (2 * Math.PI * i) / count + (options.turn ?? 0);
    const position: Vec3 = [centre[0] + radius * Math.cos(a), centre[1] + radius * Math.sin(a), centre[2]];
    const target: Vec3 = [centre[0] - 1.2 * Math.cos(a), centre[1] - 1.2 * Math.sin(a), 0.6];
    cameras.push(lookAt(position, target, size));
  }
  return cameras;
}
