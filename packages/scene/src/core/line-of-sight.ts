/**
 * Line of sight from an eye point to a target, tested against points one at a time (the viewer feeds it
 * the points it draws; a server or a render job can feed it any other set). Displayed frame.
 *
 * The sight line is a tube of `radius` around the segment: it is blocked by the point nearest the eye
 * that lies inside the tube, away from both ends by twice the radius (so the eye's and the target's own
 * surfaces do not block it). The radius should be about the point spacing, so a surface has no gaps to
 * see through.
 */
import type { Vec3 } from './vector.ts';

export interface SightResult {
  visible: boolean;
  /** The first point (displayed frame) inside the tube, from the eye; null when visible. */
  blocking: Vec3 | null;
  /** From the eye to the blocking point, or the whole length when visible. */
  distance: number;
}

/** An axis-aligned box (displayed frame) outside which points are ignored: the viewer's clipping box. */
export interface ClipBox {
  readonly min: Vec3;
  readonly max: Vec3;
}

export class SightLine {
  readonly length: number;
  private readonly ux: number;
  private readonly uy: number;
  private readonly uz: number;
  private readonly r2: number;
  private readonly guard: number;
  private nearest = Infinity;
  private blocking: Vec3 | null = null;

  constructor(
    readonly eye: Vec3,
    readonly target: Vec3,
    readonly radius: number,
    private readonly clip: ClipBox | null = null,
  ) {
    const dx = target[0] - eye[0],
      dy = target[1] - eye[1],
      dz = target[2] - eye[2];
    this.length = Math.hypot(dx, dy, dz);
    const inv = this.length === 0 ? 0 : 1 / this.length;
    this.ux = dx * inv;
    this.uy = dy * inv;
    this.uz = dz * inv;
    this.r2 = radius * radius;
    this.guard = radius * 2;
  }

  /** Where the ray starts and stops counting (for a mesh ray cast along `direction`). */
  get span(): { near: number; far: number } {
    return { near: this.guard, far: this.length - this.guard };
  }

  get direction(): Vec3 {
    return [this.ux, this.uy, this.uz];
  }

  /** Tests one point; the nearest blocking point so far is kept. */
  test(x: number, y: number, z: number): void {
    const rx = x - this.eye[0],
      ry = y - this.eye[1],
      rz = z - this.eye[2];
    const t = rx * this.ux + ry * this.uy + rz * this.uz;
    if (t < this.guard || t > this.length - this.guard || t >= this.nearest) return;
    const px = rx - t * this.ux,
      py = ry - t * this.uy,
      pz = rz - t * this.uz;
    if (px * px + py * py + pz * pz > this.r2) return;
    if (this.clip && !insideBox(this.clip, x, y, z)) return;
    this.nearest = t;
    this.blocking = [x, y, z];
  }

  /** A surface hit found another way (a mesh ray cast), `t` from the eye along the line. */
  hit(t: number, at: Vec3): void {
    if (t >= this.guard && t <= this.length - this.guard && t < this.nearest) {
      this.nearest = t;
      this.blocking = at;
    }
  }

  result(): SightResult {
    if (this.length === 0) return { visible: true, blocking: null, distance: 0 };
    return {
      visible: this.blocking === null,
      blocking: this.blocking,
      distance: this.blocking ? this.nearest : this.length,
    };
  }
}

export function insideBox(box: ClipBox, x: number, y: number, z: number): boolean {
  return x >= box.min[0] && y >= box.min[1] && z >= box.min[2] && x <= box.max[0] && y <= box.max[1] && z <= box.max[2];
}
