import { PerspectiveCamera, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import { CameraPathFileSchema, CameraPathSchema } from './record-schemas.ts';
import {
  CameraPathSampler,
  cameraPathFile,
  cameraPathFrameCount,
  cameraPathProblems,
  centripetalCatmullRom,
  checkCameraPath,
  lookAtQuaternion,
  poseDirection,
  slerp,
  type CameraPath,
} from './camera-path.ts';
import { toDisplayed } from './frames.ts';
import type { Vec3 } from './vector.ts';

const same = (p: Vec3): Vec3 => p;
const E = 500000,
  N = 5700000;

function path(keys: Array<[Vec3, Vec3, number]>, fps = 24): CameraPath {
  return {
    id: 'P-1',
    name: 'walk-through',
    fps,
    keyframes: keys.map(([position, target, time]) => ({ position, target, time, fov: 60 })),
  };
}

/** The same segment as the Barry–Goldman pyramid, written as a Hermite curve with the centripetal tangents. */
function hermiteReference(p0: Vec3, p1: Vec3, p2: Vec3, p3: Vec3, u: number): number[] {
  const d = (a: Vec3, b: Vec3) => Math.sqrt(Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]));
  const [d01, d12, d23] = [d(p0, p1), d(p1, p2), d(p2, p3)];
  const m1 = [0, 1, 2].map(
    (k) => ((p1[k]! - p0[k]!) / d01 - (p2[k]! - p0[k]!) / (d01 + d12) + (p2[k]! - p1[k]!) / d12) * d12,
  );
  const m2 = [0, 1, 2].map(
    (k) => ((p2[k]! - p1[k]!) / d12 - (p3[k]! - p1[k]!) / (d12 + d23) + (p3[k]! - p2[k]!) / d23) * d12,
  );
  const h00 = 2 * u ** 3 - 3 * u ** 2 + 1,
    h10 = u ** 3 - 2 * u ** 2 + u,
    h01 = -2 * u ** 3 + 3 * u ** 2,
    h11 = u ** 3 - u ** 2;
  return [0, 1, 2].map((k) => h00 * p1[k]! + h10 * m1[k]! + h01 * p2[k]! + h11 * m2[k]!);
}

