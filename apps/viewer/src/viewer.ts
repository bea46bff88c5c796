/**
 * The scene viewer: renderer, cameras and navigation, layers, and the investigative tools.
 *
 * Frames: layers hang under `frame`, whose matrix is the manifest's `transform`, and whose children are
 * in the origin-relative source frame (source − origin.offset, done in double precision). The camera,
 * measurements and overlays live in the displayed ("world") frame. Measurements are computed in the
 * displayed frame and stored in the source frame, as the manifest prescribes.
 */
import {
  AmbientLight, Box3, Box3Helper, BufferGeometry, Color, DirectionalLight, Float32BufferAttribute, Group, Line, LineBasicMaterial, LineSegments, Matrix4,
  Mesh, MeshBasicMaterial, OrthographicCamera, PerspectiveCamera, Points, PointsMaterial, Quaternion, Scene, SphereGeometry, Vector3, WebGLRenderer,
  type Object3D,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { Api, IntegrityError } from './api.ts';
import { EyeDomeLighting } from './edl.ts';
import { MAX_POINTS, MIN_POINTS, measure, niceScaleLength, type MeasurementKind, type Vec3 } from './measure.ts';
import { lineOfSight, pickPoint, worldPerPixelAt, type PickResult, type SightResult } from './picking.ts';
import { COLOR_MODES, pointMaterial, sharedPointUniforms, type ColorMode } from './point-material.ts';
import { PotreeLayer, type PointCloudLayerRef } from './potree.ts';
import type { Manifest, MarkerRecord, MeasurementRecord, AnnotationRecord, SavedView, Viewpoint } from './types.ts';

export type ToolName = MeasurementKind | 'marker' | 'annotation' | 'sight';

export interface ViewerCallbacks {
  warn(message: string): void;
  status(message: string): void;
  changed(): void;
}

export interface SightLine {
  id: string;
  eye: Vec3;
  target: Vec3;
  result: SightResult;
}

const PICK_RADIUS_PX = 6;

export class Viewer {
  readonly renderer: WebGLRenderer;
  readonly scene = new Scene();
  readonly frame = new Group();
  readonly overlay = new Group();
  readonly perspective: PerspectiveCamera;
  readonly ortho: OrthographicCamera;
  camera: PerspectiveCamera | OrthographicCamera;
  controls: OrbitControls;
  readonly uniforms = sharedPointUniforms();
  readonly layers: PotreeLayer[] = [];
  readonly meshes: Object3D[] = [];
  readonly edl: EyeDomeLighting;
  readonly bounds = new Box3();
  readonly transform = new Matrix4();
  readonly inverse = new Matrix4();

  measurements: MeasurementRecord[] = [];
  markers: MarkerRecord[] = [];
  annotations: AnnotationRecord[] = [];
  views: SavedView[] = [];
  sightLines: SightLine[] = [];
  viewpoints: Viewpoint[] = [];
  /** Markers that came with the scene build (read-only). */
  builtMarkers: MarkerRecord[] = [];

  tool: ToolName | null = null;
  pending: Vec3[] = [];
  lastPick: PickResult | null = null;
  colorMode: ColorMode = 'rgb';
  pointBudget = 2_000_000;
  maxScreenError = 1.5;
  useEdl = false;
  clipBox: Box3 | null = null;
  eyeHeight = 1.6;
  walk = false;
  firstFrameAt: number | null = null;
  private clipHelper: Box3Helper | null = null;
  private needsRender = true;
  private loading = true;
  private readonly keys = new Set<string>();
  private lastTime = performance.now();
  private pendingObject: Object3D | null = null;
  private pickMarker: Points | null = null;
  private initialView: { position: Vector3; target: Vector3 } | null = null;

  constructor(
    readonly container: HTMLElement,
    readonly manifest: Manifest,
    readonly api: Api,
    readonly info: { caseReference: string; caseName: string; readOnly: boolean; operator: string },
    private readonly cb: ViewerCallbacks,
  ) {
    this.renderer = new WebGLRenderer({ antialias: false, powerPreference: 'high-performance' });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(new Color(0x14181d));
    this.renderer.autoClear = true;
    container.appendChild(this.renderer.domElement);
    this.renderer.domElement.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      this.cb.warn('The graphics context was lost (the GPU was reset or ran out of memory). Reload the page to continue; saved work is kept in the case.');
    });

    this.transform.fromArray(manifest.transform);
    this.inverse.copy(this.transform).invert();
    this.frame.matrixAutoUpdate = false;
    this.frame.matrix.copy(this.transform);
    this.scene.add(this.frame, this.overlay);
    this.scene.add(new AmbientLight(0xffffff, 1.2));
    const sun = new DirectionalLight(0xffffff, 1.5);
    sun.position.set(1, -2, 3);
    this.scene.add(sun);

    const { clientWidth: w, clientHeight: h } = container;
    this.perspective = new PerspectiveCamera(60, w / Math.max(h, 1), 0.05, 5000);
    this.perspective.up.set(0, 0, 1);
    this.ortho = new OrthographicCamera(-10, 10, 10, -10, -5000, 5000);
    this.ortho.up.set(0, 0, 1);
    this.camera = this.perspective;
    this.controls = this.makeControls(this.camera);
    this.edl = new EyeDomeLighting(w, h);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
    this.installInput();
  }

  // ---- loading ------------------------------------------------------------------------------

  async load(): Promise<void> {
    const origin = this.manifest.origin.offset;
    const tasks: Promise<void>[] = [];
    for (const layer of this.manifest.layers) {
      if (layer.type === 'pointcloud') {
        const pl = new PotreeLayer(layer as PointCloudLayerRef, this.api, this.manifest.id, origin, this.uniforms, {
          onWarning: (m) => this.cb.warn(m),
          onNodeLoaded: () => this.invalidate(),
        });
        this.layers.push(pl);
        this.frame.add(pl.group);
        tasks.push(
          pl.open().then(
            () => {
              this.bounds.union(pl.bounds.clone().applyMatrix4(this.transform));
            },
            (err: unknown) => this.cb.warn(err instanceof IntegrityError ? err.message : `${layer.name}: ${(err as Error).message}`),
          ),
        );
      } else if (layer.type === 'mesh') {
        tasks.push(this.loadMesh(layer.id, layer.name, layer.file.sha256, layer.bounds, layer.offset ?? [0, 0, 0]));
      } else if (layer.type === 'viewpoints') {
        for (const v of layer.viewpoints) this.viewpoints.push(v);
      } else if (layer.type === 'markers') {
        for (const m of layer.markers) this.builtMarkers.push({ ...m, builtIn: true });
      } else if (layer.type === 'measurements') {
        for (const m of layer.measurements) this.measurements.push({ ...m, builtIn: true });
      } else if (layer.type === 'annotations') {
        for (const a of layer.annotations) this.annotations.push({ ...a, builtIn: true });
      }
    }
    await Promise.all(tasks);
    const anyRgb = this.layers.some((l) => l.hasRgb);
    if (!anyRgb) {
      this.colorMode = this.layers.some((l) => l.hasIntensity) ? 'intensity' : 'uniform';
      this.useEdl = true;
    }
    this.setColorMode(this.colorMode);
    if (this.bounds.isEmpty()) this.bounds.set(new Vector3(-5, -5, -5), new Vector3(5, 5, 5));
    this.uniforms.uHeightRange.value.set(this.bounds.min.z, this.bounds.max.z);
    this.drawViewpoints();
    this.resetView();
    this.initialView = { position: this.camera.position.clone(), target: this.controls.target.clone() };
    await this.loadRecords();
    this.invalidate();
  }

  private async loadMesh(id: string, name: string, sha256: string, bounds: { min: Vec3; max: Vec3 }, offset: Vec3): Promise<void> {
    try {
      const bytes = await this.api.verifiedBlob(sha256, `${name}: mesh`);
      // Loaded on demand: most scenes have no mesh, and the first frame should not wait for this code.
      const { GLTFLoader } = await import('three/examples/jsm/loaders/GLTFLoader.js');
      const gltf = await new GLTFLoader().parseAsync(bytes, '');
      const g = new Group();
      g.name = `mesh:${id}`;
      // glb vertices + layer offset = source frame; subtract the origin in double precision (in the matrix).
      const o = this.manifest.origin.offset;
      g.position.set(offset[0] - o[0], offset[1] - o[1], offset[2] - o[2]);
      g.add(gltf.scene);
      gltf.scene.traverse((child) => {
        child.name ||= name;
      });
      this.frame.add(g);
      this.meshes.push(g);
      this.bounds.union(new Box3(new Vector3(...bounds.min).sub(new Vector3(...o)), new Vector3(...bounds.max).sub(new Vector3(...o))).applyMatrix4(this.transform));
    } catch (err) {
      this.cb.warn(err instanceof IntegrityError ? err.message : `${name}: the mesh could not be loaded: ${(err as Error).message}`);
    }
  }

  private async loadRecords(): Promise<void> {
    const base = `scenes/${encodeURIComponent(this.manifest.id)}`;
    try {
      const [m, k, a, v] = await Promise.all([
        this.api.getJson<{ measurements: MeasurementRecord[] }>(`${base}/measurements`),
        this.api.getJson<{ markers: MarkerRecord[] }>(`${base}/markers`),
        this.api.getJson<{ annotations: AnnotationRecord[] }>(`${base}/annotations`),
        this.api.getJson<{ views: SavedView[] }>(`${base}/views`),
      ]);
      this.measurements.push(...m.measurements);
      this.markers = k.markers;
      this.annotations.push(...a.annotations);
      this.views = v.views;
    } catch (err) {
      this.cb.warn(`Saved measurements, markers and views could not be read: ${(err as Error).message}`);
    }
    this.rebuildOverlay();
    this.cb.changed();
  }

  /** Compiles the point shader while the network is busy, so the first frame does not wait for it. */
  precompile(): void {
    const dummy = new Points(new BufferGeometry(), pointMaterial(this.uniforms, 1));
    dummy.geometry.setAttribute('position', new Float32BufferAttribute([0, 0, 0], 3));
    dummy.geometry.setAttribute('rgb', new Float32BufferAttribute([0, 0, 0], 3));
    dummy.geometry.setAttribute('intensity', new Float32BufferAttribute([0], 1));
    this.scene.add(dummy);
    try {
      this.renderer.compile(this.scene, this.camera);
    } finally {
      this.scene.remove(dummy);
    }
  }

  // ---- frames ---------------------------------------------------------------------------------

  toWorld(source: Vec3): Vec3 {
    const o = this.manifest.origin.offset;
    const v = new Vector3(source[0] - o[0], source[1] - o[1], source[2] - o[2]).applyMatrix4(this.transform);
    return [v.x, v.y, v.z];
  }

  toSource(world: Vec3): Vec3 {
    const o = this.manifest.origin.offset;
    const v = new Vector3(...world).applyMatrix4(this.inverse);
    return [v.x + o[0], v.y + o[1], v.z + o[2]];
  }

  get units(): string {
    return this.manifest.units;
  }

  // ---- rendering ------------------------------------------------------------------------------

  invalidate(): void {
    this.needsRender = true;
  }

  get isLoading(): boolean {
    return this.loading;
  }

  start(): void {
    const tick = (now: number) => {
      requestAnimationFrame(tick);
      const dt = Math.min((now - this.lastTime) / 1000, 0.1);
      this.lastTime = now;
      if (this.keys.size > 0) this.flyStep(dt);
      if (this.controls.update()) this.needsRender = true;
      if (!this.needsRender && !this.loading) return;
      this.renderFrame();
    };
    requestAnimationFrame(tick);
  }

  renderFrame(): void {
    this.needsRender = false;
    this.camera.updateMatrixWorld();
    this.scene.updateMatrixWorld();
    const h = this.renderer.domElement.clientHeight || 1;
    this.uniforms.uOrtho.value = this.camera === this.ortho;
    this.uniforms.uScreenScale.value =
      this.camera === this.ortho ? (h * this.ortho.zoom) / (this.ortho.top - this.ortho.bottom) : h / (2 * Math.tan((this.perspective.fov * Math.PI) / 360));
    let loading = false;
    for (const layer of this.layers) {
      if (!layer.root) continue;
      if (layer.update(this.camera, h, this.pointBudget, this.maxScreenError)) loading = true;
    }
    this.loading = loading;
    if (this.useEdl) this.edl.render(this.renderer, this.scene, this.camera);
    else this.renderer.render(this.scene, this.camera);
    const drawn = this.layers.reduce((s, l) => s + l.visiblePoints, 0);
    if (this.firstFrameAt === null && (drawn > 0 || (this.layers.length === 0 && this.meshes.length > 0))) {
      this.firstFrameAt = performance.now();
      performance.mark('vestige:first-frame');
      document.body.dataset.firstFrame = String(Math.round(this.firstFrameAt));
    }
    this.updateLabels();
    this.cb.status(`${formatCount(drawn)} points drawn · ${formatCount(this.layers.reduce((s, l) => s + l.loadedPoints, 0))} loaded · ${(this.api.bytesReceived / 1e6).toFixed(1)} MB received${loading ? ' · loading…' : ''}`);
  }

  resize(): void {
    const w = this.container.clientWidth || 1;
    const h = this.container.clientHeight || 1;
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = `${w}px`;
    this.renderer.domElement.style.height = `${h}px`;
    this.perspective.aspect = w / h;
    this.perspective.updateProjectionMatrix();
    this.updateOrthoFrustum(w / h);
    const pr = this.renderer.getPixelRatio();
    this.edl.setSize(Math.round(w * pr), Math.round(h * pr));
    this.invalidate();
  }

  private updateOrthoFrustum(aspect: number): void {
    const size = this.bounds.isEmpty() ? 10 : this.bounds.getSize(new Vector3()).length() * 0.6;
    this.ortho.top = size;
    this.ortho.bottom = -size;
    this.ortho.left = -size * aspect;
    this.ortho.right = size * aspect;
    this.ortho.near = -size * 20;
    this.ortho.far = size * 20;
    this.ortho.updateProjectionMatrix();
  }

  // ---- navigation -----------------------------------------------------------------------------

  private makeControls(camera: PerspectiveCamera | OrthographicCamera): OrbitControls {
    const c = new OrbitControls(camera, this.renderer.domElement);
    c.enableDamping = false;
    c.screenSpacePanning = true;
    c.zoomToCursor = true;
    c.keys = { LEFT: '', UP: '', RIGHT: '', BOTTOM: '' };
    c.addEventListener('change', () => this.invalidate());
    return c;
  }

  private useCamera(camera: PerspectiveCamera | OrthographicCamera): void {
    if (this.camera === camera) return;
    const target = this.controls.target.clone();
    this.controls.dispose();
    this.camera = camera;
    this.controls = this.makeControls(camera);
    this.controls.target.copy(target);
  }

  resetView(): void {
    this.useCamera(this.perspective);
    const center = this.bounds.getCenter(new Vector3());
    const size = this.bounds.getSize(new Vector3());
    const radius = Math.max(size.length() / 2, 0.5);
    const dist = radius / Math.sin((this.perspective.fov * Math.PI) / 360);
    this.perspective.near = Math.max(radius / 2000, 0.01);
    this.perspective.far = dist * 20 + radius * 4;
    this.perspective.updateProjectionMatrix();
    this.perspective.position.set(center.x, center.y - dist * 0.75, center.z + dist * 0.65);
    this.controls.target.copy(center);
    this.controls.update();
    this.updateOrthoFrustum(this.perspective.aspect);
    this.leavePhoto();
    this.invalidate();
  }

  restoreInitialView(): void {
    if (!this.initialView) return this.resetView();
    this.useCamera(this.perspective);
    this.perspective.position.copy(this.initialView.position);
    this.controls.target.copy(this.initialView.target);
    this.controls.update();
    this.invalidate();
  }

  /** Top, front or side orthographic view of the whole scene. */
  orthoView(which: 'top' | 'front' | 'side'): void {
    this.leavePhoto();
    this.useCamera(this.ortho);
    const center = this.bounds.getCenter(new Vector3());
    const dist = this.bounds.getSize(new Vector3()).length() * 2 + 1;
    const dir = which === 'top' ? new Vector3(0, 0, 1) : which === 'front' ? new Vector3(0, -1, 0) : new Vector3(1, 0, 0);
    this.ortho.up.set(0, which === 'top' ? 1 : 0, which === 'top' ? 0 : 1);
    this.ortho.position.copy(center).addScaledVector(dir, dist);
    this.ortho.zoom = 1;
    this.updateOrthoFrustum((this.container.clientWidth || 1) / (this.container.clientHeight || 1));
    this.controls.target.copy(center);
    this.controls.update();
    this.invalidate();
  }

  perspectiveView(): void {
    const target = this.controls.target.clone();
    const pos = this.camera.position.clone();
    if (this.camera === this.ortho) {
      // Keep what was in view: back off so the perspective view shows the same height of the scene.
      const visible = (this.ortho.top - this.ortho.bottom) / this.ortho.zoom;
      const d = visible / 2 / Math.tan((this.perspective.fov * Math.PI) / 360);
      pos.sub(target).setLength(d).add(target);
    }
    this.useCamera(this.perspective);
    this.perspective.up.set(0, 0, 1);
    this.perspective.position.copy(pos);
    this.controls.target.copy(target);
    this.controls.update();
    this.invalidate();
  }

  focus(point: Vec3): void {
    const target = new Vector3(...point);
    const offset = this.camera.position.clone().sub(this.controls.target);
    const len = Math.min(offset.length(), Math.max(this.bounds.getSize(new Vector3()).length() * 0.15, 1));
    offset.setLength(len);
    this.controls.target.copy(target);
    this.camera.position.copy(target).add(offset);
    this.controls.update();
    this.invalidate();
  }

  setCamera(position: Vec3, target: Vec3, projection: 'perspective' | 'orthographic' = 'perspective', zoom?: number): void {
    this.useCamera(projection === 'orthographic' ? this.ortho : this.perspective);
    this.camera.position.set(...position);
    this.controls.target.set(...target);
    if (zoom && this.camera === this.ortho) {
      this.ortho.zoom = zoom;
      this.ortho.updateProjectionMatrix();
    }
    this.controls.update();
    this.invalidate();
  }

  /** Keyboard flying: W/S forward and back, A/D sideways, Q/E down and up, arrows turn. Walking keeps the height. */
  private flyStep(dt: number): void {
    const size = this.bounds.getSize(new Vector3()).length() || 10;
    const speed = (this.keys.has('shift') ? 0.6 : 0.2) * size * dt;
    const forward = this.controls.target.clone().sub(this.camera.position);
    if (this.walk) forward.z = 0;
    forward.normalize();
    const right = new Vector3().crossVectors(forward, this.camera.up).normalize();
    const move = new Vector3();
    if (this.keys.has('w')) move.add(forward);
    if (this.keys.has('s')) move.sub(forward);
    if (this.keys.has('d')) move.add(right);
    if (this.keys.has('a')) move.sub(right);
    if (!this.walk && this.keys.has('e')) move.z += 1;
    if (!this.walk && this.keys.has('q')) move.z -= 1;
    if (move.lengthSq() > 0) {
      move.normalize().multiplyScalar(speed);
      this.camera.position.add(move);
      this.controls.target.add(move);
    }
    const turn = 1.2 * dt;
    const yaw = (this.keys.has('arrowleft') ? turn : 0) - (this.keys.has('arrowright') ? turn : 0);
    const pitch = (this.keys.has('arrowup') ? turn : 0) - (this.keys.has('arrowdown') ? turn : 0);
    if (yaw !== 0 || pitch !== 0) {
      // Turn the view direction about the eye (first-person), not about the target.
      const dir = this.controls.target.clone().sub(this.camera.position);
      dir.applyQuaternion(new Quaternion().setFromAxisAngle(new Vector3(0, 0, 1), yaw));
      const side = new Vector3().crossVectors(dir, new Vector3(0, 0, 1)).normalize();
      const pitched = dir.clone().applyQuaternion(new Quaternion().setFromAxisAngle(side, pitch));
      if (Math.abs(pitched.clone().normalize().z) < 0.98) dir.copy(pitched);
      this.controls.target.copy(this.camera.position).add(dir);
    }
    if (this.keys.has('+') || this.keys.has('=')) this.dolly(1 - dt);
    if (this.keys.has('-')) this.dolly(1 + dt);
    this.invalidate();
  }

  private dolly(factor: number): void {
    if (this.camera === this.ortho) {
      this.ortho.zoom /= factor;
      this.ortho.updateProjectionMatrix();
      return;
    }
    const offset = this.camera.position.clone().sub(this.controls.target).multiplyScalar(factor);
    this.camera.position.copy(this.controls.target).add(offset);
  }

  // ---- input ----------------------------------------------------------------------------------

  private installInput(): void {
    const el = this.renderer.domElement;
    el.tabIndex = -1;
    let down: { x: number; y: number } | null = null;
    el.addEventListener('pointerdown', (e) => {
      down = { x: e.clientX, y: e.clientY };
    });
    el.addEventListener('pointerup', (e) => {
      if (!down || e.button !== 0) return;
      const moved = Math.hypot(e.clientX - down.x, e.clientY - down.y);
      down = null;
      if (moved > 4) return;
      const rect = el.getBoundingClientRect();
      this.clickAt(e.clientX - rect.left, e.clientY - rect.top);
    });
    el.addEventListener('dblclick', () => this.finishTool());
    window.addEventListener('keyup', (e) => this.keys.delete(e.key.toLowerCase()));
    window.addEventListener('blur', () => this.keys.clear());
  }

  /** Keys that move the camera while held (the UI routes key presses here). */
  holdKey(key: string, held: boolean): boolean {
    const k = key.toLowerCase();
    if (!['w', 'a', 's', 'd', 'q', 'e', 'arrowleft', 'arrowright', 'arrowup', 'arrowdown', '+', '=', '-', 'shift'].includes(k)) return false;
    if (held) this.keys.add(k);
    else this.keys.delete(k);
    this.invalidate();
    return true;
  }

  pick(x: number, y: number): PickResult | null {
    const el = this.renderer.domElement;
    this.camera.updateMatrixWorld();
    return pickPoint(this.camera, this.layers, this.meshes, { x, y, width: el.clientWidth, height: el.clientHeight, radiusPx: PICK_RADIUS_PX, clipBox: this.clipBox });
  }

  /** Keyboard picking: the point under the crosshair in the middle of the view. */
  pickAtCentre(): void {
    const el = this.renderer.domElement;
    this.clickAt(el.clientWidth / 2, el.clientHeight / 2);
  }

  /** A click in the view, in CSS pixels relative to the canvas. */
  clickAt(x: number, y: number): void {
    const hit = this.pick(x, y);
    if (!hit) {
      this.cb.status('No point under the cursor (nothing drawn there, or it is clipped away).');
      return;
    }
    this.lastPick = hit;
    this.showPick(hit);
    const src = this.toSource(hit.world);
    if (!this.tool) {
      this.cb.status(`Point ${fmtCoord(src)} (source frame) · ${hit.source}`);
      this.cb.changed();
      return;
    }
    this.pending.push(hit.world);
    if (this.tool === 'marker') return void this.addMarker(hit.world);
    if (this.tool === 'annotation') return void this.addAnnotation(hit.world);
    if (this.tool === 'sight') {
      if (this.pending.length === 1) {
        const eye: Vec3 = [hit.world[0], hit.world[1], hit.world[2] + this.eyeHeight];
        this.pending[0] = eye;
        this.cb.status(`Eye point set ${this.eyeHeight} ${this.units} above the picked point. Now pick the target.`);
      } else {
        this.finishSight();
      }
      this.drawPending();
      return;
    }
    this.drawPending();
    if (this.pending.length >= MAX_POINTS[this.tool]) void this.finishTool();
    else this.cb.status(`${this.pending.length} point(s) picked. ${this.tool === 'polyline' || this.tool === 'area' ? 'Double-click or press Enter to finish.' : 'Pick the next point.'}`);
  }

  selectTool(tool: ToolName | null): void {
    this.tool = tool;
    this.pending = [];
    this.drawPending();
    const hints: Record<ToolName, string> = {
      point: 'Click a point to read its coordinates.',
      distance: 'Click two points.',
      polyline: 'Click points along the path; Enter or double-click to finish.',
      height: 'Click the lower and the upper point.',
      angle: 'Click three points; the angle is at the second.',
      area: 'Click the corners; Enter or double-click to close the polygon.',
      marker: 'Click where the evidence marker goes.',
      annotation: 'Click where the note goes.',
      sight: `Click the eye point (the eye is ${this.eyeHeight} ${this.units} above it), then the target.`,
    };
    this.cb.status(tool ? hints[tool] : 'Navigation: drag to orbit, right-drag to pan, wheel to zoom.');
    this.cb.changed();
  }

  cancelTool(): void {
    this.pending = [];
    this.drawPending();
    this.leavePhoto();
    this.cb.status('Cancelled.');
  }

  async finishTool(): Promise<void> {
    const tool = this.tool;
    if (!tool || tool === 'marker' || tool === 'annotation' || tool === 'sight') return;
    if (this.pending.length < MIN_POINTS[tool]) return;
    const points = this.pending;
    this.pending = [];
    this.drawPending();
    const { value, unit } = measure(tool, points, this.units);
    const n = this.measurements.filter((m) => !m.builtIn).length + 1;
    if (tool === 'point') {
      // Coordinates are read, not kept: a marker keeps a position in the case.
      const src = this.toSource(points[0]!);
      this.cb.status(`Point ${fmtCoord(src)} (source frame). To keep a position in the case, place a marker (K).`);
      return;
    }
    const record: MeasurementRecord = {
      id: newId('m'),
      label: `${tool[0]!.toUpperCase()}${tool.slice(1)} ${n}`,
      kind: tool,
      points: points.map((p) => this.toSource(p)),
      value: Number.isFinite(value) ? value : 0,
      unit,
    };
    this.measurements.push(record);
    this.rebuildOverlay();
    this.cb.changed();
    await this.save('measurements', record);
  }

  private finishSight(): void {
    const [eye, target] = this.pending as [Vec3, Vec3];
    this.pending = [];
    this.sightBetween(eye, target);
  }

  /** Line of sight between two displayed-frame points, against what is drawn now; listed and drawn. */
  sightBetween(eye: Vec3, target: Vec3): SightResult {
    // Tube radius: about the point spacing of the finest levels drawn, so a surface has no gaps to see through.
    const finest = Math.max(0, ...this.layers.flatMap((l) => l.visibleNodes.map((n) => n.level)));
    const spacing = Math.min(...this.layers.filter((l) => l.root).map((l) => l.root.spacing / 2 ** finest), 0.05) * this.transform.getMaxScaleOnAxis();
    const result = lineOfSight(eye, target, this.layers, this.meshes, Math.max(spacing, 0.01), this.clipBox);
    this.sightLines.push({ id: newId('s'), eye, target, result });
    this.cb.status(
      result.visible
        ? `Line of sight: VISIBLE — nothing drawn blocks the ${formatLen(Math.hypot(target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]), this.units)} line.`
        : `Line of sight: BLOCKED at ${formatLen(result.distance, this.units)} from the eye, by the point ${fmtCoord(this.toSource(result.blocking!))}.`,
    );
    this.rebuildOverlay();
    this.cb.changed();
    return result;
  }

  async save(collection: 'measurements' | 'markers' | 'annotations' | 'views', record: { id: string; builtIn?: boolean; updatedAt?: string }): Promise<void> {
    if (this.info.readOnly) {
      this.cb.status('Read-only presentation: this is shown but not saved in the case.');
      return;
    }
    const { builtIn: _b, updatedAt: _u, ...value } = record as Record<string, unknown>;
    try {
      await this.api.putJson(`scenes/${encodeURIComponent(this.manifest.id)}/${collection}/${encodeURIComponent(record.id)}`, value);
      this.cb.status(`Saved in the case (custody log: ${this.info.operator}).`);
    } catch (err) {
      this.cb.warn(`Could not save ${collection.replace(/s$/, '')} ${record.id}: ${(err as Error).message}`);
    }
  }

  async remove(collection: 'measurements' | 'markers' | 'annotations' | 'views', id: string): Promise<void> {
    if (!this.info.readOnly) {
      try {
        await this.api.delete(`scenes/${encodeURIComponent(this.manifest.id)}/${collection}/${encodeURIComponent(id)}`);
      } catch (err) {
        this.cb.warn(`Could not delete ${id}: ${(err as Error).message}`);
        return;
      }
    }
    if (collection === 'measurements') this.measurements = this.measurements.filter((m) => m.id !== id);
    if (collection === 'markers') this.markers = this.markers.filter((m) => m.id !== id);
    if (collection === 'annotations') this.annotations = this.annotations.filter((m) => m.id !== id);
    if (collection === 'views') this.views = this.views.filter((m) => m.id !== id);
    this.rebuildOverlay();
    this.cb.changed();
  }

  private async addMarker(world: Vec3): Promise<void> {
    this.pending = [];
    const used = new Set([...this.markers, ...this.builtMarkers].map((m) => m.label));
    let n = 1;
    while (used.has(String(n))) n++;
    const marker: MarkerRecord = { id: newId('k'), label: String(n), position: this.toSource(world) };
    this.markers.push(marker);
    this.rebuildOverlay();
    this.cb.changed();
    await this.save('markers', marker);
  }

  private async addAnnotation(world: Vec3): Promise<void> {
    this.pending = [];
    const a: AnnotationRecord = { id: newId('a'), position: this.toSource(world), text: 'Note', author: this.info.operator, createdAt: new Date().toISOString() };
    this.annotations.push(a);
    this.rebuildOverlay();
    this.cb.changed();
    await this.save('annotations', a);
  }

  async saveView(name: string): Promise<void> {
    const v: SavedView = {
      id: newId('v'),
      name,
      camera: {
        projection: this.camera === this.ortho ? 'orthographic' : 'perspective',
        position: this.toSource([this.camera.position.x, this.camera.position.y, this.camera.position.z]),
        target: this.toSource([this.controls.target.x, this.controls.target.y, this.controls.target.z]),
        fov: this.perspective.fov,
        zoom: this.camera === this.ortho ? this.ortho.zoom : 1,
      },
      clipBox: this.clipBox ? { min: this.toSource(this.clipBox.min.toArray()), max: this.toSource(this.clipBox.max.toArray()) } : null,
      colorMode: this.colorMode,
      pointBudget: this.pointBudget,
    };
    this.views.push(v);
    this.cb.changed();
    await this.save('views', v);
  }

  applyView(v: SavedView): void {
    this.leavePhoto();
    this.setCamera(this.toWorld(v.camera.position), this.toWorld(v.camera.target), v.camera.projection, v.camera.zoom);
    if (v.colorMode && (COLOR_MODES as readonly string[]).includes(v.colorMode)) this.setColorMode(v.colorMode as ColorMode);
    if (v.clipBox) {
      const a = this.toWorld(v.clipBox.min);
      const b = this.toWorld(v.clipBox.max);
      this.setClipBox(new Box3(new Vector3(...a).min(new Vector3(...b)), new Vector3(...a).max(new Vector3(...b))));
    } else this.setClipBox(null);
    this.cb.changed();
  }

  setColorMode(mode: ColorMode): void {
    this.colorMode = mode;
    this.uniforms.uColorMode.value = COLOR_MODES.indexOf(mode);
    this.invalidate();
  }

  setClipBox(box: Box3 | null): void {
    this.clipBox = box;
    this.uniforms.uClip.value = box !== null;
    if (box) {
      this.uniforms.uClipMin.value.copy(box.min);
      this.uniforms.uClipMax.value.copy(box.max);
    }
    if (this.clipHelper) this.scene.remove(this.clipHelper);
    this.clipHelper = box ? new Box3Helper(box, 0xffc14d) : null;
    if (this.clipHelper) this.scene.add(this.clipHelper);
    this.invalidate();
  }

  /** A clipping box around the middle of the scene, to start from. */
  defaultClipBox(): Box3 {
    const c = this.bounds.getCenter(new Vector3());
    const s = this.bounds.getSize(new Vector3()).multiplyScalar(0.3);
    return new Box3(c.clone().sub(s), c.clone().add(s));
  }

  // ---- photo viewpoints -----------------------------------------------------------------------

  private photoUrl: string | null = null;
  activePhoto: Viewpoint | null = null;

  async lookThrough(v: Viewpoint, overlay: HTMLImageElement): Promise<void> {
    this.useCamera(this.perspective);
    const pos = this.toWorld(v.pose.position);
    const [qx, qy, qz, qw] = v.pose.quaternion;
    const q = new Quaternion(qx, qy, qz, qw);
    // The pose is in the source frame; carry its rotation through the scene transform.
    const rot = new Quaternion().setFromRotationMatrix(new Matrix4().extractRotation(this.transform));
    q.premultiply(rot);
    const forward = new Vector3(0, 0, -1).applyQuaternion(q);
    const up = new Vector3(0, 1, 0).applyQuaternion(q);
    const fovY = (2 * Math.atan(v.intrinsics.height / 2 / v.intrinsics.fy) * 180) / Math.PI;
    this.perspective.fov = fovY;
    this.perspective.up.copy(up);
    this.perspective.updateProjectionMatrix();
    this.perspective.position.set(...pos);
    this.controls.target.copy(new Vector3(...pos).addScaledVector(forward, 2));
    this.controls.update();
    this.activePhoto = v;
    overlay.hidden = true;
    if (v.image?.sha256) {
      try {
        const bytes = await this.api.verifiedBlob(v.image.sha256, `photo ${v.name}`);
        if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
        this.photoUrl = URL.createObjectURL(new Blob([bytes]));
        overlay.src = this.photoUrl;
        const w = this.container.clientWidth;
        const h = this.container.clientHeight;
        // The photo covers the vertical field of view; its width follows its own aspect.
        const ph = h;
        const pw = (ph * v.intrinsics.width) / v.intrinsics.height;
        overlay.style.width = `${pw}px`;
        overlay.style.height = `${ph}px`;
        overlay.style.left = `${(w - pw) / 2}px`;
        overlay.style.top = '0px';
        overlay.hidden = false;
      } catch (err) {
        this.cb.warn(err instanceof IntegrityError ? err.message : `Photo ${v.name}: ${(err as Error).message}`);
      }
    }
    this.cb.status(`Looking through ${v.name}. Esc to leave; the photo's opacity is in the panel.`);
    this.invalidate();
    this.cb.changed();
  }

  leavePhoto(): void {
    if (!this.activePhoto) return;
    this.activePhoto = null;
    this.perspective.fov = 60;
    this.perspective.up.set(0, 0, 1);
    this.perspective.updateProjectionMatrix();
    const overlay = document.getElementById('photo-overlay') as HTMLImageElement | null;
    if (overlay) overlay.hidden = true;
    this.invalidate();
    this.cb.changed();
  }

  private drawViewpoints(): void {
    const mat = new LineBasicMaterial({ color: 0x66d9ff });
    for (const v of this.viewpoints) {
      const s = Math.max(this.bounds.getSize(new Vector3()).length() * 0.015, 0.1);
      const hw = (s * v.intrinsics.width) / 2 / v.intrinsics.fx;
      const hh = (s * v.intrinsics.height) / 2 / v.intrinsics.fy;
      const c = [[-hw, -hh, -s], [hw, -hh, -s], [hw, hh, -s], [-hw, hh, -s]] as const;
      const pts: number[] = [];
      for (const p of c) pts.push(0, 0, 0, ...p);
      for (let i = 0; i < 4; i++) pts.push(...c[i]!, ...c[(i + 1) % 4]!);
      const g = new BufferGeometry();
      g.setAttribute('position', new Float32BufferAttribute(pts, 3));
      const seg = new LineSegments(g, mat);
      const o = this.manifest.origin.offset;
      seg.position.set(v.pose.position[0] - o[0], v.pose.position[1] - o[1], v.pose.position[2] - o[2]);
      seg.quaternion.set(...v.pose.quaternion);
      seg.name = `viewpoint:${v.id}`;
      this.frame.add(seg);
    }
  }

  // ---- overlay: measurements, markers, labels --------------------------------------------------

  private labels: { el: HTMLElement; at: Vec3 }[] = [];

  rebuildOverlay(): void {
    this.overlay.clear();
    const layer = document.getElementById('overlay-labels');
    if (layer) layer.replaceChildren();
    this.labels = [];
    const addLabel = (text: string, at: Vec3, cls: string) => {
      if (!layer) return;
      const el = document.createElement('div');
      el.className = `label ${cls}`;
      el.textContent = text;
      layer.appendChild(el);
      this.labels.push({ el, at });
    };
    for (const m of this.measurements) {
      const pts = m.points.map((p) => this.toWorld(p));
      this.overlay.add(polyline(pts, m.kind === 'area', 0xffd54a));
      this.overlay.add(dots(pts, 0xffd54a));
      const at = pts.length === 2 ? mid(pts[0]!, pts[1]!) : m.kind === 'angle' ? pts[1]! : pts[pts.length - 1]!;
      addLabel(`${m.label}: ${formatMeasured(m.value, m.unit, m.kind)}`, at, 'measure');
    }
    for (const k of [...this.builtMarkers, ...this.markers]) {
      const p = this.toWorld(k.position);
      this.overlay.add(dots([p], 0xff5c5c, 8));
      addLabel(k.label, p, 'marker');
    }
    for (const a of this.annotations) {
      const p = this.toWorld(a.position);
      this.overlay.add(dots([p], 0x9be37a, 6));
      addLabel(a.text, p, 'note');
    }
    for (const s of this.sightLines) {
      if (s.result.visible) this.overlay.add(polyline([s.eye, s.target], false, 0x4cff8a));
      else {
        this.overlay.add(polyline([s.eye, s.result.blocking!], false, 0x4cff8a));
        this.overlay.add(polyline([s.result.blocking!, s.target], false, 0xff4040));
        this.overlay.add(ball(s.result.blocking!, this.markerSize(), 0xff4040));
      }
      addLabel(s.result.visible ? 'visible' : 'blocked', s.result.visible ? s.target : s.result.blocking!, s.result.visible ? 'sight-ok' : 'sight-blocked');
    }
    this.drawPending();
    this.invalidate();
  }

  private markerSize(): number {
    return Math.max(this.bounds.getSize(new Vector3()).length() * 0.004, 0.01);
  }

  private drawPending(): void {
    if (this.pendingObject) this.scene.remove(this.pendingObject);
    this.pendingObject = null;
    if (this.pending.length > 0) {
      const g = new Group();
      g.add(dots(this.pending, 0x7fd3ff, 7));
      if (this.pending.length > 1) g.add(polyline(this.pending, false, 0x7fd3ff));
      this.pendingObject = g;
      this.scene.add(g);
    }
    this.invalidate();
  }

  private showPick(hit: PickResult): void {
    if (this.pickMarker) this.scene.remove(this.pickMarker);
    const g = new BufferGeometry();
    g.setAttribute('position', new Float32BufferAttribute(hit.neighbourhood.flat(), 3));
    this.pickMarker = new Points(g, new PointsMaterial({ color: 0x00e5ff, size: 3, sizeAttenuation: false, depthTest: false }));
    this.pickMarker.renderOrder = 10;
    this.scene.add(this.pickMarker);
    this.invalidate();
  }

  private updateLabels(): void {
    const el = this.renderer.domElement;
    const w = el.clientWidth;
    const h = el.clientHeight;
    for (const l of this.labels) {
      const v = new Vector3(...l.at).project(this.camera);
      const inside = v.z > -1 && v.z < 1 && Math.abs(v.x) <= 1.05 && Math.abs(v.y) <= 1.05;
      l.el.hidden = !inside;
      if (inside) l.el.style.transform = `translate(${Math.round(((v.x + 1) / 2) * w)}px, ${Math.round(((1 - v.y) / 2) * h)}px)`;
    }
  }

  /** Screen position (CSS px relative to the canvas) of a source-frame point, or null when behind the camera. */
  project(source: Vec3): { x: number; y: number } | null {
    this.camera.updateMatrixWorld();
    const v = new Vector3(...this.toWorld(source)).project(this.camera);
    if (v.z < -1 || v.z > 1) return null;
    const el = this.renderer.domElement;
    return { x: ((v.x + 1) / 2) * el.clientWidth, y: ((1 - v.y) / 2) * el.clientHeight };
  }

  // ---- screenshot -----------------------------------------------------------------------------

  /** PNG with a scale bar, the case reference, scene and time burned in. */
  screenshot(): string {
    this.renderFrame();
    const src = this.renderer.domElement;
    const canvas = document.createElement('canvas');
    canvas.width = src.width;
    canvas.height = src.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const pr = this.renderer.getPixelRatio();
    const depth = this.camera === this.ortho ? 1 : this.camera.position.distanceTo(this.controls.target);
    const perPx = worldPerPixelAt(this.camera, depth, src.clientHeight || 1);
    const barLen = niceScaleLength(perPx * (src.clientWidth || 1) * 0.25);
    const barPx = (barLen / perPx) * pr;
    const pad = 16 * pr;
    const font = `${Math.round(14 * pr)}px system-ui, sans-serif`;
    ctx.font = font;
    ctx.fillStyle = 'rgba(0,0,0,0.65)';
    ctx.fillRect(0, canvas.height - 64 * pr, canvas.width, 64 * pr);
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 3 * pr;
    const y = canvas.height - pad - 18 * pr;
    if (barPx > 0 && Number.isFinite(barPx)) {
      ctx.beginPath();
      ctx.moveTo(pad, y);
      ctx.lineTo(pad + barPx, y);
      ctx.moveTo(pad, y - 6 * pr);
      ctx.lineTo(pad, y + 6 * pr);
      ctx.moveTo(pad + barPx, y - 6 * pr);
      ctx.lineTo(pad + barPx, y + 6 * pr);
      ctx.stroke();
      ctx.fillText(`${formatLen(barLen, this.units)}${this.camera === this.ortho ? '' : ' (at the view centre)'}`, pad, y + 22 * pr);
    }
    // Marker numbers, measurement values and notes, as on screen.
    ctx.font = `${Math.round(12 * pr)}px system-ui, sans-serif`;
    for (const l of this.labels) {
      if (l.el.hidden) continue;
      const v = new Vector3(...l.at).project(this.camera);
      const x = ((v.x + 1) / 2) * canvas.width + 6 * pr;
      const ly = ((1 - v.y) / 2) * canvas.height - 8 * pr;
      const label = l.el.textContent ?? '';
      const tw = ctx.measureText(label).width;
      ctx.fillStyle = l.el.classList.contains('marker') ? '#c62828' : 'rgba(0,0,0,0.75)';
      ctx.fillRect(x - 3 * pr, ly - 13 * pr, tw + 6 * pr, 17 * pr);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, x, ly);
    }
    ctx.font = font;
    const text = `Case ${this.info.caseReference || this.info.caseName} · ${this.manifest.name} · ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC · Vestige`;
    ctx.textAlign = 'right';
    ctx.fillText(text, canvas.width - pad, canvas.height - pad);
    return canvas.toDataURL('image/png');
  }
}

