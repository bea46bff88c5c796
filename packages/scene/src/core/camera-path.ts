/**
 * Camera paths: the fly-through a render farm turns into a video, and the viewer previews and scrubs.
 * One implementation for the viewer (preview, render mode), the render jobs (frame count, report's plan
 * view) and the CLI, so the frame an officer scrubbed to is the frame the farm renders.
 *
 * A path is a list of keyframes — camera position, the point it looks at, vertical field of view and the
 * time in seconds — in the scene's source frame, as saved views are. Sampling happens in the displayed
 * frame (after scale and level), where "up" is +Z, exactly as the viewer's camera works:
 *
 * - **Position**: centripetal Catmull-Rom spline (α = 0.5; Yuksel, Schaefer & Keyser, "Parameterization
 *   and applications of Catmull-Rom curves", 2011) through the keyframe positions. It passes through every
 *   keyframe, never loops or overshoots into a cusp between close keyframes. The ends get reflected phantom
 *   points (P₋₁ = 2P₀ − P₁), so a two-keyframe path is a straight line. Between keyframes i and i+1 the
 *   time fraction u = (t − tᵢ)/(tᵢ₊₁ − tᵢ) is mapped linearly onto the segment's knot interval.
 * - **Orientation**: each keyframe looks from its position at its target with +Z up (the viewer's
 *   look-at); orientations are interpolated by spherical linear interpolation (slerp, shortest arc) on u.
 * - **Field of view** and **distance to the target** (where the scale bar holds): linear on u.
 * - Before the first keyframe's time the first pose holds, after the last the last pose holds.
 * - Frames are at t = n / fps for n = 0 … N − 1, N = ⌊duration · fps⌋ + 1: the first frame shows the first
 *   keyframe and, when the duration is a whole number of frames, the last frame shows the last keyframe.
 */
import { VestigeError } from '@vestige/evidence/errors';
import { cross, dot, length, normalize, sub, type MutableVec3, type Vec3 } from './vector.ts';

export const CAMERA_PATH_SCHEMA = 'vestige.camera-path' as const;
export const CAMERA_PATH_VERSION = 1 as const;
/** Names the interpolation above; recorded with every render so a report can state it. */
export const CAMERA_PATH_INTERPOLATION = 'centripetal-catmull-rom+slerp/1' as const;

export const CAMERA_PATH_DESCRIPTION =
  'Camera positions follow a centripetal Catmull-Rom spline (alpha 0.5, Yuksel et al. 2011) through the keyframe positions, with reflected end points; ' +
  'orientations (each keyframe looking at its target with +Z up) are interpolated by spherical linear interpolation; field of view and distance to the target linearly; ' +
  'time between two keyframes maps linearly onto the spline segment. Frame n is at n / fps seconds.';

export interface CameraKeyframe {
  /** Source frame, as saved views store cameras. */
  position: Vec3;
  target: Vec3;
  /** Vertical field of view in degrees. */
  fov: number;
  /** Seconds from the start of the path; strictly increasing. */
  time: number;
  /** The saved view it was made from, when it was. */
  viewId?: string;
  name?: string;
}

export interface CameraPath {
  id: string;
  name: string;
  /** Frames per second of the video rendered from it. */
  fps: number;
  /** Seconds; defaults to the last keyframe's time. Longer holds the last pose. */
  duration?: number;
  keyframes: CameraKeyframe[];
  note?: string;
}

/** One sampled camera, in the displayed frame (the viewer's world frame). */
export interface CameraPose {
  position: MutableVec3;
  /** Rotation of a three.js-style camera (looks down its −Z, +Y up), [x, y, z, w]. */
  quaternion: [number, number, number, number];
  fov: number;
  /** Distance from the camera to the point it looks at (the scale bar's depth). */
  focusDistance: number;
  /** Seconds from the start of the path. */
  time: number;
}

export function cameraPathDuration(path: Pick<CameraPath, 'duration' | 'keyframes'>): number {
  return path.duration ?? path.keyframes.at(-1)?.time ?? 0;
}

