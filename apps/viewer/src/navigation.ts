/**
 * Navigation as a three.js `Controls`: orbit, pan and zoom with the mouse (an OrbitControls underneath,
 * remade when the camera changes between perspective and orthographic), keyboard flying and walking,
 * the top/front/side views, focusing on a point, and the camera of a photo viewpoint. All in the
 * displayed frame (+Z up).
 */
import { Box3, Controls, OrthographicCamera, PerspectiveCamera, Quaternion, Vector3 } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Vec3 } from '@vestige/scene/core';

export type ViewCamera = PerspectiveCamera | OrthographicCamera;

interface NavigationEvents {
  change: object;
}

/** Keys that move the camera while held. */
const FLY_KEYS = new Set([
  'w',
  'a',
  's',
  'd',
  'q',
  'e',
  'arrowleft',
  'arrowright',
  'arrowup',
  'arrowdown',
  '+',
  '=',
  '-',
  'shift',
]);
const DEFAULT_FOV = 60;

export class NavigationControls extends Controls<NavigationEvents> {
  declare object: ViewCamera;
  /** Walking keeps the eye height: W A S D move level, Q and E do nothing. */
  walk = false;
  private orbit: OrbitControls;
  private readonly held = new Set<string>();
  /**
   * A camera-path pose is shown: its rotation (which may roll a little between keyframes) is kept until the user moves.
   */
  private posed = false;
  private initialView: { position: Vector3; target: Vector3 } | null = null;
  private readonly onBlur = () => this.held.clear();
  private readonly onKeyUp = (e: KeyboardEvent) => this.held.delete(e.key.toLowerCase());

  constructor(
    readonly perspective: PerspectiveCamera,
    readonly ortho: OrthographicCamera,
    domElement: HTMLElement,
    /** The scene's bounds (displayed frame), grown while layers load. */
    private readonly bounds: Box3,
  ) {
    super(perspective, domElement);
    this.orbit = this.makeOrbit(perspective);
    this.connect(domElement);
  }

  get camera(): ViewCamera {
    return this.object;
  }

  get target(): Vector3 {
    return this.orbit.target;
  }

  get isOrthographic(): boolean {
    return this.object === this.ortho;
  }

  override connect(element: HTMLElement): void {
    super.connect(element);
    window.addEventListener('keyup', this.onKeyUp);
    window.addEventListener('blur', this.onBlur);
  }

  override disconnect(): void {
    window.removeEventListener('keyup', this.onKeyUp);
    window.removeEventListener('blur', this.onBlur);
  }

  override dispose(): void {
    this.disconnect();
    this.orbit.dispose();
  }

  /** Moves by the keys held for `delta` seconds; true when the camera changed. */
  override update(delta = 0): boolean {
    let moved = false;
    if (this.held.size > 0) {
      this.flyStep(Math.min(delta, 0.1));
      moved = true;
    }
    // OrbitControls re-aims the camera at its target with +Z up on every update; a path pose keeps its own rotation.
    if (this.posed) return moved;
    return this.orbit.update() || moved;
  }

  /** The UI routes key presses here; returns false for a key that does not move the camera. */
  holdKey(key: string, held: boolean): boolean {
    const k = key.toLowerCase();
    if (!FLY_KEYS.has(k)) return false;
    if (held) this.held.add(k);
    else this.held.delete(k);
    this.posed = false;
    this.changed();
    return true;
  }

  private makeOrbit(camera: ViewCamera): OrbitControls {
    const c = new OrbitControls(camera, this.domElement);
    c.enableDamping = false;
    c.screenSpacePanning = true;
    c.zoomToCursor = true;
    c.keys = { LEFT: '', UP: '', RIGHT: '', BOTTOM: '' };
    c.addEventListener('change', () => this.changed());
    c.addEventListener('start', () => (this.posed = false));
    return c;
  }

  private changed(): void {
    this.dispatchEvent({ type: 'change' });
  }

  useCamera(camera: ViewCamera): void {
    if (this.object === camera) return;
    const target = this.orbit.target.clone();
    this.orbit.dispose();
    this.object = camera;
    this.orbit = this.makeOrbit(camera);
    this.orbit.target.copy(target);
  }

