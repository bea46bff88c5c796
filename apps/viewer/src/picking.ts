/**
 * Picking and line of sight against the points actually drawn (visible nodes, inside the clipping box),
 * and against meshes. Arithmetic in double precision on the CPU copies of the loaded positions.
 */
import { Matrix4, Raycaster, Vector2, Vector3, type Box3, type Camera, type Object3D } from 'three';
import { SightLine, type ClipBox, type SightResult, type Vec3 } from '@vestige/scene/core';
import type { PotreeLayer } from './potree.ts';

export interface PickResult {
  /** Displayed (world) frame. */
  world: Vec3;
  /** What was hit, for the status line. */
  source: string;
  /** Screen distance from the cursor, CSS pixels. */
  screenDistance: number;
  /** Picked neighbourhood: nearby front-surface points (world frame), to show what the pick snapped to. */
  neighbourhood: Vec3[];
}

export interface PickOptions {
  /** Cursor position in CSS pixels relative to the canvas. */
  x: number;
  y: number;
  width: number;
  height: number;
  radiusPx: number;
  clipBox: Box3 | null;
}

interface Candidate {
  world: [number, number, number];
  sx: number;
  sy: number;
  depth: number;
  source: string;
}

/**
 * Snaps to the visible point nearest the cursor: among the points within `radiusPx` on screen, the
 * front-most surface wins (a point behind that surface is hidden in the image, so it cannot be picked),
 * and on that surface the point closest to the cursor is taken.
 */
export function pickPoint(
  camera: Camera,
  layers: readonly PotreeLayer[],
  meshes: readonly Object3D[],
  o: PickOptions,
): PickResult | null {
  const vp = new Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
  const candidates: Candidate[] = [];
  const r2 = o.radiusPx * o.radiusPx;
  const clip = o.clipBox;
  for (const layer of layers) {
    const w = layer.group.matrixWorld.elements;
    const m = new Matrix4().multiplyMatrices(vp, layer.group.matrixWorld).elements;
    for (const node of layer.visibleNodes) {
      const p = node.positions;
      if (!p || !node.object?.visible) continue;
      for (let i = 0; i < p.length; i += 3) {
        const x = p[i]!,
          y = p[i + 1]!,
          z = p[i + 2]!;
        const cw = m[3]! * x + m[7]! * y + m[11]! * z + m[15]!;
        if (cw <= 0) continue;
        const cx = (m[0]! * x + m[4]! * y + m[8]! * z + m[12]!) / cw;
        const cy = (m[1]! * x + m[5]! * y + m[9]! * z + m[13]!) / cw;
        const sx = ((cx + 1) / 2) * o.width;
        const sy = ((1 - cy) / 2) * o.height;
        const dx = sx - o.x,
          dy = sy - o.y;
        if (dx * dx + dy * dy > r2) continue;
        const cz = (m[2]! * x + m[6]! * y + m[10]! * z + m[14]!) / cw;
        if (cz < -1 || cz > 1) continue;
        const wx = w[0]! * x + w[4]! * y + w[8]! * z + w[12]!;
        const wy = w[1]! * x + w[5]! * y + w[9]! * z + w[13]!;
        const wz = w[2]! * x + w[6]! * y + w[10]! * z + w[14]!;
        if (
          clip &&
          (wx < clip.min.x ||
            wy < clip.min.y ||
            wz < clip.min.z ||
            wx > clip.max.x ||
            wy > clip.max.y ||
            wz > clip.max.z)
        )
          continue;
        candidates.push({ world: [wx, wy, wz], sx, sy, depth: cw, source: `${layer.ref.name} ${node.name}` });
      }
    }
  }
  // Meshes: the first surface hit under the cursor is a candidate like any point.
  if (meshes.length > 0) {
    const ray = new Raycaster();
    ray.setFromCamera(new Vector2((o.x / o.width) * 2 - 1, 1 - (o.y / o.height) * 2), camera);
    const hits = ray.intersectObjects(meshes as Object3D[], true).filter((h) => !clip || clip.containsPoint(h.point));
    const hit = hits[0];
    if (hit) {
      const v = hit.point.clone().applyMatrix4(camera.matrixWorldInverse);
      candidates.push({
        world: [hit.point.x, hit.point.y, hit.point.z],
        sx: o.x,
        sy: o.y,
        depth: -v.z,
        source: hit.object.name || 'mesh',
      });
    }
  }
  if (candidates.length === 0) return null;
  let front = Infinity;
  for (const c of candidates) front = Math.min(front, c.depth);
  // The surface band: how deep a surface seen within the pick radius can reach (its world size at
  // that depth, twice), so an oblique floor counts as one surface but a wall's far side does not.
  const worldPerPx = worldPerPixelAt(camera, front, o.height);
  const band = Math.max(worldPerPx * o.radiusPx * 2, 1e-6);
  let best: Candidate | undefined;
  let bestD = Infinity;
  const surface: Candidate[] = [];
  for (const c of candidates) {
    if (c.depth > front + band) continue;
    surface.push(c);
    const d = (c.sx - o.x) ** 2 + (c.sy - o.y) ** 2;
    if (d < bestD || (d === bestD && best && c.depth < best.depth)) {
      bestD = d;
      best = c;
    }
  }
  if (!best) return null;
  return {
    world: best.world,
    source: best.source,
    screenDistance: Math.sqrt(bestD),
    neighbourhood: surface.slice(0, 200).map((c) => c.world),
  };
}

export function worldPerPixelAt(camera: Camera, depth: number, viewportHeight: number): number {
  const anyCam = camera as Camera & {
    isOrthographicCamera?: boolean;
    top?: number;
    bottom?: number;
    zoom?: number;
    fov?: number;
  };
  if (anyCam.isOrthographicCamera) return (anyCam.top! - anyCam.bottom!) / anyCam.zoom! / viewportHeight;
  return (2 * depth * Math.tan(((anyCam.fov ?? 60) * Math.PI) / 360)) / viewportHeight;
}

/**
 * Line of sight from an eye point to a target (displayed frame) against the points drawn now and the
 * meshes: the scene core's `SightLine` tests each drawn, unclipped point; a mesh hit along the ray counts
 * the same way.
 */
export function lineOfSight(
  eye: Vec3,
  target: Vec3,
  layers: readonly PotreeLayer[],
  meshes: readonly Object3D[],
  radius: number,
  clipBox: ClipBox | null,
): SightResult {
  const line = new SightLine(eye, target, radius, clipBox);
  if (line.length === 0) return line.result();
  for (const layer of layers) {
    const w = layer.group.matrixWorld.elements;
    for (const node of layer.visibleNodes) {
      const p = node.positions;
      if (!p || !node.object?.visible) continue;
      for (let i = 0; i < p.length; i += 3) {
        const x = p[i]!,
          y = p[i + 1]!,
          z = p[i + 2]!;
        line.test(
          w[0]! * x + w[4]! * y + w[8]! * z + w[12]!,
          w[1]! * x + w[5]! * y + w[9]! * z + w[13]!,
          w[2]! * x + w[6]! * y + w[10]! * z + w[14]!,
        );
      }
    }
  }
  if (meshes.length > 0) {
    const { near, far } = line.span;
    const ray = new Raycaster(new Vector3(...eye), new Vector3(...line.direction), near, far);
    const hit = ray.intersectObjects(meshes as Object3D[], true)[0];
    if (hit) line.hit(hit.distance, [hit.point.x, hit.point.y, hit.point.z]);
  }
  return line.result();
}