function polyline(points: readonly Vec3[], closed: boolean, color: number): Line {
  const pts = closed ? [...points, points[0]!] : points;
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(pts.flat(), 3));
  const line = new Line(g, new LineBasicMaterial({ color, depthTest: false }));
  line.renderOrder = 5;
  return line;
}

function dots(points: readonly Vec3[], color: number, size = 6): Points {
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(points.flat(), 3));
  const p = new Points(g, new PointsMaterial({ color, size, sizeAttenuation: false, depthTest: false }));
  p.renderOrder = 6;
  return p;
}

function ball(at: Vec3, radius: number, color: number): Mesh {
  const m = new Mesh(new SphereGeometry(radius, 12, 8), new MeshBasicMaterial({ color, depthTest: false }));
  m.position.set(...at);
  m.renderOrder = 7;
  return m;
}

function mid(a: Vec3, b: Vec3): Vec3 {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}

export function newId(prefix: string): string {
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${rnd[0]!.toString(36)}${rnd[1]!.toString(36)}`;
}

export function fmtCoord(p: Vec3): string {
  return `(${p.map((c) => c.toFixed(3)).join(', ')})`;
}

export function formatLen(v: number, units: string): string {
  return `${v < 1 && units === 'm' ? v.toFixed(3) : v.toFixed(2)} ${units === 'unknown' ? 'units' : units}`;
}

export function formatMeasured(value: number, unit: string, kind: string): string {
  if (kind === 'point') return '';
  if (unit === '°') return `${value.toFixed(2)}°`;
  return `${value.toFixed(3)} ${unit}`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}