describe('camera paths (scene core)', () => {
  it('gives the centripetal Catmull-Rom curve: the pyramid form equals the Hermite form with centripetal tangents', () => {
    const pts: Vec3[] = [
      [0, 0, 0],
      [1, 0, 0],
      [1.2, 3, 0.5],
      [4, 3.5, 1],
    ];
    for (const u of [0, 0.1, 0.37, 0.5, 0.81, 1]) {
      const got = centripetalCatmullRom(pts[0]!, pts[1]!, pts[2]!, pts[3]!, u);
      const want = hermiteReference(pts[0]!, pts[1]!, pts[2]!, pts[3]!, u);
      got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 12));
    }
  });

  it('passes through every keyframe at its time, looking at its target', () => {
    const p = path([
      [[E, N, 1.6], [E + 5, N, 1.6], 0],
      [[E + 2, N + 3, 1.6], [E + 2, N + 8, 1], 1.5],
      [[E + 6, N + 4, 2.5], [E + 5, N, 0], 3],
    ]);
    const s = new CameraPathSampler(p, same);
    for (const k of p.keyframes) {
      const pose = s.at(k.time);
      pose.position.forEach((v, i) => expect(v).toBeCloseTo(k.position[i]!, 9));
      const dir = poseDirection(pose.quaternion);
      const want = new Vector3(...k.target).sub(new Vector3(...k.position)).normalize();
      expect(dir[0]).toBeCloseTo(want.x, 12);
      expect(dir[1]).toBeCloseTo(want.y, 12);
      expect(dir[2]).toBeCloseTo(want.z, 12);
    }
  });

  it('orients the camera exactly as three.js lookAt does (the viewer sets the quaternion it is given)', () => {
    const cases: Array<[Vec3, Vec3]> = [
      [
        [0, 0, 2],
        [3, 4, 0],
      ],
      [
        [1, 1, 1],
        [1, 1, -5],
      ],
      [
        [0, 0, 0],
        [0, -1, 0.2],
      ],
      [
        [5, 5, 5],
        [5, 5, 6],
      ],
    ];
    for (const [eye, target] of cases) {
      const cam = new PerspectiveCamera();
      cam.up.set(0, 0, 1);
      cam.position.set(...eye);
      cam.lookAt(...target);
      const q = lookAtQuaternion(eye, target);
      const sign = Math.sign(q[3] * cam.quaternion.w + q[0] * cam.quaternion.x) || 1;
      expect(q[0] * sign).toBeCloseTo(cam.quaternion.x, 12);
      expect(q[1] * sign).toBeCloseTo(cam.quaternion.y, 12);
      expect(q[2] * sign).toBeCloseTo(cam.quaternion.z, 12);
      expect(q[3] * sign).toBeCloseTo(cam.quaternion.w, 12);
    }
  });

  it('moves along a straight line at constant speed between two keyframes (reflected end points)', () => {
    const s = new CameraPathSampler(
      path([
        [[0, 0, 1], [0, 10, 1], 0],
        [[10, 0, 1], [10, 10, 1], 2],
      ]),
      same,
    );
    for (const t of [0.25, 0.5, 1, 1.5]) {
      const pose = s.at(t);
      expect(pose.position[0]).toBeCloseTo(5 * t, 12);
      expect(pose.position[1]).toBeCloseTo(0, 12);
    }
  });

  it('slerps orientation: half way between two headings 90° apart looks 45° between them', () => {
    const a = lookAtQuaternion([0, 0, 0], [1, 0, 0]);
    const b = lookAtQuaternion([0, 0, 0], [0, 1, 0]);
    const d = poseDirection(slerp(a, b, 0.5));
    expect(d[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(d[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(d[2]).toBeCloseTo(0, 12);
  });

  it('counts frames from the first keyframe to the last inclusive: 2 s at 24 fps is 49 frames, frame n at n/24 s', () => {
    const p = path([
      [[0, 0, 1], [1, 0, 1], 0],
      [[1, 0, 1], [2, 0, 1], 2],
    ]);
    expect(cameraPathFrameCount(p)).toBe(49);
    expect(cameraPathFrameCount({ ...p, duration: 47 / 24 })).toBe(48);
    expect(new CameraPathSampler(p, same).frame(12).time).toBe(0.5);
    expect(cameraPathFrameCount({ ...p, keyframes: [] })).toBe(0);
  });

  it('holds the last pose after the last keyframe, and interpolates in the displayed frame (up is the levelled +Z)', () => {
    // A scene turned 90° about X by levelling: a camera looking along source −Z looks along displayed +Y.
    const frame = {
      origin: { offset: [0, 0, 0] as [number, number, number] },
      transform: [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1],
    };
    const p = path([[[0, 0, 0], [0, 0, -5], 0]]);
    const pose = new CameraPathSampler({ ...p, duration: 1 }, (q) => toDisplayed(frame, q)).at(1);
    const d = poseDirection(pose.quaternion);
    expect([d[0], d[1], d[2]].map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([0, 1, 0]);
  });

  it('refuses to sample a path without keyframes or with times out of order, naming the problem', () => {
    expect(() => checkCameraPath(path([]))).toThrow(/no keyframes/);
    expect(() => new CameraPathSampler(path([]), same)).toThrow(expect.objectContaining({ code: 'E_RECIPE_INVALID' }));
    expect(
      cameraPathProblems(
        path([
          [[0, 0, 0], [1, 0, 0], 1],
          [[1, 0, 0], [2, 0, 0], 1],
        ]),
      ),
    ).toEqual(["keyframe 2: time 1 s is not after keyframe 1's 1 s"]);
  });

  it('exports a file that the schema reads back as the same path, and stores an empty path being built', () => {
    const p = path([
      [[E, N, 1.6], [E + 5, N, 1.6], 0],
      [[E + 2, N + 3, 1.6], [E + 2, N + 8, 1], 1.5],
    ]);
    const file = JSON.parse(JSON.stringify(cameraPathFile(p, { sceneId: 'scene-1', units: 'm' })));
    const read = CameraPathFileSchema.parse(file);
    expect(CameraPathSchema.parse(read)).toEqual(p);
    expect(CameraPathSchema.safeParse({ ...p, keyframes: [] }).success).toBe(true);
    expect(CameraPathFileSchema.safeParse({ ...file, schema: 'other' }).success).toBe(false);
  });
});
