/**
 * Render mode: the viewer's own code drawing frames for the render farm (`@vestige/render`), one frame
 * per request, byte-identical whenever the scene, recipe, viewer bundle and render class are the same.
 * Measured in headless Chromium with SwiftShader, frames repeat to the byte across launches, processes,
 * load histories and chunkings only when all of this holds, so all of it is done here:
 *
 * - a fixed drawing size at pixel ratio 1, antialiasing off, and no animation loop (nothing draws
 *   between requests, and no clock is read);
 * - load-then-draw: every octree node the point budget selects for the camera is loaded before the one
 *   draw (`PotreeLayer.loadSelection`); a node that fails to load fails the frame, never leaves a hole;
 * - draw order from node names (`PotreeLayer.select`), not from the order nodes arrived;
 * - the camera from the scene core's `CameraPathSampler`, the one the viewer's preview and the reports use;
 * - overlays drawn from the recipe's numbers (render-overlay.ts);
 * - the frame leaves as a PNG from `canvas.toBlob` in one binary POST (≈ 180 ms at 1080p, against ≈ 600 ms
 *   for a page screenshot, with identical pixels).
 */
import { CameraPathSampler, type CameraPath, type FrameStats, type RenderInfo, type Vec3 } from '@vestige/scene/core';

export type { FrameStats, RenderInfo };
import { Api } from './api.ts';
import { frameBudget } from './frame-budget.ts';
import { COLOR_MODES, type ColorMode } from './point-material.ts';
import { composeOverlay, wantsOverlay, type OverlayChoice } from './render-overlay.ts';
import type { SceneResponse } from './types.ts';
import { Viewer } from './viewer.ts';

export interface RenderSettings {
  pointBudget: number;
  /** Refine a node while its point spacing covers more than this many pixels. */
  maxScreenError: number;
  /** Smallest drawn point, in pixels. */
  pointSize: number;
  /** Point size as a multiple of the point spacing on screen. */
  pointSizeFactor: number;
  pointShape: 'circle' | 'square';
  /** 'auto': what the viewer picks for the scene (RGB when it has colour, else intensity or none). */
  colorMode: ColorMode | 'auto';
  /** Eye-dome lighting; 'auto': on for clouds without colour, as the viewer does. */
  edl: { enabled: boolean | 'auto'; strength: number; radius: number };
  overlays: OverlayChoice;
  /** Camera path in the scene's source frame (a still is a path of one keyframe). */
  path: CameraPath;
  /** Frames in the whole render (for `frame n / N`). */
  frames: number;
}

export interface RenderHook {
  ready: true;
  info(): RenderInfo;
  /** Applies the settings; returns what 'auto' settled to. */
  configure(settings: RenderSettings): { colorMode: ColorMode; edl: boolean };
  /** Renders frame `n` of the path and POSTs its PNG to `captureUrl` (same origin). */
  frame(n: number, captureUrl: string): Promise<FrameStats>;
  /** Warnings the viewer raised (integrity, loading); a frame with new ones is refused. */
  warnings(): string[];
}

declare global {
  interface Window {
    __vestigeRender?: RenderHook;
  }
}

function webglInfo(viewer: Viewer, width: number, height: number): RenderInfo {
  const gl = viewer.renderer.getContext();
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const dims = gl.getParameter(gl.MAX_VIEWPORT_DIMS) as Int32Array;
  return {
    width,
    height,
    webglVersion: String(gl.getParameter(gl.VERSION)),
    webglVendor: String(debug ? gl.getParameter(debug.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)),
    webglRenderer: String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)),
    maxRenderbufferSize: Number(gl.getParameter(gl.MAX_RENDERBUFFER_SIZE)),
    maxViewportDims: [dims[0]!, dims[1]!],
    userAgent: navigator.userAgent,
  };
}

function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the frame could not be encoded as PNG'))), 'image/png'),
  );
}

class RenderSession {
  private settings: RenderSettings | null = null;
  private sampler: CameraPathSampler | null = null;
  private readonly warned: string[];

  constructor(
    private readonly viewer: Viewer,
    private readonly caseReference: string,
    warnings: string[],
  ) {
    this.warned = warnings;
  }

