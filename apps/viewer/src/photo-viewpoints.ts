/**
 * Photo viewpoints: each camera of the scene drawn as a small frustum, and "look through" a photo — the
 * camera set from the photo's pose and intrinsics (through the scene's transform) with the photograph
 * laid over the view at a chosen opacity.
 */
import {
  BufferGeometry,
  Float32BufferAttribute,
  LineBasicMaterial,
  LineSegments,
  Matrix4,
  Quaternion,
  Vector3,
  type Box3,
  type Group,
} from 'three';
import type { PhotoViewpoint, Vec3 } from '@vestige/scene/core';
import { IntegrityError, type Api } from './api.ts';
import type { NavigationControls } from './navigation.ts';

export class PhotoViewpoints {
  active: PhotoViewpoint | null = null;
  private photoUrl: string | null = null;

  constructor(
    readonly viewpoints: readonly PhotoViewpoint[],
    private readonly deps: {
      api: Api;
      navigation: NavigationControls;
      transform: Matrix4;
      origin: readonly number[];
      toWorld(source: Vec3): Vec3;
      container: HTMLElement;
      warn(message: string): void;
    },
  ) {}

  /** Frustum outlines in the layer frame (origin-relative source frame). */
  draw(frame: Group, bounds: Box3): void {
    const mat = new LineBasicMaterial({ color: 0x66d9ff });
    const s = Math.max(bounds.getSize(new Vector3()).length() * 0.015, 0.1);
    const o = this.deps.origin;
    for (const v of this.viewpoints) {
      const hw = (s * v.intrinsics.width) / 2 / v.intrinsics.fx;
      const hh = (s * v.intrinsics.height) / 2 / v.intrinsics.fy;
      const c = [
        [-hw, -hh, -s],
        [hw, -hh, -s],
        [hw, hh, -s],
        [-hw, hh, -s],
      ] as const;
      const pts: number[] = [];
      for (const p of c) pts.push(0, 0, 0, ...p);
      for (let i = 0; i < 4; i++) pts.push(...c[i]!, ...c[(i + 1) % 4]!);
      const g = new BufferGeometry();
      g.setAttribute('position', new Float32BufferAttribute(pts, 3));
      const seg = new LineSegments(g, mat);
      seg.position.set(v.pose.position[0] - o[0]!, v.pose.position[1] - o[1]!, v.pose.position[2] - o[2]!);
      seg.quaternion.set(...v.pose.quaternion);
      seg.name = `viewpoint:${v.id}`;
      frame.add(seg);
    }
  }

  async lookThrough(v: PhotoViewpoint, overlay: HTMLImageElement): Promise<void> {
    const [qx, qy, qz, qw] = v.pose.quaternion;
    // The pose is in the source frame; carry its rotation through the scene transform.
    const q = new Quaternion(qx, qy, qz, qw).premultiply(
      new Quaternion().setFromRotationMatrix(new Matrix4().extractRotation(this.deps.transform)),
    );
    const fovY = (2 * Math.atan(v.intrinsics.height / 2 / v.intrinsics.fy) * 180) / Math.PI;
    this.deps.navigation.lookFrom(
      this.deps.toWorld(v.pose.position),
      new Vector3(0, 0, -1).applyQuaternion(q),
      new Vector3(0, 1, 0).applyQuaternion(q),
      fovY,
    );
    this.active = v;
    overlay.hidden = true;
    if (!v.image?.sha256) return;
    try {
      const bytes = await this.deps.api.verifiedBlob(v.image.sha256, `photo ${v.name}`);
      if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
      this.photoUrl = URL.createObjectURL(new Blob([bytes]));
      overlay.src = this.photoUrl;
      // The photo covers the vertical field of view; its width follows its own aspect.
      const w = this.deps.container.clientWidth;
      const ph = this.deps.container.clientHeight;
      const pw = (ph * v.intrinsics.width) / v.intrinsics.height;
      Object.assign(overlay.style, { width: `${pw}px`, height: `${ph}px`, left: `${(w - pw) / 2}px`, top: '0px' });
      overlay.hidden = false;
    } catch (err) {
      this.deps.warn(err instanceof IntegrityError ? err.message : `Photo ${v.name}: ${(err as Error).message}`);
    }
  }

  /** Back to the viewer's own camera; returns false when no photo was being looked through. */
  leave(): boolean {
    if (!this.active) return false;
    this.active = null;
    this.deps.navigation.resetLens();
    const overlay = document.getElementById('photo-overlay') as HTMLImageElement | null;
    if (overlay) overlay.hidden = true;
    return true;
  }
}
