/**
 * Where a direction lands in a scanner photo (E57 image representations, ASTM E2807 §8.4): the one
 * statement of the mapping. The viewer's photo shader (apps/viewer/src/scan-photos.ts) is its GLSL twin
 * and the photo end-to-end test checks the two against each other on screen.
 *
 * Directions are in the photo's own frame (its pose's rotation undone). Pixel coordinates are
 * continuous, x right and y down, with pixel (i, j)'s centre at (i, j) (OpenCV's convention, which the
 * E57 camera-distortion extension follows), so the image spans −0.5 … width − 0.5.
 * - pinhole: the optical axis is +Z, +X runs along the rows (right), +Y down the columns;
 *   x = cx + f / pixelWidth · X / Z.
 * - spherical: columns are azimuth (about +Z, from +X towards +Y), decreasing to the right so the
 *   panorama reads as seen from inside, with azimuth 0 at the image's centre column; rows are elevation,
 *   +π/2 at the top. So column c looks along azimuth (width / 2 − 0.5 − c) · pixelWidth.
 * - cylindrical: azimuth as spherical; rows are heights on a cylinder of `radius` around +Z, the row
 *   principalPointY at z = 0, rising upwards.
 * Lens distortion (pinhole `distortion`) is not applied; the viewer says so where a photo has it.
 */
import type { ScanPhotoRecord } from '../manifest/schema.ts';
import type { Vec3 } from './vector.ts';

export type ScanPhotoProjectionRecord = ScanPhotoRecord['projection'];

/** Why a photo cannot be laid over the points (its projection states no usable geometry), or null. */
export function unprojectableReason(p: ScanPhotoProjectionRecord): string | null {
  if (p.kind === 'reference') return 'it is a reference picture with no projection';
  if (p.width <= 0 || p.height <= 0) return 'it states no image size';
  if (p.kind === 'pinhole' && !(p.focalLength > 0 && p.pixelWidth > 0 && p.pixelHeight > 0))
    return 'its pinhole projection states no focal length or pixel size';
  if (p.kind !== 'pinhole' && !(p.pixelWidth > 0 && p.pixelHeight > 0)) return 'its projection states no pixel size';
  if (p.kind === 'cylindrical' && !(p.radius > 0)) return 'its cylinder has no radius';
  return null;
}

/** The azimuth's column: shared by spherical and cylindrical photos. */
function azimuthColumn(width: number, pixelWidth: number, d: Vec3): number {
  return width / 2 - 0.5 - Math.atan2(d[1], d[0]) / pixelWidth;
}

function inside(p: { width: number; height: number }, x: number, y: number): { x: number; y: number } | null {
  return x >= -0.5 && x <= p.width - 0.5 && y >= -0.5 && y <= p.height - 0.5 ? { x, y } : null;
}

/** The pixel a direction (photo frame) lands on, or null when it misses the image or the photo has no geometry. */
export function photoPixelOf(p: ScanPhotoProjectionRecord, d: Vec3): { x: number; y: number } | null {
  if (unprojectableReason(p)) return null;
  switch (p.kind) {
    case 'pinhole':
      if (d[2] <= 0) return null;
      return inside(
        p,
        p.principalPointX + ((p.focalLength / p.pixelWidth) * d[0]) / d[2],
        p.principalPointY + ((p.focalLength / p.pixelHeight) * d[1]) / d[2],
      );
    case 'spherical': {
      const elevation = Math.atan2(d[2], Math.hypot(d[0], d[1]));
      return inside(p, azimuthColumn(p.width, p.pixelWidth, d), p.height / 2 - 0.5 - elevation / p.pixelHeight);
    }
    case 'cylindrical': {
      const across = Math.hypot(d[0], d[1]);
      if (across === 0) return null;
      return inside(
        p,
        azimuthColumn(p.width, p.pixelWidth, d),
        p.principalPointY - (p.radius * d[2]) / across / p.pixelHeight,
      );
    }
    default:
      return null;
  }
}

/** Rotates a scene-frame offset into the photo's frame: the inverse of the pose's rotation (w, x, y, z). */
export function intoPhotoFrame(rotation: readonly [number, number, number, number], v: Vec3): Vec3 {
  const [w, x, y, z] = rotation;
  // q⁻¹ v q for a unit quaternion: rotate by the conjugate.
  const [qx, qy, qz] = [-x, -y, -z];
  const tx = 2 * (qy * v[2] - qz * v[1]);
  const ty = 2 * (qz * v[0] - qx * v[2]);
  const tz = 2 * (qx * v[1] - qy * v[0]);
  return [
    v[0] + w * tx + (qy * tz - qz * ty),
    v[1] + w * ty + (qz * tx - qx * tz),
    v[2] + w * tz + (qx * ty - qy * tx),
  ];
}