  updateOrthoFrustum(aspect: number): void {
    const size = this.bounds.isEmpty() ? 10 : this.bounds.getSize(new Vector3()).length() * 0.6;
    Object.assign(this.ortho, {
      top: size,
      bottom: -size,
      left: -size * aspect,
      right: size * aspect,
      near: -size * 20,
      far: size * 20,
    });
    this.ortho.updateProjectionMatrix();
  }

  /** Looks at the whole scene from the front, a little above. */
  resetView(): void {
    this.useCamera(this.perspective);
    const center = this.bounds.getCenter(new Vector3());
    const radius = Math.max(this.bounds.getSize(new Vector3()).length() / 2, 0.5);
    const dist = radius / Math.sin((this.perspective.fov * Math.PI) / 360);
    this.perspective.near = Math.max(radius / 2000, 0.01);
    this.perspective.far = dist * 20 + radius * 4;
    this.perspective.updateProjectionMatrix();
    this.perspective.position.set(center.x, center.y - dist * 0.75, center.z + dist * 0.65);
    this.orbit.target.copy(center);
    this.orbit.update();
    this.updateOrthoFrustum(this.perspective.aspect);
    this.changed();
  }

  rememberInitialView(): void {
    this.initialView = { position: this.object.position.clone(), target: this.orbit.target.clone() };
  }

  restoreInitialView(): void {
    if (!this.initialView) return this.resetView();
    this.useCamera(this.perspective);
    this.perspective.position.copy(this.initialView.position);
    this.orbit.target.copy(this.initialView.target);
    this.orbit.update();
    this.changed();
  }

  /** Top, front or side orthographic view of the whole scene. */
  orthoView(which: 'top' | 'front' | 'side', aspect: number): void {
    this.useCamera(this.ortho);
    const center = this.bounds.getCenter(new Vector3());
    const dist = this.bounds.getSize(new Vector3()).length() * 2 + 1;
    const dir =
      which === 'top' ? new Vector3(0, 0, 1) : which === 'front' ? new Vector3(0, -1, 0) : new Vector3(1, 0, 0);
    this.ortho.up.set(0, which === 'top' ? 1 : 0, which === 'top' ? 0 : 1);
    this.ortho.position.copy(center).addScaledVector(dir, dist);
    this.ortho.zoom = 1;
    this.updateOrthoFrustum(aspect);
    this.orbit.target.copy(center);
    this.orbit.update();
    this.changed();
  }

  perspectiveView(): void {
    const target = this.orbit.target.clone();
    const pos = this.object.position.clone();
    if (this.isOrthographic) {
      // Keep what was in view: back off so the perspective view shows the same height of the scene.
      const visible = (this.ortho.top - this.ortho.bottom) / this.ortho.zoom;
      const d = visible / 2 / Math.tan((this.perspective.fov * Math.PI) / 360);
      pos.sub(target).setLength(d).add(target);
    }
    this.useCamera(this.perspective);
    this.perspective.up.set(0, 0, 1);
    this.perspective.position.copy(pos);
    this.orbit.target.copy(target);
    this.orbit.update();
    this.changed();
  }

  /** Turns to a point and comes closer, keeping the viewing direction. */
  focus(point: Vec3): void {
    const target = new Vector3(...point);
    const offset = this.object.position.clone().sub(this.orbit.target);
    offset.setLength(Math.min(offset.length(), Math.max(this.bounds.getSize(new Vector3()).length() * 0.15, 1)));
    this.orbit.target.copy(target);
    this.object.position.copy(target).add(offset);
    this.orbit.update();
    this.changed();
  }

  setCamera(
    position: Vec3,
    target: Vec3,
    projection: 'perspective' | 'orthographic' = 'perspective',
    zoom?: number,
  ): void {
    this.posed = false;
    this.useCamera(projection === 'orthographic' ? this.ortho : this.perspective);
    this.object.position.set(...position);
    this.orbit.target.set(...target);
    if (zoom && this.isOrthographic) {
      this.ortho.zoom = zoom;
      this.ortho.updateProjectionMatrix();
    }
    this.orbit.update();
    this.changed();
  }