  configure(settings: RenderSettings): { colorMode: ColorMode; edl: boolean } {
    const v = this.viewer;
    const u = v.uniforms;
    this.sampler = new CameraPathSampler(settings.path, (p: Vec3) => v.toWorld(p));
    this.settings = settings;
    v.pointBudget = settings.pointBudget;
    v.maxScreenError = settings.maxScreenError;
    u.uMinSize.value = settings.pointSize;
    u.uSizeFactor.value = settings.pointSizeFactor;
    u.uRound.value = settings.pointShape === 'circle';
    if (settings.colorMode !== 'auto' && COLOR_MODES.includes(settings.colorMode)) v.setColorMode(settings.colorMode);
    if (settings.edl.enabled !== 'auto') v.useEdl = settings.edl.enabled;
    v.edl.strength = settings.edl.strength;
    v.edl.radius = settings.edl.radius;
    return { colorMode: v.colorMode, edl: v.useEdl };
  }

  async frame(n: number, captureUrl: string): Promise<FrameStats> {
    const s = this.settings;
    const sampler = this.sampler;
    if (!s || !sampler) throw new Error('render mode: configure() first');
    const v = this.viewer;
    const warningsBefore = this.warned.length;
    const pose = sampler.frame(n);
    const camera = v.navigation.perspective;
    camera.position.set(...pose.position);
    camera.quaternion.set(...pose.quaternion);
    camera.fov = pose.fov;
    camera.updateProjectionMatrix();
    const t0 = performance.now();
    const h = v.prepareFrame();
    const failed: string[] = [];
    for (const layer of v.layers) {
      if (!layer.root) continue;
      for (const node of await layer.loadSelection(camera, h, s.pointBudget, s.maxScreenError))
        failed.push(`${layer.ref.name}: node ${node.name}`);
    }
    if (failed.length > 0 || this.warned.length > warningsBefore) {
      throw new Error(
        `frame ${n} is incomplete, so it was not drawn: ${[...failed, ...this.warned.slice(warningsBefore)].join('; ')}`,
      );
    }
    const t1 = performance.now();
    v.draw();
    const canvas = wantsOverlay(s.overlays)
      ? composeOverlay(v.renderer.domElement, s.overlays, {
          caseReference: this.caseReference,
          frame: n,
          frames: s.frames,
          time: pose.time,
          camera,
          focusDistance: pose.focusDistance,
          units: v.units,
        })
      : v.renderer.domElement;
    const t2 = performance.now();
    const png = await toPng(canvas);
    const t3 = performance.now();
    const res = await fetch(captureUrl, {
      method: 'POST',
      body: png,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (!res.ok) throw new Error(`frame ${n}: the renderer did not take the frame (${res.status})`);
    const t4 = performance.now();
    return {
      budget: await frameBudget(v),
      frame: n,
      nodes: v.layers.reduce((sum, l) => sum + l.visibleNodes.length, 0),
      points: v.layers.reduce((sum, l) => sum + l.visiblePoints, 0),
      bytes: png.size,
      loadMs: t1 - t0,
      drawMs: t2 - t1,
      encodeMs: t3 - t2,
      postMs: t4 - t3,
    };
  }
}

/**
 * Opens the scene in render mode at `width` × `height` and installs `window.__vestigeRender`. Replaces the
 * page's interactive layout: no panel, no keys, no loop.
 */
export async function startRenderMode(api: Api, scene: SceneResponse, width: number, height: number): Promise<void> {
  const container = document.createElement('div');
  container.id = 'render-view';
  container.style.width = `${width}px`;
  container.style.height = `${height}px`;
  document.body.replaceChildren(container);
  document.body.dataset.mode = 'render';
  const warnings: string[] = [];
  const viewer = new Viewer(
    container,
    scene.manifest,
    api,
    { caseReference: scene.case.reference, caseName: scene.case.name, readOnly: true, operator: scene.operator },
    { warn: (m) => warnings.push(m), status: () => {}, changed: () => {} },
    { render: { width, height } },
  );
  viewer.precompile();
  await viewer.load();
  const session = new RenderSession(viewer, scene.case.reference || scene.case.name, warnings);
  window.__vestigeRender = {
    ready: true,
    info: () => webglInfo(viewer, width, height),
    configure: (settings) => session.configure(settings),
    frame: (n, url) => session.frame(n, url),
    warnings: () => [...warnings],
  };
}

/** `WxH` from the page's `render` parameter, or null when it is not a render page. */
export function renderSize(param: string | null): { width: number; height: number } | null {
  const m = param ? /^(\d{1,5})x(\d{1,5})$/.exec(param) : null;
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : null;
}
