/** The side panel, keyboard shortcuts and warnings. Plain DOM: every control is a real, focusable element. */
import {
  formatMeasurement,
  formatPoint,
  sceneExportFileName,
  sceneExportText,
  type SceneExportFormat,
} from '@vestige/scene/core';
import { CameraPathEditor } from './camera-path-editor.ts';
import { cameraPathSection } from './camera-path-panel.ts';
import { COLOR_MODES, type ColorMode } from './point-material.ts';
import type { ToolName, Viewer } from './viewer.ts';

export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ['Drag / right-drag / wheel', 'orbit / pan / zoom (trackpad: two-finger drag and pinch)'],
  ['W A S D', 'fly forward, left, back, right (Shift: faster)'],
  ['Q / E', 'down / up'],
  ['Arrow keys', 'turn and look up or down'],
  ['+ / -', 'zoom in / out'],
  ['G', 'walk mode on/off (keeps the eye height)'],
  ['1 / 2 / 3', 'top / front / side orthographic view'],
  ['0', 'perspective view'],
  ['R', 'reset the view'],
  ['F', 'focus on the last picked point'],
  ['X', 'point coordinates'],
  ['M', 'distance'],
  ['L', 'polyline'],
  ['V', 'height difference'],
  ['N', 'angle'],
  ['B', 'area'],
  ['K', 'evidence marker'],
  ['O', 'annotation'],
  ['Y', 'line of sight'],
  ['C', 'clipping box on/off'],
  ['P', 'screenshot (with scale bar and case reference)'],
  ['Space', 'pick the point under the crosshair (keyboard picking)'],
  ['Enter / double-click', 'finish a polyline or area'],
  ['Esc', 'cancel the tool, leave a photo'],
  ['H or ?', 'show or hide this list'],
];

const TOOL_KEYS: Record<string, ToolName> = {
  x: 'point',
  m: 'distance',
  l: 'polyline',
  v: 'height',
  n: 'angle',
  b: 'area',
  k: 'marker',
  o: 'annotation',
  y: 'sight',
};
const TOOL_NAMES: Record<ToolName, string> = {
  point: 'Coordinates',
  distance: 'Distance',
  polyline: 'Polyline',
  height: 'Height',
  angle: 'Angle',
  area: 'Area',
  marker: 'Marker',
  annotation: 'Note',
  sight: 'Line of sight',
};