  /**
   * A camera-path pose exactly as the scene core samples it (position, rotation, field of view, displayed
   * frame), the same camera render mode sets for a farm frame. The orbit target goes where the pose looks,
   * at its focus distance, so orbiting afterwards turns about that point.
   */
  showPose(
    position: Vec3,
    quaternion: readonly [number, number, number, number],
    fov: number,
    focusDistance: number,
  ): void {
    this.useCamera(this.perspective);
    this.perspective.up.set(0, 0, 1);
    this.perspective.position.set(...position);
    this.perspective.quaternion.set(...quaternion);
    this.perspective.fov = fov;
    this.perspective.updateProjectionMatrix();
    const forward = new Vector3(0, 0, -1).applyQuaternion(this.perspective.quaternion);
    this.orbit.target.copy(this.perspective.position).addScaledVector(forward, focusDistance);
    this.posed = true;
    this.changed();
  }

  /** A photo's camera: its position, viewing direction, up and vertical field of view (degrees). */
  lookFrom(position: Vec3, forward: Vector3, up: Vector3, fovY: number): void {
    this.useCamera(this.perspective);
    this.perspective.fov = fovY;
    this.perspective.up.copy(up);
    this.perspective.updateProjectionMatrix();
    this.perspective.position.set(...position);
    this.orbit.target.copy(new Vector3(...position).addScaledVector(forward, 2));
    this.orbit.update();
    this.changed();
  }

  /** Back to the viewer's own lens after a photo. */
  resetLens(): void {
    this.perspective.fov = DEFAULT_FOV;
    this.perspective.up.set(0, 0, 1);
    this.perspective.updateProjectionMatrix();
    this.changed();
  }

  /** Keyboard flying: W/S forward and back, A/D sideways, Q/E down and up, arrows turn. Walking keeps the height. */
  private flyStep(dt: number): void {
    const size = this.bounds.getSize(new Vector3()).length() || 10;
    const speed = (this.held.has('shift') ? 0.6 : 0.2) * size * dt;
    const forward = this.orbit.target.clone().sub(this.object.position);
    if (this.walk) forward.z = 0;
    forward.normalize();
    const right = new Vector3().crossVectors(forward, this.object.up).normalize();
    const move = new Vector3();
    if (this.held.has('w')) move.add(forward);
    if (this.held.has('s')) move.sub(forward);
    if (this.held.has('d')) move.add(right);
    if (this.held.has('a')) move.sub(right);
    if (!this.walk && this.held.has('e')) move.z += 1;
    if (!this.walk && this.held.has('q')) move.z -= 1;
    if (move.lengthSq() > 0) {
      move.normalize().multiplyScalar(speed);
      this.object.position.add(move);
      this.orbit.target.add(move);
    }
    this.turn(dt);
    if (this.held.has('+') || this.held.has('=')) this.dolly(1 - dt);
    if (this.held.has('-')) this.dolly(1 + dt);
  }

  /** Turns the view direction about the eye (first-person), not about the target. */
  private turn(dt: number): void {
    const step = 1.2 * dt;
    const yaw = (this.held.has('arrowleft') ? step : 0) - (this.held.has('arrowright') ? step : 0);
    const pitch = (this.held.has('arrowup') ? step : 0) - (this.held.has('arrowdown') ? step : 0);
    if (yaw === 0 && pitch === 0) return;
    const dir = this.orbit.target.clone().sub(this.object.position);
    dir.applyQuaternion(new Quaternion().setFromAxisAngle(new Vector3(0, 0, 1), yaw));
    const side = new Vector3().crossVectors(dir, new Vector3(0, 0, 1)).normalize();
    const pitched = dir.clone().applyQuaternion(new Quaternion().setFromAxisAngle(side, pitch));
    if (Math.abs(pitched.clone().normalize().z) < 0.98) dir.copy(pitched);
    this.orbit.target.copy(this.object.position).add(dir);
  }

  private dolly(factor: number): void {
    if (this.isOrthographic) {
      this.ortho.zoom /= factor;
      this.ortho.updateProjectionMatrix();
      return;
    }
    const offset = this.object.position.clone().sub(this.orbit.target).multiplyScalar(factor);
    this.object.position.copy(this.orbit.target).add(offset);
  }
}
