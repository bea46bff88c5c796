/** COLMAP's camera models, forward projection only: world point → pixel (pixel centres at +0.5). */
import type { ModelCamera } from '../model/sparse-model.ts';
import type { Mat3, Vec3 } from './rotation.ts';
import { VestigeError } from '@vestige/evidence';

/** Focal lengths, principal point and distortion of a camera, whatever its model. */
export function cameraParts(camera: Pick<ModelCamera, 'model' | 'params'>): {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  k1: number;
  k2: number;
  p1: number;
  p2: number;
} {
  const p = camera.params;
  switch (camera.model) {
    case 'SIMPLE_PINHOLE':
      return { fx: p[0]!, fy: p[0]!, cx: p[1]!, cy: p[2]!, k1: 0, k2: 0, p1: 0, p2: 0 };
    case 'PINHOLE':
      return { fx: p[0]!, fy: p[1]!, cx: p[2]!, cy: p[3]!, k1: 0, k2: 0, p1: 0, p2: 0 };
    case 'SIMPLE_RADIAL':
      return { fx: p[0]!, fy: p[0]!, cx: p[1]!, cy: p[2]!, k1: p[3]!, k2: 0, p1: 0, p2: 0 };
    case 'RADIAL':
      return { fx: p[0]!, fy: p[0]!, cx: p[1]!, cy: p[2]!, k1: p[3]!, k2: p[4]!, p1: 0, p2: 0 };
    case 'OPENCV':
      return { fx: p[0]!, fy: p[1]!, cx: p[2]!, cy: p[3]!, k1: p[4]!, k2: p[5]!, p1: p[6]!, p2: p[7]! };
    default:
      throw new VestigeError(
        'E_INPUT_UNSUPPORTED',
        `camera model ${camera.model} is not supported: Vestige reads SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL and OPENCV`,
        { hint: 'Run COLMAP with one of those camera models.' },
      );
  }
}

export interface PosedCamera {
  readonly R: Mat3;
  readonly t: Vec3;
  readonly parts: ReturnType<typeof cameraParts>;
}

/** Pixel of world point X, or null when it is behind the camera. */
export function projectPoint(camera: PosedCamera, X: readonly number[]): [number, number] | null {
  const { R, t, parts: k } = camera;
  const x = R[0] * X[0]! + R[1] * X[1]! + R[2] * X[2]! + t[0];
  const y = R[3] * X[0]! + R[4] * X[1]! + R[5] * X[2]! + t[1];
  const z = R[6] * X[0]! + R[7] * X[1]! + R[8] * X[2]! + t[2];
  if (z <= 0) return null;
  const u = x / z,
    v = y / z;
  const r2 = u * u + v * v;
  const radial = 1 + k.k1 * r2 + k.k2 * r2 * r2;
  const ud = u * radial + 2 * k.p1 * u * v + k.p2 * (r2 + 2 * u * u);
  const vd = v * radial + k.p1 * (r2 + 2 * v * v) + 2 * k.p2 * u * v;
  return [k.fx * ud + k.cx, k.fy * vd + k.cy];
}
