import type { CameraPose, FrameBudget, Measurement, MeasurementKind, Vec3 } from '@vestige/scene/core';
import { Api, ApiError, IntegrityError } from './api.ts';
import { frameBudget } from './frame-budget.ts';
import { checkManifest } from './manifest-check.ts';
import type { MeasureTool } from './tools/measure-tool.ts';
import { renderSize, startRenderMode } from './render-mode.ts';
import type { ScanPhotoState } from './scan-photos.ts';
import type { SceneResponse } from './types.ts';
import { h, Panel, Warnings } from './ui.ts';
import { Viewer, type ToolName } from './viewer.ts';

const app = document.getElementById('app')!;
const view = document.getElementById('view')!;
const panelEl = document.getElementById('panel')!;
const statusEl = document.getElementById('status')!;
const warnings = new Warnings(document.getElementById('warnings')!);

/** A message in place of the view: never a blank page. */
function showMessage(title: string, ...body: (Node | string)[]): void {
  view.replaceChildren(
    h(
      'div',
      { class: 'message', role: 'alert' },
      h('h1', {}, title),
      ...body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
    ),
  );
}

window.addEventListener('error', (e) => warnings.add(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) =>
  warnings.add(`Unexpected error: ${(e.reason as Error)?.message ?? String(e.reason)}`),
);

function webglAvailable(): string | null {
  try {
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl2') ?? c.getContext('webgl');
    return gl ? null : 'This browser could not start WebGL.';
  } catch (err) {
    return `WebGL failed to start: ${(err as Error).message}`;
  }
}

function signInForm(): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const f = e.target as HTMLFormElement;
        const get = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
        const body = get('token') ? { token: get('token') } : { user: get('user'), password: get('password') };
        try {
          await Api.json('/api/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          location.reload();
        } catch (err) {
          error.textContent = (err as Error).message;
        }
      },
    },
    h(
      'label',
      {},
      'Token (printed by vestige serve) ',
      h('input', { type: 'password', name: 'token', autocomplete: 'off' }),
    ),
    h('p', {}, 'or'),
    h('label', {}, 'User ', h('input', { type: 'text', name: 'user', autocomplete: 'username' })),
    h('label', {}, 'Password ', h('input', { type: 'password', name: 'password', autocomplete: 'current-password' })),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  showMessage('Sign in to view this case', 'Open the link that `vestige serve` printed, or sign in here.', form);
}

async function chooseScene(caseId: string | null): Promise<void> {
  const session = await Api.json<{ cases: { id: string; name: string; reference: string }[] }>('/api/session');
  const cases = caseId ? session.cases.filter((c) => c.id === caseId) : session.cases;
  const lists: Node[] = [];
  for (const c of cases) {
    const { scenes } = await Api.json<{ scenes: { id: string; name: string; manifestSha256: string }[] }>(
      `/api/cases/${encodeURIComponent(c.id)}/scenes`,
    );
    // The manifest's SHA-256 beside each scene: compare it with the one `vestige scene build` printed. The
    // link carries it, so the viewer refuses a manifest that differs and then checks every tile against it.
    const link = (s: { id: string; manifestSha256: string }) =>
      `/view?case=${encodeURIComponent(c.id)}&scene=${encodeURIComponent(s.id)}&manifest=${s.manifestSha256}`;
    lists.push(
      h('h2', {}, `${c.name}${c.reference ? ` (${c.reference})` : ''}`),
      scenes.length === 0
        ? h('p', {}, 'No scenes in this case yet. Build one with `vestige scene build`.')
        : h(
            'ul',
            {},
            ...scenes.map((s) =>
              h(
                'li',
                {},
                h('a', { href: link(s) }, s.name),
                h('br'),
                h('small', { class: 'manifest-hash' }, `manifest SHA-256 ${s.manifestSha256}`),
              ),
            ),
          ),
    );
  }
  showMessage(
    'Choose a scene',
    "Check each scene's manifest SHA-256 against your notes before opening it: the viewer trusts the server for that hash only.",
    ...lists,
  );
}