export function cameraPathFrameCount(path: Pick<CameraPath, 'duration' | 'keyframes' | 'fps'>): number {
  if (path.keyframes.length === 0) return 0;
  // A small tolerance so that 2 s at 24 fps is 49 frames whatever the float error in 2 × 24.
  return Math.floor(cameraPathDuration(path) * path.fps + 1e-9) + 1;
}

/** What makes a path unrenderable, in plain words (empty when it can be rendered). */
export function cameraPathProblems(path: CameraPath): string[] {
  const problems: string[] = [];
  if (path.keyframes.length === 0) problems.push(`camera path '${path.id}' has no keyframes`);
  if (!(path.fps > 0 && path.fps <= 240)) problems.push(`fps must be between 0 and 240 (got ${path.fps})`);
  path.keyframes.forEach((k, i) => {
    if (!(k.fov > 0 && k.fov < 180))
      problems.push(`keyframe ${i + 1}: field of view must be between 0 and 180 degrees (got ${k.fov})`);
    if (length(sub(k.target, k.position)) === 0)
      problems.push(`keyframe ${i + 1}: the target is the camera position, so there is no view direction`);
    if (i === 0 && k.time < 0) problems.push(`keyframe 1: time must not be negative (got ${k.time})`);
    if (i > 0 && !(k.time > path.keyframes[i - 1]!.time))
      problems.push(
        `keyframe ${i + 1}: time ${k.time} s is not after keyframe ${i}'s ${path.keyframes[i - 1]!.time} s`,
      );
  });
  const last = path.keyframes.at(-1);
  if (path.duration !== undefined && last && path.duration < last.time)
    problems.push(`duration ${path.duration} s ends before the last keyframe (${last.time} s)`);
  return problems;
}

/** Throws E_RECIPE_INVALID naming every problem, so a render never starts on a path it cannot draw. */
export function checkCameraPath(path: CameraPath, file?: string): void {
  const problems = cameraPathProblems(path);
  if (problems.length > 0) {
    throw new VestigeError('E_RECIPE_INVALID', `Camera path '${path.id}' cannot be rendered: ${problems.join('; ')}.`, {
      ...(file ? { file } : {}),
      hint: 'Add keyframes in the viewer (Camera paths: add the saved views in order), or fix the path JSON.',
    });
  }
}

type Quat = [number, number, number, number];

/** The rotation of a camera at `eye` looking at `target` with `up`: three.js's Matrix4.lookAt, as a quaternion. */
export function lookAtQuaternion(eye: Vec3, target: Vec3, up: Vec3 = [0, 0, 1]): Quat {
  let z = sub(eye, target);
  if (dot(z, z) === 0) z = [0, 0, 1];
  z = normalize(z);
  let x = cross(up, z);
  if (dot(x, x) === 0) {
    // Looking straight along "up": nudge as three.js does, so the viewer and the path agree.
    if (Math.abs(up[2]) === 1) z[0] += 0.0001;
    else z[2] += 0.0001;
    z = normalize(z);
    x = cross(up, z);
  }
  x = normalize(x);
  const y = cross(z, x);
  return quaternionFromBasis(x, y, z);
}

/** Quaternion of the rotation whose columns are x, y, z (three.js's setFromRotationMatrix). */
function quaternionFromBasis(x: Vec3, y: Vec3, z: Vec3): Quat {
  const [m11, m21, m31] = x;
  const [m12, m22, m32] = y;
  const [m13, m23, m33] = z;
  const trace = m11 + m22 + m33;
  if (trace > 0) {
    const s = 0.5 / Math.sqrt(trace + 1);
    return [(m32 - m23) * s, (m13 - m31) * s, (m21 - m12) * s, 0.25 / s];
  }
  if (m11 > m22 && m11 > m33) {
    const s = 2 * Math.sqrt(1 + m11 - m22 - m33);
    return [0.25 * s, (m12 + m21) / s, (m13 + m31) / s, (m32 - m23) / s];
  }
  if (m22 > m33) {
    const s = 2 * Math.sqrt(1 + m22 - m11 - m33);
    return [(m12 + m21) / s, 0.25 * s, (m23 + m32) / s, (m13 - m31) / s];
  }
  const s = 2 * Math.sqrt(1 + m33 - m11 - m22);
  return [(m13 + m31) / s, (m23 + m32) / s, 0.25 * s, (m21 - m12) / s];
}

