/**
 * Which way is up in the model. A structure-from-motion model has no gravity; people hold cameras upright, so
 * the mean of the photos' "up" directions (each camera's −y axis in the world) is close to true up (the idea of
 * COLMAP's model_orientation_aligner, IMAGE-ORIENTATION method). The model is turned so that this is +Z; levelling
 * to the floor then makes it exact.
 */
import { matrixFromQuaternion, normalise, rotationBetween, type Mat3, type Vec3 } from '../geometry/rotation.ts';
import type { SparseModel } from '../model/sparse-model.ts';

export interface GravityEstimate {
  readonly up: Vec3;
  /** Rotation taking `up` to +Z (row-major). */
  readonly rotation: Mat3;
  /** Mean angle between the photos' own up and the estimate (degrees): how upright they were held. */
  readonly spreadDegrees: number;
}

export function estimateGravity(model: SparseModel): GravityEstimate {
  const ups: Vec3[] = [];
  for (const image of model.images.values()) {
    const R = matrixFromQuaternion(image.q);
    // World direction of the camera's −y axis: −(second row of R).
    ups.push([-R[3], -R[4], -R[5]]);
  }
  const sum = ups.reduce<Vec3>((s, u) => [s[0] + u[0], s[1] + u[1], s[2] + u[2]], [0, 0, 0]);
  const up = normalise(sum);
  const spread =
    ups.reduce(
      (s, u) => s + (Math.acos(Math.min(1, Math.max(-1, u[0] * up[0] + u[1] * up[1] + u[2] * up[2]))) * 180) / Math.PI,
      0,
    ) / Math.max(1, ups.length);
  return { up, rotation: rotationBetween(up, [0, 0, 1]), spreadDegrees: spread };
}