type Attrs = Record<string, string | boolean | number | ((e: Event) => void)>;
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (typeof v === 'boolean') {
      if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export class Warnings {
  readonly messages: string[] = [];
  constructor(private readonly el: HTMLElement) {}
  add(message: string): void {
    if (this.messages.includes(message)) return;
    this.messages.push(message);
    console.warn(`[vestige] ${message}`);
    const item = h(
      'div',
      { class: 'warning' },
      h('strong', {}, 'Warning: '),
      message,
      h(
        'button',
        { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss warning', onclick: () => item.remove() },
        '×',
      ),
    );
    this.el.append(item);
  }
}

type Child = Node | string | null | false;
const section = (title: string, ...content: Child[]) => h('section', {}, h('h2', {}, title), ...content);
const valueOf = (e: Event) => (e.target as HTMLInputElement).value;

export class Panel {
  private helpOpen = false;
  private opacity = 0.6;
  readonly cameraPaths: CameraPathEditor;

  constructor(
    private readonly root: HTMLElement,
    private readonly viewer: Viewer,
    private readonly statusEl: HTMLElement,
    private readonly photo: HTMLImageElement,
    private readonly warnings: Warnings,
  ) {
    this.cameraPaths = new CameraPathEditor(viewer, () => this.render());
    this.installKeys();
    this.render();
  }

  status(text: string): void {
    this.statusEl.textContent = text;
  }

  render(): void {
    const focusId = document.activeElement?.id;
    const parts: Child[] = [
      this.header(),
      this.toolsSection(),
      this.viewSection(),
      this.measurementsSection(),
      section('Evidence markers', h('ul', { id: 'markers' }, ...this.markerRows())),
      this.annotationsSection(),
      this.sightSection(),
      this.photosSection(),
      this.scanPhotosSection(),
      this.viewsSection(),
      cameraPathSection(this.viewer, this.cameraPaths, {
        download,
        warn: (m) => this.warnings.add(m),
        status: (m) => this.status(m),
      }),
      h(
        'section',
        { id: 'help', hidden: !this.helpOpen },
        h('h2', {}, 'Keyboard shortcuts'),
        h('dl', {}, ...SHORTCUTS.flatMap(([k, d]) => [h('dt', {}, k), h('dd', {}, d)])),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'help-toggle',
          'aria-expanded': String(this.helpOpen),
          onclick: () => ((this.helpOpen = !this.helpOpen), this.render()),
        },
        this.helpOpen ? 'Hide shortcuts' : 'Keyboard shortcuts ',
        h('kbd', {}, 'H'),
      ),
    ];
    this.root.replaceChildren(...parts.filter((p): p is Node => p !== null && p !== false));
    if (focusId) document.getElementById(focusId)?.focus();
  }

  private header(): Node {
    const { info, manifest } = this.viewer;
    const hash = info.manifest
      ? h(
          'p',
          { class: 'case manifest-hash', title: info.manifest.sha256 },
          `Manifest ${info.manifest.sha256.slice(0, 16)}… ${info.manifest.pinned ? '(matches the link)' : '(not named by the link: compare it with your notes)'}`,
        )
      : null;
    return h(
      'header',
      {},
      h('h1', {}, manifest.name),
      h(
        'p',
        { class: 'case' },
        `Case ${info.caseReference || info.caseName}`,
        info.readOnly ? h('span', { class: 'ro' }, ' · read-only presentation') : ` · ${info.operator}`,
      ),
      hash,
    );
  }

  private toolsSection(): Node {
    const v = this.viewer;
    const buttons = (Object.keys(TOOL_NAMES) as ToolName[]).map((t) => {
      const key = Object.entries(TOOL_KEYS)
        .find(([, n]) => n === t)![0]
        .toUpperCase();
      return h(
        'button',
        {
          type: 'button',
          id: `tool-${t}`,
          'aria-pressed': v.tool?.name === t ? 'true' : 'false',
          title: `${TOOL_NAMES[t]} (${key})`,
          onclick: () => v.selectTool(v.tool?.name === t ? null : t),
        },
        `${TOOL_NAMES[t]} `,
        h('kbd', {}, key),
      );
    });
    const eye = h(
      'label',
      {},
      `Eye height (${v.units}) `,
      h('input', {
        type: 'number',
        step: '0.05',
        min: '0',
        value: String(v.sight.eyeHeight),
        onchange: (e: Event) => (v.sight.eyeHeight = Number(valueOf(e))),
      }),
    );
    return section('Tools', h('div', { class: 'tools' }, ...buttons), v.tool?.name === 'sight' ? eye : null);
  }

  private viewSection(): Node {
    const v = this.viewer;
    const nav = v.navigation;
    return section(
      'View',
      h(
        'div',
        { class: 'tools' },
        h('button', { type: 'button', onclick: () => v.orthoView('top') }, 'Top ', h('kbd', {}, '1')),
        h('button', { type: 'button', onclick: () => v.orthoView('front') }, 'Front ', h('kbd', {}, '2')),
        h('button', { type: 'button', onclick: () => v.orthoView('side') }, 'Side ', h('kbd', {}, '3')),
        h('button', { type: 'button', onclick: () => nav.perspectiveView() }, '3D ', h('kbd', {}, '0')),
        h('button', { type: 'button', onclick: () => nav.restoreInitialView() }, 'Reset ', h('kbd', {}, 'R')),
        h(
          'button',
          { type: 'button', id: 'screenshot', onclick: () => this.downloadScreenshot() },
          'Screenshot ',
          h('kbd', {}, 'P'),
        ),
      ),
      h(
        'label',
        {},
        'Colour ',
        h(
          'select',
          { id: 'color-mode', onchange: (e: Event) => v.setColorMode(valueOf(e) as ColorMode) },
          ...COLOR_MODES.map((m) =>
            h(
              'option',
              { value: m, selected: v.colorMode === m },
              m === 'rgb' ? 'RGB' : m === 'uniform' ? 'none (shape only)' : m,
            ),
          ),
        ),
      ),
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          checked: v.useEdl,
          onchange: (e: Event) => ((v.useEdl = (e.target as HTMLInputElement).checked), v.invalidate()),
        }),
        ' Eye-dome lighting',
      ),
      h(
        'label',
        {},
        'Point budget ',
        h('input', {
          type: 'number',
          min: '100000',
          step: '100000',
          value: String(v.pointBudget),
          onchange: (e: Event) => ((v.pointBudget = Math.max(1e5, Number(valueOf(e)))), v.invalidate()),
        }),
      ),
      h(
        'label',
        {},
        'Point size ',
        h('input', {
          type: 'range',
          min: '1',
          max: '8',
          step: '0.5',
          value: String(v.uniforms.uMinSize.value),
          onchange: (e: Event) => ((v.uniforms.uMinSize.value = Number(valueOf(e))), v.invalidate()),
        }),
      ),
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          id: 'clip-toggle',
          checked: !!v.clipping.box,
          onchange: () => this.toggleClip(),
        }),
        ' Clipping box ',
        h('kbd', {}, 'C'),
      ),
      this.clipInputs(),
    );
  }

  private clipInputs(): Node | null {
    const v = this.viewer;
    const clip = v.clipping.box;
    if (!clip) return null;
    const input = (end: 'min' | 'max', axis: 'x' | 'y' | 'z') =>
      h(
        'label',
        {},
        `${end} ${axis} `,
        h('input', {
          type: 'number',
          step: '0.1',
          id: `clip-${end}-${axis}`,
          value: clip[end][axis].toFixed(2),
          onchange: (e: Event) => {
            // The box as it is now: edits to other fields since this panel was drawn must be kept.
            const b = (v.clipping.box ?? clip).clone();
            b[end][axis] = Number(valueOf(e));
            v.setClipBox(b);
          },
        }),
      );
    return h(
      'div',
      { class: 'clip-grid' },
      ...(['min', 'max'] as const).flatMap((end) => (['x', 'y', 'z'] as const).map((axis) => input(end, axis))),
    );
  }

  /** The measurements table: value with its unit (and ±) as the scene core writes it. */
  private measurementsSection(): Node {
    const v = this.viewer;
    const row = (m: (typeof v.records.measurements)[number]) =>
      h(
        'tr',
        {
          'data-id': m.id,
          'data-value': String(m.value),
          'data-unit': m.unit,
          'data-plus-minus': m.uncertainty ? String(m.uncertainty.plusMinus) : '',
          'data-kind': m.kind,
        },
        h('td', {}, m.label),
        h('td', {}, m.kind),
        h('td', { class: 'num' }, formatMeasurement(m)),
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              'aria-label': `Show ${m.label}`,
              onclick: () => v.navigation.focus(v.toWorld(m.points[0]!)),
            },
            'Show',
          ),
          !m.builtIn && !v.info.readOnly
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  'aria-label': `Delete ${m.label}`,
                  onclick: () => void v.records.remove('measurements', m.id),
                },
                'Delete',
              )
            : null,
        ),
      );
    const head = h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Label'),
        h('th', { scope: 'col' }, 'Kind'),
        h('th', { scope: 'col', class: 'num' }, 'Value'),
        h('th', { scope: 'col' }, ''),
      ),
    );
    const table = h(
      'table',
      { id: 'measurements', 'aria-label': 'Measurements' },
      head,
      h('tbody', {}, ...v.records.measurements.map(row)),
    );
    const exportButton = (format: SceneExportFormat, label: string) =>
      h(
        'button',
        { type: 'button', id: `export-measurements-${format}`, onclick: () => this.exportMeasurements(format) },
        label,
      );
    return section(
      'Measurements',
      table,
      h('div', { class: 'tools' }, exportButton('csv', 'Export CSV'), exportButton('geojson', 'Export GeoJSON')),
    );
  }

  /** The same bytes as `vestige scene export` and the server's reports (scene core writers). */
  exportMeasurements(format: SceneExportFormat): void {
    const v = this.viewer;
    const ctx = { caseReference: v.info.caseReference || v.info.caseName, manifest: v.manifest };
    download(
      sceneExportFileName(ctx, 'measurements', format),
      format === 'csv' ? 'text/csv' : 'application/geo+json',
      sceneExportText(ctx, v.records.exportRows(), 'measurements', format),
    );
  }

  private markerRows(): Node[] {
    const v = this.viewer;
    return v.records.markers.map((k) =>
      h(
        'li',
        {},
        h('span', { class: 'badge' }, k.label),
        ' ',
        k.builtIn || v.info.readOnly
          ? h('span', {}, k.note ?? '', k.itemId ? ` (item ${k.itemId})` : '')
          : h(
              'span',
              { class: 'inline-form' },
              h('input', {
                type: 'text',
                'aria-label': `Note for marker ${k.label}`,
                value: k.note ?? '',
                placeholder: 'note',
                onchange: (e: Event) => ((k.note = valueOf(e)), void v.records.update('markers', k)),
              }),
              h('input', {
                type: 'text',
                'aria-label': `Evidence item for marker ${k.label}`,
                value: k.itemId ?? '',
                placeholder: 'item id',
                onchange: (e: Event) => ((k.itemId = valueOf(e) || undefined), void v.records.update('markers', k)),
              }),
              h(
                'button',
                { type: 'button', class: 'small', onclick: () => void v.records.remove('markers', k.id) },
                'Delete',
              ),
            ),
        h(
          'button',
          { type: 'button', class: 'small', onclick: () => v.navigation.focus(v.toWorld(k.position)) },
          'Show',
        ),
        k.itemId
          ? h(
              'a',
              {
                class: 'small',
                href: v.api.casePath(`items/${encodeURIComponent(k.itemId)}/thumbnail`),
                target: '_blank',
                rel: 'noopener',
              },
              ' item',
            )
          : null,
      ),
    );
  }

  private annotationsSection(): Node | null {
    const v = this.viewer;
    const rows = v.records.annotations.map((a) =>
      h(
        'li',
        {},
        a.builtIn || v.info.readOnly
          ? h('span', {}, a.text)
          : h('input', {
              type: 'text',
              'aria-label': 'Annotation text',
              value: a.text,
              onchange: (e: Event) => ((a.text = valueOf(e)), void v.records.update('annotations', a)),
            }),
        h(
          'button',
          { type: 'button', class: 'small', onclick: () => v.navigation.focus(v.toWorld(a.position)) },
          'Show',
        ),
      ),
    );
    return rows.length > 0 ? section('Annotations', h('ul', {}, ...rows)) : null;
  }

  private sightSection(): Node | null {
    const v = this.viewer;
    if (v.sight.lines.length === 0) return null;
    const line = (s: (typeof v.sight.lines)[number], i: number) =>
      h(
        'li',
        { class: s.result.visible ? 'ok' : 'bad' },
        `#${i + 1}: ${s.result.visible ? 'visible' : `blocked at ${s.result.distance.toFixed(2)} ${v.units} by ${formatPoint(v.toSource(s.result.blocking!))}`}`,
      );
    return section('Lines of sight', h('ul', { id: 'sight-lines' }, ...v.sight.lines.map(line)));
  }

  private photosSection(): Node | null {
    const v = this.viewer;
    const photos = v.photos;
    if (photos.viewpoints.length === 0) return null;
    const opacity = h(
      'label',
      {},
      'Photo opacity ',
      h('input', {
        type: 'range',
        min: '0',
        max: '1',
        step: '0.05',
        value: String(this.opacity),
        oninput: (e: Event) => ((this.opacity = Number(valueOf(e))), (this.photo.style.opacity = String(this.opacity))),
      }),
    );
    return section(
      'Photo viewpoints',
      h(
        'ul',
        {},
        ...photos.viewpoints.map((p) =>
          h(
            'li',
            {},
            h('button', { type: 'button', onclick: () => void v.lookThrough(p, this.photo) }, `Look through ${p.name}`),
          ),
        ),
      ),
      photos.active ? opacity : null,
      photos.active
        ? h('button', { type: 'button', onclick: () => v.leavePhoto() }, 'Leave photo ', h('kbd', {}, 'Esc'))
        : null,
    );
  }

  /** Scanner photos: step to each scan position (or to the next and previous) and see its photo over the points. */
  private scanPhotosSection(): Node | null {
    const v = this.viewer;
    const sp = v.scanPhotos;
    if (sp.entries.length === 0) return null;
    const step = (d: 1 | -1) => () => {
      const e = sp.neighbour(d);
      if (e) void v.showScanPhoto(e);
    };
    const kind = (e: (typeof sp.entries)[number]) => e.photo.projection.kind;
    const opacity = h(
      'label',
      {},
      'Photo opacity ',
      h('input', {
        type: 'range',
        id: 'scan-photo-opacity',
        min: '0',
        max: '1',
        step: '0.05',
        value: String(sp.opacity),
        oninput: (e: Event) => (sp.setOpacity(Number(valueOf(e))), v.invalidate()),
      }),
    );
    return section(
      'Scanner photos',
      h(
        'ul',
        { id: 'scan-photos' },
        ...sp.entries.map((e) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                'aria-pressed': String(sp.state?.id === e.photo.id),
                onclick: () => void v.showScanPhoto(e),
              },
              `${e.photo.name} (${kind(e)})`,
            ),
          ),
        ),
      ),
      sp.entries.length > 1
        ? h(
            'p',
            {},
            h('button', { type: 'button', onclick: step(-1) }, 'Previous position'),
            ' ',
            h('button', { type: 'button', onclick: step(1) }, 'Next position'),
          )
        : null,
      sp.state?.note ? h('p', { class: 'case' }, sp.state.note) : null,
      sp.active ? opacity : null,
      sp.active
        ? h('button', { type: 'button', onclick: () => v.leavePhoto() }, 'Leave photo ', h('kbd', {}, 'Esc'))
        : null,
    );
  }

  private viewsSection(): Node {
    const v = this.viewer;
    const views = v.records.views;
    const list = h(
      'ul',
      { id: 'views' },
      ...views.map((sv) =>
        h(
          'li',
          {},
          h('button', { type: 'button', onclick: () => v.applyView(sv) }, sv.name),
          !v.info.readOnly
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  'aria-label': `Delete view ${sv.name}`,
                  onclick: () => void v.records.remove('views', sv.id),
                },
                'Delete',
              )
            : null,
        ),
      ),
    );
    const save = (e: Event) => {
      e.preventDefault();
      const input = (e.target as HTMLFormElement).elements.namedItem('view-name') as HTMLInputElement;
      void v.saveView(input.value.trim() || `View ${views.length + 1}`);
    };
    const form = h(
      'form',
      { class: 'inline-form', onsubmit: save },
      h('input', { type: 'text', name: 'view-name', 'aria-label': 'Name of the view', placeholder: 'view name' }),
      h('button', { type: 'submit' }, 'Save view'),
    );
    return section('Saved views', list, !v.info.readOnly ? form : null);
  }

  toggleClip(): void {
    this.viewer.clipping.toggle();
    this.viewer.invalidate();
    this.render();
  }

  downloadScreenshot(): void {
    const url = this.viewer.screenshot();
    const a = h('a', {
      href: url,
      download: `${safeName(this.viewer.info.caseReference || 'vestige')}-${safeName(this.viewer.manifest.name)}-${Date.now()}.png`,
    });
    document.body.append(a);
    a.click();
    a.remove();
  }

  /** One key, one action; keys that move the camera go to the navigation while held. */
  private installKeys(): void {
    const v = this.viewer;
    const actions: Record<string, () => void> = {
      '1': () => v.orthoView('top'),
      '2': () => v.orthoView('front'),
      '3': () => v.orthoView('side'),
      '0': () => v.navigation.perspectiveView(),
      r: () => v.navigation.restoreInitialView(),
      f: () => v.lastPick && v.navigation.focus(v.lastPick.world),
      g: () => {
        v.navigation.walk = !v.navigation.walk;
        this.status(v.navigation.walk ? 'Walk mode: W A S D keep the eye height.' : 'Fly mode.');
      },
      c: () => this.toggleClip(),
      p: () => this.downloadScreenshot(),
      enter: () => void v.finishTool(),
      ' ': () => v.pickAtCentre(),
      escape: () => {
        v.cancelTool();
        v.selectTool(null);
      },
      h: () => ((this.helpOpen = !this.helpOpen), this.render()),
      '?': () => ((this.helpOpen = !this.helpOpen), this.render()),
    };
    window.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (v.navigation.holdKey(k, true)) {
        e.preventDefault();
        return;
      }
      const tool = TOOL_KEYS[k];
      const action = tool ? () => v.selectTool(v.tool?.name === tool ? null : tool) : actions[k];
      if (!action) return;
      action();
      e.preventDefault();
    });
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'vestige';
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