/** Spherical linear interpolation along the shorter arc. */
export function slerp(a: Quat, b: Quat, u: number): Quat {
  let cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  let bb: Quat = b;
  if (cos < 0) {
    cos = -cos;
    bb = [-b[0], -b[1], -b[2], -b[3]];
  }
  let wa: number;
  let wb: number;
  if (cos > 0.9995) {
    // Nearly the same rotation: linear, then normalised (sin θ → 0 would divide by almost nothing).
    wa = 1 - u;
    wb = u;
  } else {
    const theta = Math.acos(cos);
    const sin = Math.sin(theta);
    wa = Math.sin((1 - u) * theta) / sin;
    wb = Math.sin(u * theta) / sin;
  }
  const q: Quat = [wa * a[0] + wb * bb[0], wa * a[1] + wb * bb[1], wa * a[2] + wb * bb[2], wa * a[3] + wb * bb[3]];
  const n = Math.hypot(q[0], q[1], q[2], q[3]) || 1;
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** Knot spacing of the centripetal parameterisation, never zero (coincident keyframes would divide by it). */
function knotStep(a: Vec3, b: Vec3): number {
  return Math.max(Math.sqrt(length(sub(b, a))), 1e-9);
}

function lerp3(a: Vec3, b: Vec3, ta: number, tb: number, t: number): MutableVec3 {
  const wa = (tb - t) / (tb - ta);
  const wb = (t - ta) / (tb - ta);
  return [wa * a[0] + wb * b[0], wa * a[1] + wb * b[1], wa * a[2] + wb * b[2]];
}

/** Centripetal Catmull-Rom between p1 and p2 at fraction u (Barry–Goldman pyramid). */
export function centripetalCatmullRom(p0: Vec3, p1: Vec3, p2: Vec3, p3: Vec3, u: number): MutableVec3 {
  const t0 = 0;
  const t1 = t0 + knotStep(p0, p1);
  const t2 = t1 + knotStep(p1, p2);
  const t3 = t2 + knotStep(p2, p3);
  const t = t1 + u * (t2 - t1);
  const a1 = lerp3(p0, p1, t0, t1, t);
  const a2 = lerp3(p1, p2, t1, t2, t);
  const a3 = lerp3(p2, p3, t2, t3, t);
  const b1 = lerp3(a1, a2, t0, t2, t);
  const b2 = lerp3(a2, a3, t1, t3, t);
  return lerp3(b1, b2, t1, t2, t);
}

/**
 * Keyframes in the displayed frame, positions relative to the first one (keeps survey-sized numbers out of the spline).
 */
interface DisplayedKeys {
  base: Vec3;
  points: MutableVec3[];
  rotations: Quat[];
  keys: CameraKeyframe[];
  distances: number[];
}

function displayedKeys(path: CameraPath, toDisplayed: (p: Vec3) => Vec3): DisplayedKeys {
  const eyes = path.keyframes.map((k) => toDisplayed(k.position));
  const targets = path.keyframes.map((k) => toDisplayed(k.target));
  const base = eyes[0]!;
  return {
    base,
    points: eyes.map((e) => sub(e, base)),
    rotations: eyes.map((e, i) => lookAtQuaternion(e, targets[i]!)),
    keys: path.keyframes,
    distances: eyes.map((e, i) => length(sub(targets[i]!, e))),
  };
}

/** Prepares a path for sampling many times (the viewer's preview, a chunk of frames). */
export class CameraPathSampler {
  private readonly d: DisplayedKeys;

  constructor(
    readonly path: CameraPath,
    toDisplayed: (p: Vec3) => Vec3,
  ) {
    checkCameraPath(path);
    this.d = displayedKeys(path, toDisplayed);
  }

  get frameCount(): number {
    return cameraPathFrameCount(this.path);
  }

  /** The camera of frame `n` (time n / fps). */
  frame(n: number): CameraPose {
    return this.at(n / this.path.fps);
  }

  /** The camera at `time` seconds. */
  at(time: number): CameraPose {
    const { keys, points, rotations, distances, base } = this.d;
    const last = keys.length - 1;
    let i = 0;
    while (i < last && time >= keys[i + 1]!.time) i++;
    let u = 0;
    if (i < last && time > keys[i]!.time) u = (time - keys[i]!.time) / (keys[i + 1]!.time - keys[i]!.time);
    const j = Math.min(i + 1, last);
    const p1 = points[i]!;
    const p2 = points[j]!;
    const p0 = i > 0 ? points[i - 1]! : reflect(p1, p2);
    const p3 = j < last ? points[j + 1]! : reflect(p2, p1);
    const local = i === j || u === 0 ? p1 : centripetalCatmullRom(p0, p1, p2, p3, u);
    const k1 = keys[i]!;
    const k2 = keys[j]!;
    return {
      position: [local[0] + base[0], local[1] + base[1], local[2] + base[2]],
      quaternion: u === 0 ? [...rotations[i]!] : slerp(rotations[i]!, rotations[j]!, u),
      fov: k1.fov + (k2.fov - k1.fov) * u,
      focusDistance: distances[i]! + (distances[j]! - distances[i]!) * u,
      time,
    };
  }
}

function reflect(p: Vec3, q: Vec3): MutableVec3 {
  return [2 * p[0] - q[0], 2 * p[1] - q[1], 2 * p[2] - q[2]];
}

/** Forward direction (camera −Z) of a pose, for arrows in a plan view. */
export function poseDirection(q: readonly [number, number, number, number]): MutableVec3 {
  const [x, y, z, w] = q;
  // Rotating (0, 0, −1) by q.
  return [-(2 * (x * z + w * y)), -(2 * (y * z - w * x)), -(1 - 2 * (x * x + y * y))];
}

/**
 * A saved view's camera as a keyframe (an orthographic view keeps its position and target; the path is perspective).
 */
export function keyframeFromView(
  view: { id: string; name: string; camera: { position: Vec3; target: Vec3; fov?: number | undefined } },
  time: number,
): CameraKeyframe {
  return {
    position: [...view.camera.position],
    target: [...view.camera.target],
    fov: view.camera.fov ?? 60,
    time,
    viewId: view.id,
    name: view.name,
  };
}

/** A path through saved views in the given order, `secondsBetween` apart: how the viewer and the CLI build one. */
export function cameraPathFromViews(
  views: ReadonlyArray<{
    id: string;
    name: string;
    camera: { position: Vec3; target: Vec3; fov?: number | undefined };
  }>,
  options: { id: string; name: string; fps: number; secondsBetween: number },
): CameraPath {
  return {
    id: options.id,
    name: options.name,
    fps: options.fps,
    keyframes: views.map((v, i) => keyframeFromView(v, i * options.secondsBetween)),
  };
}

/**
 * The file an export writes (and an import reads): the path with its schema name and version. Fields go
 * in one fixed order (the record schema's), so the viewer's export of a path it edited and the CLI's
 * export of the stored record are the same bytes.
 */
export function cameraPathFile(path: CameraPath, context: { sceneId: string; units: string }): Record<string, unknown> {
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  const keyframes = path.keyframes.map((k) => ({
    position: k.position,
    target: k.target,
    fov: k.fov,
    time: k.time,
    ...optional('viewId', k.viewId),
    ...optional('name', k.name),
  }));
  return {
    schema: CAMERA_PATH_SCHEMA,
    version: CAMERA_PATH_VERSION,
    sceneId: context.sceneId,
    frame: 'source',
    units: context.units,
    interpolation: CAMERA_PATH_INTERPOLATION,
    id: path.id,
    name: path.name,
    fps: path.fps,
    ...optional('duration', path.duration),
    keyframes,
    ...optional('note', path.note),
  };
}
