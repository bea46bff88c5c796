/**
 * The scene viewer: renderer, layers and the render loop, assembling the parts that live in their own
 * files — navigation (navigation.ts, a three.js `Controls`), one file per tool (tools/), the overlay
 * and its labels (overlay.ts), photo viewpoints, the screenshot, and the scene's records (persistence.ts).
 *
 * Frames: layers hang under `frame`, whose matrix is the manifest's `transform`, and whose children are
 * in the origin-relative source frame (source − origin.offset, done in double precision). The camera,
 * measurements and overlays live in the displayed ("world") frame. Conversions between the frames are
 * the scene core's (`toDisplayed`, `toSource`), the same the CLI and the server use.
 */
import {
  AmbientLight,
  Box3,
  BufferGeometry,
  Color,
  DirectionalLight,
  Float32BufferAttribute,
  Group,
  Matrix4,
  OrthographicCamera,
  PerspectiveCamera,
  Points,
  Scene,
  Vector3,
  WebGLRenderer,
  type Object3D,
} from 'three';
import {
  MEASUREMENT_KINDS,
  formatPoint,
  invertAffine,
  toDisplayed,
  toSource,
  type MutableVec3,
  type SavedView,
  type SceneManifest,
  type SightResult,
  type Vec3,
} from '@vestige/scene/core';
import { Api, IntegrityError } from './api.ts';
import { BACKGROUND, EyeDomeLighting } from './edl.ts';
import { NavigationControls } from './navigation.ts';
import { Overlay } from './overlay.ts';
import { SceneRecordStore } from './persistence.ts';
import { PhotoViewpoints } from './photo-viewpoints.ts';
import { ScanPhotos, type ScanPhotoEntry } from './scan-photos.ts';
import { lineOfSight, pickPoint, type PickResult } from './picking.ts';
import { COLOR_MODES, pointMaterial, sharedPointUniforms, type ColorMode } from './point-material.ts';
import { PotreeLayer } from './potree.ts';
import { burnedScreenshot } from './screenshot.ts';
import { ClippingBox } from './tools/clip-box.ts';
import { CoordinatesTool } from './tools/coordinates-tool.ts';
import { MarkerTool } from './tools/marker-tool.ts';
import { MeasureTool } from './tools/measure-tool.ts';
import { NoteTool } from './tools/note-tool.ts';
import { SightTool } from './tools/sight-tool.ts';
import { newRecordId, type ToolHost, type ToolName, type ViewerTool } from './tools/tool.ts';

export type { ToolName } from './tools/tool.ts';

export interface ViewerCallbacks {
  warn(message: string): void;
  status(message: string): void;
  changed(): void;
}

/** Render mode (render-mode.ts): a fixed drawing size at pixel ratio 1, no loop; frames drawn on request. */
export interface ViewerOptions {
  render?: { width: number; height: number };
}

export interface ViewerInfo {
  caseReference: string;
  caseName: string;
  readOnly: boolean;
  operator: string;
  /** The manifest's SHA-256 and whether the link named it (manifest-check.ts). */
  manifest?: { sha256: string; pinned: boolean };
}

const PICK_RADIUS_PX = 6;

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

export class Viewer implements ToolHost {
  readonly renderer: WebGLRenderer;
  readonly scene = new Scene();
  readonly frame = new Group();
  readonly navigation: NavigationControls;
  readonly uniforms = sharedPointUniforms();
  readonly layers: PotreeLayer[] = [];
  readonly meshes: Object3D[] = [];
  readonly edl: EyeDomeLighting;
  readonly bounds = new Box3();
  readonly transform = new Matrix4();
  readonly records: SceneRecordStore;
  readonly overlay: Overlay;
  readonly clipping: ClippingBox;
  readonly photos: PhotoViewpoints;
  readonly scanPhotos: ScanPhotos;
  readonly sight: SightTool;
  readonly tools: Readonly<Record<ToolName, ViewerTool>>;
  private readonly inverse: number[];

