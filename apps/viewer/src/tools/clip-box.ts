/**
 * The clipping box (as Potree's ClippingTool): points outside it are not drawn and cannot be picked or
 * block a line of sight. Displayed frame; drawn as an outline.
 */
import { Box3, Box3Helper, Vector3, type Scene } from 'three';
import type { ClipBox as CoreClipBox } from '@vestige/scene/core';
import type { SharedPointUniforms } from '../point-material.ts';

export class ClippingBox {
  box: Box3 | null = null;
  private helper: Box3Helper | null = null;

  constructor(
    private readonly scene: Scene,
    private readonly uniforms: SharedPointUniforms,
    private readonly bounds: Box3,
  ) {}

  set(box: Box3 | null): void {
    this.box = box;
    this.uniforms.uClip.value = box !== null;
    if (box) {
      this.uniforms.uClipMin.value.copy(box.min);
      this.uniforms.uClipMax.value.copy(box.max);
    }
    if (this.helper) this.scene.remove(this.helper);
    this.helper = box ? new Box3Helper(box, 0xffc14d) : null;
    if (this.helper) this.scene.add(this.helper);
  }

  /** On with a box around the middle of the scene, or off. */
  toggle(): void {
    this.set(this.box ? null : this.defaultBox());
  }

  defaultBox(): Box3 {
    const c = this.bounds.getCenter(new Vector3());
    const s = this.bounds.getSize(new Vector3()).multiplyScalar(0.3);
    return new Box3(c.clone().sub(s), c.clone().add(s));
  }

  /** The box as the scene core takes it (line of sight), or null. */
  get core(): CoreClipBox | null {
    return this.box ? { min: this.box.min.toArray(), max: this.box.max.toArray() } : null;
  }
}