declare global {
  interface Window {
    /** A small, read-mostly hook for the end-to-end tests and the benchmark. */
    __vestige?: {
      viewer: Viewer;
      ready: boolean;
      firstFrameAt: () => number | null;
      project: (source: Vec3) => { x: number; y: number } | null;
      idle: () => Promise<void>;
      selectTool: (tool: ToolName | null) => void;
      state: () => {
        visiblePoints: number;
        loadedPoints: number;
        bytes: number;
        warnings: string[];
        measurements: { id: string; kind: string; value: number; unit: string; plusMinus: number | null }[];
      };
      /**
       * Measures source-frame points with the measure tool's own code (as finishing a pick does) and keeps the result.
       */
      measure: (
        kind: MeasurementKind,
        points: Vec3[],
        named?: { id?: string; label?: string },
      ) => Promise<Measurement | null>;
      screenshot: () => string;
      setCamera: (position: Vec3, target: Vec3) => void;
      /** Line of sight between two source-frame points (the viewer's own code); blocking point in the source frame. */
      sight: (eye: Vec3, target: Vec3) => { visible: boolean; blocking: Vec3 | null };
      /** Steps to scanner photo `id` (scan-photos.ts) at full opacity; the state says how it is shown. */
      showScanPhoto: (id: string) => Promise<ScanPhotoState | null>;
      /** The camera now, in the displayed frame (what a camera-path pose sets). */
      cameraPose: () => { position: Vec3; quaternion: [number, number, number, number]; fov: number };
      /** Sets a camera-path pose (displayed frame) as the preview does. */
      showPose: (pose: Pick<CameraPose, 'position' | 'quaternion' | 'fov' | 'focusDistance'>) => void;
      /** The canvas's drawing size in pixels. */
      canvasSize: () => { width: number; height: number };
      /** The point budget's selection for this camera against what is drawn (frame-budget.ts). */
      budget: () => Promise<FrameBudget>;
    };
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const caseId = params.get('case');
  const sceneId = params.get('scene');
  if (!caseId || !sceneId) {
    try {
      await Api.json('/api/session');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return signInForm();
      throw err;
    }
    return chooseScene(caseId);
  }
  const api = new Api(caseId);
  // Ask for the scene at once (a 401 here means: sign in); WebGL starts while it is on its way.
  const scenePromise = api.getJson<SceneResponse>(`scenes/${encodeURIComponent(sceneId)}`);
  scenePromise.catch(() => {});
  const problem = webglAvailable();
  if (problem) {
    showMessage(
      '3D view unavailable',
      problem,
      'The scene cannot be drawn on this computer. Try another browser, or enable hardware acceleration. Measurements and markers saved in the case are not affected.',
    );
    return;
  }
  let scene: SceneResponse;
  try {
    scene = await scenePromise;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signInForm();
    throw err;
  }
  let manifestCheck: Awaited<ReturnType<typeof checkManifest>>;
  try {
    manifestCheck = await checkManifest(scene.manifest, params.get('manifest'));
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    showMessage(
      'The scene was refused',
      err.message,
      'The manifest the server sent is not the one this link names. Do not rely on this server; compare the hash with the one `vestige scene build` printed.',
    );
    return;
  }
  performance.mark('vestige:manifest');
  const render = renderSize(params.get('render'));
  if (render) return startRenderMode(api, scene, render.width, render.height);
  document.title = `${scene.manifest.name} — ${scene.case.reference || scene.case.name} — Vestige`;
  let viewer: Viewer;
  let panel: Panel | undefined;
  try {
    viewer = new Viewer(
      view,
      scene.manifest,
      api,
      {
        caseReference: scene.case.reference,
        caseName: scene.case.name,
        readOnly: scene.readOnly,
        operator: scene.operator,
        manifest: manifestCheck,
      },
      {
        warn: (m) => warnings.add(m),
        status: (m) => panel?.status(m),
        changed: () => panel?.render(),
      },
    );
  } catch (err) {
    showMessage(
      '3D view unavailable',
      `WebGL could not start: ${(err as Error).message}`,
      'Try another browser, or enable hardware acceleration.',
    );
    return;
  }
  const photo = document.getElementById('photo-overlay') as HTMLImageElement;
  photo.style.opacity = '0.6';
  panel = new Panel(panelEl, viewer, statusEl, photo, warnings);
  viewer.precompile();
  viewer.start();
  await viewer.load();
  panel.render();
  app.dataset.ready = 'true';
  window.__vestige = testHook(viewer, api);
}

/** The page's hook for end-to-end tests and the render bench's peer (read-only views of the viewer, and the tools). */
function testHook(viewer: Viewer, api: Api): NonNullable<typeof window.__vestige> {
  return {
    viewer,
    ready: true,
    firstFrameAt: () => viewer.firstFrameAt,
    project: (p) => {
      const s = viewer.project(p);
      if (!s) return null;
      const r = viewer.renderer.domElement.getBoundingClientRect();
      return { x: r.left + s.x, y: r.top + s.y };
    },
    idle: () =>
      new Promise<void>((resolve) => {
        let quiet = 0;
        const check = () => {
          viewer.invalidate();
          if (!viewer.isLoading && viewer.layers.every((l) => l.pending === 0)) quiet++;
          else quiet = 0;
          if (quiet >= 3) resolve();
          else setTimeout(check, 50);
        };
        check();
      }),
    selectTool: (t) => viewer.selectTool(t),
    state: () => ({
      visiblePoints: viewer.layers.reduce((s, l) => s + l.visiblePoints, 0),
      loadedPoints: viewer.layers.reduce((s, l) => s + l.loadedPoints, 0),
      bytes: api.bytesReceived,
      warnings: [...warnings.messages],
      measurements: viewer.records.measurements.map((m) => ({
        id: m.id,
        kind: m.kind,
        value: m.value,
        unit: m.unit,
        plusMinus: m.uncertainty?.plusMinus ?? null,
      })),
    }),
    measure: (kind, points, named) => (viewer.tools[kind] as MeasureTool).complete(points, named),
    screenshot: () => viewer.screenshot(),
    setCamera: (position, target) => viewer.navigation.setCamera(viewer.toWorld(position), viewer.toWorld(target)),
    sight: (eye, target) => {
      const r = viewer.sight.between(viewer.toWorld(eye), viewer.toWorld(target));
      return { visible: r.visible, blocking: r.blocking ? viewer.toSource(r.blocking) : null };
    },
    showScanPhoto: async (id) => {
      const entry = viewer.scanPhotos.entries.find((e) => e.photo.id === id);
      if (!entry) return null;
      viewer.scanPhotos.setOpacity(1);
      await viewer.showScanPhoto(entry);
      return viewer.scanPhotos.state && { ...viewer.scanPhotos.state };
    },
    cameraPose: () => {
      const c = viewer.navigation.perspective;
      return {
        position: c.position.toArray(),
        quaternion: c.quaternion.toArray() as [number, number, number, number],
        fov: c.fov,
      };
    },
    showPose: (p) => {
      viewer.navigation.showPose(p.position, p.quaternion, p.fov, p.focusDistance);
      viewer.invalidate();
    },
    canvasSize: () => ({ width: viewer.renderer.domElement.width, height: viewer.renderer.domElement.height }),
    budget: () => frameBudget(viewer),
  };
}

main().catch((err: unknown) => {
  showMessage(
    'The scene could not be opened',
    (err as Error).message,
    err instanceof ApiError && err.hint ? err.hint : 'Check that `vestige serve` is still running, then reload.',
  );
});