  tool: ViewerTool | null = null;
  lastPick: PickResult | null = null;
  colorMode: ColorMode = 'rgb';
  pointBudget = 2_000_000;
  maxScreenError = 1.5;
  useEdl = false;
  firstFrameAt: number | null = null;
  private needsRender = true;
  private loading = true;
  private lastTime = performance.now();

  constructor(
    readonly container: HTMLElement,
    readonly manifest: SceneManifest,
    readonly api: Api,
    readonly info: ViewerInfo,
    private readonly cb: ViewerCallbacks,
    readonly options: ViewerOptions = {},
  ) {
    // Render mode keeps the drawing buffer so that it can be read after the frame (toBlob), and never
    // scales it by the screen's pixel ratio: a frame's pixels must not depend on the machine's display.
    this.renderer = new WebGLRenderer({
      antialias: false,
      powerPreference: 'high-performance',
      preserveDrawingBuffer: options.render !== undefined,
    });
    this.renderer.setPixelRatio(options.render ? 1 : Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(new Color(BACKGROUND));
    container.appendChild(this.renderer.domElement);
    this.renderer.domElement.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      this.cb.warn(
        'The graphics context was lost (the GPU was reset or ran out of memory). Reload the page to continue; saved work is kept in the case.',
      );
    });
    this.transform.fromArray(manifest.transform);
    this.inverse = invertAffine(manifest.transform);
    this.frame.matrixAutoUpdate = false;
    this.frame.matrix.copy(this.transform);
    const sun = new DirectionalLight(0xffffff, 1.5);
    sun.position.set(1, -2, 3);
    this.scene.add(this.frame, new AmbientLight(0xffffff, 1.2), sun);

    const { clientWidth: w, clientHeight: h } = container;
    const perspective = new PerspectiveCamera(60, w / Math.max(h, 1), 0.05, 5000);
    const ortho = new OrthographicCamera(-10, 10, 10, -10, -5000, 5000);
    perspective.up.set(0, 0, 1);
    ortho.up.set(0, 0, 1);
    this.navigation = new NavigationControls(perspective, ortho, this.renderer.domElement, this.bounds);
    this.navigation.addEventListener('change', () => this.invalidate());
    this.edl = new EyeDomeLighting(w, h);
    this.records = new SceneRecordStore(api, manifest, info.readOnly, info.operator, {
      warn: (m) => cb.warn(m),
      status: (m) => cb.status(m),
      changed: () => this.changed(),
    });
    this.overlay = new Overlay(this.scene, document.getElementById('overlay-labels'));
    this.clipping = new ClippingBox(this.scene, this.uniforms, this.bounds);
    const viewpoints = manifest.layers.flatMap((l) => (l.type === 'viewpoints' ? l.viewpoints : []));
    this.photos = new PhotoViewpoints(viewpoints, {
      api,
      navigation: this.navigation,
      transform: this.transform,
      origin: manifest.origin.offset,
      toWorld: (p) => this.toWorld(p),
      container,
      warn: (m) => cb.warn(m),
    });
    const picture = Object.assign(document.createElement('img'), { id: 'scan-photo-picture', alt: '', hidden: true });
    container.appendChild(picture);
    this.scanPhotos = new ScanPhotos(manifest.layers, {
      api,
      navigation: this.navigation,
      transform: this.transform,
      origin: manifest.origin.offset,
      frame: this.frame,
      toWorld: (p) => this.toWorld(p),
      radius: () => Math.min(Math.max(this.bounds.getSize(new Vector3()).length(), 1), 2000),
      picture,
      container,
      warn: (m) => cb.warn(m),
      changed: () => (this.invalidate(), cb.changed()),
    });
    this.sight = new SightTool(
      this,
      (eye, target) => this.testSight(eye, target),
      () => this.changed(),
    );
    this.tools = {
      point: new CoordinatesTool(this),
      ...(Object.fromEntries(MEASUREMENT_KINDS.map((k) => [k, new MeasureTool(k, this)])) as Record<
        (typeof MEASUREMENT_KINDS)[number],
        MeasureTool
      >),
      marker: new MarkerTool(this),
      annotation: new NoteTool(this),
      sight: this.sight,
    };
    this.resize();
    if (!options.render) {
      new ResizeObserver(() => this.resize()).observe(container);
      this.installPointer();
    }
  }

  get camera(): PerspectiveCamera | OrthographicCamera {
    return this.navigation.camera;
  }

  get units(): SceneManifest['units'] {
    return this.manifest.units;
  }

  // ---- loading ------------------------------------------------------------------------------

  async load(): Promise<void> {
    const tasks: Promise<void>[] = [];
    this.manifest.layers.forEach((layer, order) => {
      if (layer.type === 'pointcloud') tasks.push(this.openPointCloud(layer, order));
      else if (layer.type === 'mesh')
        tasks.push(this.loadMesh(layer.id, layer.name, layer.file.sha256, layer.bounds, layer.offset, order));
    });
    await Promise.all(tasks);
    if (!this.layers.some((l) => l.hasRgb)) {
      this.colorMode = this.layers.some((l) => l.hasIntensity) ? 'intensity' : 'uniform';
      this.useEdl = true;
    }
    this.setColorMode(this.colorMode);
    if (this.bounds.isEmpty()) this.bounds.set(new Vector3(-5, -5, -5), new Vector3(5, 5, 5));
    this.uniforms.uHeightRange.value.set(this.bounds.min.z, this.bounds.max.z);
    this.navigation.resetView();
    this.navigation.rememberInitialView();
    // A rendered frame shows the scene's layers only: records saved later must not change it.
    if (this.options.render) return;
    this.photos.draw(this.frame, this.bounds);
    await this.records.load();
    this.invalidate();
  }

  /** `order`: the layer's place in the manifest, which fixes its draw order (groups are drawn by render order). */
  private async openPointCloud(
    layer: Extract<SceneManifest['layers'][number], { type: 'pointcloud' }>,
    order: number,
  ): Promise<void> {
    const pl = new PotreeLayer(layer, this.api, this.manifest.id, this.manifest.origin.offset, this.uniforms, {
      onWarning: (m) => this.cb.warn(m),
      onNodeLoaded: () => this.invalidate(),
    });
    pl.group.renderOrder = order;
    this.layers.push(pl);
    this.frame.add(pl.group);
    try {
      await pl.open();
      // The manifest's tight bounds, not the octree's cube: the builder's cube is a power of two from the
      // points' minimum corner, up to twice their extent, and the first view would centre on empty space.
      const o = new Vector3(...this.manifest.origin.offset);
      this.bounds.union(
        new Box3(new Vector3(...layer.bounds.min).sub(o), new Vector3(...layer.bounds.max).sub(o)).applyMatrix4(
          this.transform,
        ),
      );
    } catch (err) {
      this.cb.warn(err instanceof IntegrityError ? err.message : `${layer.name}: ${(err as Error).message}`);
    }
  }

  private async loadMesh(
    id: string,
    name: string,
    sha256: string,
    bounds: { min: Vec3; max: Vec3 },
    offset: Vec3,
    order: number,
  ): Promise<void> {
    try {
      const bytes = await this.api.verifiedBlob(sha256, `${name}: mesh`);
      // Loaded on demand: most scenes have no mesh, and the first frame should not wait for this code.
      const { GLTFLoader } = await import('three/examples/jsm/loaders/GLTFLoader.js');
      const gltf = await new GLTFLoader().parseAsync(bytes, '');
      const g = new Group();
      g.name = `mesh:${id}`;
      g.renderOrder = order;
      // glb vertices + layer offset = source frame; subtract the origin in double precision (in the matrix).
      const o = this.manifest.origin.offset;
      g.position.set(offset[0] - o[0], offset[1] - o[1], offset[2] - o[2]);
      g.add(gltf.scene);
      gltf.scene.traverse((child) => {
        child.name ||= name;
      });
      this.frame.add(g);
      this.meshes.push(g);
      this.bounds.union(
        new Box3(
          new Vector3(...bounds.min).sub(new Vector3(...o)),
          new Vector3(...bounds.max).sub(new Vector3(...o)),
        ).applyMatrix4(this.transform),
      );
    } catch (err) {
      this.cb.warn(
        err instanceof IntegrityError
          ? err.message
          : `${name}: the mesh could not be loaded: ${(err as Error).message}`,
      );
    }
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
    return toDisplayed(this.manifest, source);
  }

  toSource(world: Vec3): MutableVec3 {
    return toSource(this.manifest, world, this.inverse);
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
      const dt = (now - this.lastTime) / 1000;
      this.lastTime = now;
      if (this.navigation.update(dt)) this.needsRender = true;
      if (!this.needsRender && !this.loading) return;
      this.renderFrame();
    };
    requestAnimationFrame(tick);
  }

  renderFrame(): void {
    this.needsRender = false;
    const camera = this.camera;
    const h = this.prepareFrame();
    let loading = false;
    for (const layer of this.layers) {
      if (layer.root && layer.update(camera, h, this.pointBudget, this.maxScreenError)) loading = true;
    }
    this.loading = loading;
    this.draw();
    const drawn = this.layers.reduce((s, l) => s + l.visiblePoints, 0);
    if (this.firstFrameAt === null && (drawn > 0 || (this.layers.length === 0 && this.meshes.length > 0))) {
      this.firstFrameAt = performance.now();
      performance.mark('vestige:first-frame');
      document.body.dataset.firstFrame = String(Math.round(this.firstFrameAt));
    }
    this.overlay.placeLabels(camera, this.renderer.domElement.clientWidth, this.renderer.domElement.clientHeight);
    const loaded = this.layers.reduce((s, l) => s + l.loadedPoints, 0);
    this.cb.status(
      `${formatCount(drawn)} points drawn · ${formatCount(loaded)} loaded · ${(this.api.bytesReceived / 1e6).toFixed(1)} MB received${loading ? ' · loading…' : ''}`,
    );
  }

  /** Brings matrices and the size uniforms up to date for the camera; returns the drawing height in CSS px. */
  prepareFrame(): number {
    const camera = this.camera;
    camera.updateMatrixWorld();
    this.scene.updateMatrixWorld();
    const h = this.renderer.domElement.clientHeight || 1;
    const ortho = this.navigation.isOrthographic;
    const { perspective, ortho: oc } = this.navigation;
    this.uniforms.uOrtho.value = ortho;
    this.uniforms.uScreenScale.value = ortho
      ? (h * oc.zoom) / (oc.top - oc.bottom)
      : h / (2 * Math.tan((perspective.fov * Math.PI) / 360));
    return h;
  }

  /** Draws what the layers have made visible, with eye-dome lighting when it is on. */
  draw(): void {
    // Eye-dome lighting would shade a photo by the depth of the points behind it.
    if (this.useEdl && !this.scanPhotos.active) this.edl.render(this.renderer, this.scene, this.camera);
    else this.renderer.render(this.scene, this.camera);
  }

  resize(): void {
    const w = this.options.render?.width ?? (this.container.clientWidth || 1);
    const h = this.options.render?.height ?? (this.container.clientHeight || 1);
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = `${w}px`;
    this.renderer.domElement.style.height = `${h}px`;
    this.navigation.perspective.aspect = w / h;
    this.navigation.perspective.updateProjectionMatrix();
    this.navigation.updateOrthoFrustum(w / h);
    const pr = this.renderer.getPixelRatio();
    this.edl.setSize(Math.round(w * pr), Math.round(h * pr));
    this.invalidate();
  }

  get aspect(): number {
    return (this.container.clientWidth || 1) / (this.container.clientHeight || 1);
  }

  /** Screen position (CSS px relative to the canvas) of a source-frame point, or null when behind the camera. */
  project(source: Vec3): { x: number; y: number } | null {
    this.camera.updateMatrixWorld();
    const v = new Vector3(...this.toWorld(source)).project(this.camera);
    if (v.z < -1 || v.z > 1) return null;
    const el = this.renderer.domElement;
    return { x: ((v.x + 1) / 2) * el.clientWidth, y: ((1 - v.y) / 2) * el.clientHeight };
  }

  // ---- picking and tools ------------------------------------------------------------------------

  private installPointer(): void {
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
    el.addEventListener('dblclick', () => void this.finishTool());
  }

  pick(x: number, y: number): PickResult | null {
    const el = this.renderer.domElement;
    this.camera.updateMatrixWorld();
    return pickPoint(this.camera, this.layers, this.meshes, {
      x,
      y,
      width: el.clientWidth,
      height: el.clientHeight,
      radiusPx: PICK_RADIUS_PX,
      clipBox: this.clipping.box,
    });
  }

  /** Keyboard picking: the point under the crosshair in the middle of the view. */
  pickAtCentre(): void {
    const el = this.renderer.domElement;
    this.clickAt(el.clientWidth / 2, el.clientHeight / 2);
  }

  /** A click in the view, in CSS pixels relative to the canvas: handed to the tool in use. */
  clickAt(x: number, y: number): void {
    const hit = this.pick(x, y);
    if (!hit) {
      this.cb.status('No point under the cursor (nothing drawn there, or it is clipped away).');
      return;
    }
    this.lastPick = hit;
    this.overlay.showPick(hit.neighbourhood);
    this.invalidate();
    if (!this.tool) {
      this.cb.status(`Point ${formatPoint(this.toSource(hit.world))} (source frame) · ${hit.source}`);
      this.cb.changed();
      return;
    }
    const done = this.tool.pick(hit.world);
    this.showPending();
    if (done) void done.then(() => this.showPending());
  }

  private showPending(): void {
    this.overlay.showPending(this.tool?.pending ?? []);
    this.invalidate();
  }

  selectTool(name: ToolName | null): void {
    this.tool?.cancel();
    this.tool = name ? this.tools[name] : null;
    this.showPending();
    this.cb.status(this.tool ? this.tool.hint : 'Navigation: drag to orbit, right-drag to pan, wheel to zoom.');
    this.cb.changed();
  }

  cancelTool(): void {
    this.tool?.cancel();
    this.showPending();
    this.leavePhoto();
    this.cb.status('Cancelled.');
  }

  async finishTool(): Promise<void> {
    const done = this.tool?.finish();
    this.showPending();
    await done;
  }

  /** Tube radius: about the point spacing of the finest level drawn, so a surface has no gaps to see through. */
  private testSight(eye: Vec3, target: Vec3): SightResult {
    const finest = Math.max(0, ...this.layers.flatMap((l) => l.visibleNodes.map((n) => n.level)));
    const spacing =
      Math.min(...this.layers.filter((l) => l.root).map((l) => l.root.spacing / 2 ** finest), 0.05) *
      this.transform.getMaxScaleOnAxis();
    return lineOfSight(eye, target, this.layers, this.meshes, Math.max(spacing, 0.01), this.clipping.core);
  }

  /** ToolHost: a list changed, so the overlay and the panel are redrawn. */
  private changed(): void {
    this.overlay.rebuild({
      measurements: this.records.measurements,
      markers: this.records.markers,
      annotations: this.records.annotations,
      sightLines: this.sight.lines,
      toWorld: (p) => this.toWorld(p),
      markerSize: Math.max(this.bounds.getSize(new Vector3()).length() * 0.004, 0.01),
    });
    this.invalidate();
    this.cb.changed();
  }

  status(message: string): void {
    this.cb.status(message);
  }

  warn(message: string): void {
    this.cb.warn(message);
  }

  // ---- display, views, photos -------------------------------------------------------------------

  setColorMode(mode: ColorMode): void {
    this.colorMode = mode;
    this.uniforms.uColorMode.value = COLOR_MODES.indexOf(mode);
    this.invalidate();
  }

  /** Top, front or side orthographic view of the whole scene. */
  orthoView(which: 'top' | 'front' | 'side'): void {
    this.leavePhoto();
    this.navigation.orthoView(which, this.aspect);
  }

  setClipBox(box: Box3 | null): void {
    this.clipping.set(box);
    this.invalidate();
  }

  async saveView(name: string): Promise<void> {
    const nav = this.navigation;
    const view: SavedView = {
      id: newRecordId('v'),
      name,
      camera: {
        projection: nav.isOrthographic ? 'orthographic' : 'perspective',
        position: this.toSource(this.camera.position.toArray()),
        target: this.toSource(nav.target.toArray()),
        fov: nav.perspective.fov,
        zoom: nav.isOrthographic ? nav.ortho.zoom : 1,
      },
      clipBox: this.clipping.box
        ? { min: this.toSource(this.clipping.box.min.toArray()), max: this.toSource(this.clipping.box.max.toArray()) }
        : null,
      colorMode: this.colorMode,
      pointBudget: this.pointBudget,
    };
    await this.records.add('views', view);
  }

  applyView(v: SavedView): void {
    this.leavePhoto();
    this.navigation.setCamera(
      this.toWorld(v.camera.position),
      this.toWorld(v.camera.target),
      v.camera.projection,
      v.camera.zoom,
    );
    if (v.colorMode && (COLOR_MODES as readonly string[]).includes(v.colorMode))
      this.setColorMode(v.colorMode as ColorMode);
    if (v.clipBox) {
      const a = new Vector3(...this.toWorld(v.clipBox.min));
      const b = new Vector3(...this.toWorld(v.clipBox.max));
      this.setClipBox(new Box3(a.clone().min(b), a.clone().max(b)));
    } else this.setClipBox(null);
    this.cb.changed();
  }

  async lookThrough(v: (typeof this.photos.viewpoints)[number], overlay: HTMLImageElement): Promise<void> {
    this.scanPhotos.leave();
    await this.photos.lookThrough(v, overlay);
    this.cb.status(`Looking through ${v.name}. Esc to leave; the photo's opacity is in the panel.`);
    this.invalidate();
    this.cb.changed();
  }

  /** Steps to a scanner photo's position and lays the photo over the points (scan-photos.ts). */
  async showScanPhoto(entry: ScanPhotoEntry): Promise<void> {
    this.photos.leave();
    await this.scanPhotos.show(entry);
    const s = this.scanPhotos.state;
    if (s)
      this.cb.status(
        `${s.mode === 'projected' ? 'Standing at' : 'Showing'} ${s.name}. Esc to leave; measuring still picks points.${s.note ? ` ${s.note}` : ''}`,
      );
    this.invalidate();
    this.cb.changed();
  }

  leavePhoto(): void {
    const scan = this.scanPhotos.leave();
    if (!this.photos.leave() && !scan) return;
    this.invalidate();
    this.cb.changed();
  }

  // ---- screenshot -----------------------------------------------------------------------------

  /** PNG with a scale bar, the case reference, scene and time burned in. */
  screenshot(): string {
    this.renderFrame();
    const nav = this.navigation;
    const time = new Date().toISOString().replace('T', ' ').slice(0, 19);
    return burnedScreenshot({
      renderer: this.renderer,
      camera: this.camera,
      orthographic: nav.isOrthographic,
      depth: nav.isOrthographic ? 1 : this.camera.position.distanceTo(nav.target),
      labels: this.overlay.labels,
      units: this.units,
      caption: `Case ${this.info.caseReference || this.info.caseName} · ${this.manifest.name} · ${time} UTC · Vestige`,
    });
  }
}
