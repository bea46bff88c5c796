/** The side panel, keyboard shortcuts and warnings. Plain DOM: every control is a real, focusable element. */
import { Box3, Vector3 } from 'three';
import { measurementsCsv, measurementsGeoJson, type Vec3 } from './measure.ts';
import { COLOR_MODES, type ColorMode } from './point-material.ts';
import { fmtCoord, formatMeasured, type ToolName, type Viewer } from './viewer.ts';

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

const TOOL_KEYS: Record<string, ToolName> = { x: 'point', m: 'distance', l: 'polyline', v: 'height', n: 'angle', b: 'area', k: 'marker', o: 'annotation', y: 'sight' };
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
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
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
    const item = h('div', { class: 'warning' }, h('strong', {}, 'Warning: '), message, h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss warning', onclick: () => item.remove() }, '×'));
    this.el.append(item);
  }
}

export class Panel {
  private helpOpen = false;
  private opacity = 0.6;

  constructor(private readonly root: HTMLElement, private readonly viewer: Viewer, private readonly statusEl: HTMLElement, private readonly photo: HTMLImageElement) {
    this.installKeys();
    this.render();
  }

  status(text: string): void {
    this.statusEl.textContent = text;
  }

  render(): void {
    const v = this.viewer;
    const focusId = document.activeElement?.id;
    const section = (title: string, ...content: (Node | string | null | false)[]) => h('section', {}, h('h2', {}, title), ...content);
    const toolButtons = (Object.keys(TOOL_NAMES) as ToolName[]).map((t) => {
      const key = Object.entries(TOOL_KEYS).find(([, n]) => n === t)![0].toUpperCase();
      return h('button', { type: 'button', id: `tool-${t}`, 'aria-pressed': v.tool === t ? 'true' : 'false', title: `${TOOL_NAMES[t]} (${key})`, onclick: () => v.selectTool(v.tool === t ? null : t) }, `${TOOL_NAMES[t]} `, h('kbd', {}, key));
    });
    const meas = v.measurements;
    const table = h(
      'table',
      { id: 'measurements', 'aria-label': 'Measurements' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Label'), h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col', class: 'num' }, 'Value'), h('th', { scope: 'col' }, ''))),
      h(
        'tbody',
        {},
        ...meas.map((m) =>
          h(
            'tr',
            { 'data-id': m.id, 'data-value': String(m.value), 'data-kind': m.kind },
            h('td', {}, m.label),
            h('td', {}, m.kind),
            h('td', { class: 'num' }, m.kind === 'point' ? fmtCoord(m.points[0]!) : formatMeasured(m.value, m.unit, m.kind)),
            h(
              'td',
              {},
              h('button', { type: 'button', class: 'small', 'aria-label': `Show ${m.label}`, onclick: () => v.focus(v.toWorld(m.points[0]!)) }, 'Show'),
              !m.builtIn && !v.info.readOnly ? h('button', { type: 'button', class: 'small', 'aria-label': `Delete ${m.label}`, onclick: () => void v.remove('measurements', m.id) }, 'Delete') : null,
            ),
          ),
        ),
      ),
    );
    const exportRows = () => meas.map((m) => ({ id: m.id, label: m.label, kind: m.kind, value: m.value, unit: m.unit, points: m.points, operator: m.operator, note: m.note }));
    const meta = { caseReference: v.info.caseReference || v.info.caseName, scene: v.manifest.name, crs: v.manifest.crs?.name, epsg: v.manifest.crs?.epsg };

    const markerRows = [...v.builtMarkers, ...v.markers].map((k) =>
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
              h('input', { type: 'text', 'aria-label': `Note for marker ${k.label}`, value: k.note ?? '', placeholder: 'note', onchange: (e: Event) => ((k.note = (e.target as HTMLInputElement).value), void v.save('markers', k)) }),
              h('input', { type: 'text', 'aria-label': `Evidence item for marker ${k.label}`, value: k.itemId ?? '', placeholder: 'item id', onchange: (e: Event) => ((k.itemId = (e.target as HTMLInputElement).value || undefined), void v.save('markers', k)) }),
              h('button', { type: 'button', class: 'small', onclick: () => void v.remove('markers', k.id) }, 'Delete'),
            ),
        h('button', { type: 'button', class: 'small', onclick: () => v.focus(v.toWorld(k.position)) }, 'Show'),
        k.itemId ? h('a', { class: 'small', href: v.api.casePath(`items/${encodeURIComponent(k.itemId)}/thumbnail`), target: '_blank', rel: 'noopener' }, ' item') : null,
      ),
    );
    const annotationRows = v.annotations.map((a) =>
      h(
        'li',
        {},
        a.builtIn || v.info.readOnly
          ? h('span', {}, a.text)
          : h('input', { type: 'text', 'aria-label': 'Annotation text', value: a.text, onchange: (e: Event) => ((a.text = (e.target as HTMLInputElement).value), v.rebuildOverlay(), void v.save('annotations', a)) }),
        h('button', { type: 'button', class: 'small', onclick: () => v.focus(v.toWorld(a.position)) }, 'Show'),
      ),
    );

    const clip = v.clipBox;
    const clipInputs = clip
      ? h(
          'div',
          { class: 'clip-grid' },
          ...(['min', 'max'] as const).flatMap((end) =>
            (['x', 'y', 'z'] as const).map((axis) =>
              h('label', {}, `${end} ${axis} `, h('input', {
                type: 'number', step: '0.1', id: `clip-${end}-${axis}`, value: clip[end][axis].toFixed(2),
                onchange: (e: Event) => {
                  const b = clip.clone();
                  b[end][axis] = Number((e.target as HTMLInputElement).value);
                  v.setClipBox(b);
                },
              })),
            ),
          ),
        )
      : null;

    const parts: (Node | null)[] = [
      h('header', {}, h('h1', {}, v.manifest.name), h('p', { class: 'case' }, `Case ${v.info.caseReference || v.info.caseName}`, v.info.readOnly ? h('span', { class: 'ro' }, ' · read-only presentation') : ` · ${v.info.operator}`)),
      section('Tools', h('div', { class: 'tools' }, ...toolButtons), v.tool === 'sight' ? h('label', {}, `Eye height (${v.units}) `, h('input', { type: 'number', step: '0.05', min: '0', value: String(v.eyeHeight), onchange: (e: Event) => (v.eyeHeight = Number((e.target as HTMLInputElement).value)) })) : null),
      section(
        'View',
        h(
          'div',
          { class: 'tools' },
          h('button', { type: 'button', onclick: () => v.orthoView('top') }, 'Top ', h('kbd', {}, '1')),
          h('button', { type: 'button', onclick: () => v.orthoView('front') }, 'Front ', h('kbd', {}, '2')),
          h('button', { type: 'button', onclick: () => v.orthoView('side') }, 'Side ', h('kbd', {}, '3')),
          h('button', { type: 'button', onclick: () => v.perspectiveView() }, '3D ', h('kbd', {}, '0')),
          h('button', { type: 'button', onclick: () => v.restoreInitialView() }, 'Reset ', h('kbd', {}, 'R')),
          h('button', { type: 'button', id: 'screenshot', onclick: () => this.downloadScreenshot() }, 'Screenshot ', h('kbd', {}, 'P')),
        ),
        h(
          'label',
          {},
          'Colour ',
          h('select', { id: 'color-mode', onchange: (e: Event) => v.setColorMode((e.target as HTMLSelectElement).value as ColorMode) }, ...COLOR_MODES.map((m) => h('option', { value: m, selected: v.colorMode === m }, m === 'rgb' ? 'RGB' : m === 'uniform' ? 'none (shape only)' : m))),
        ),
        h('label', {}, h('input', { type: 'checkbox', checked: v.useEdl, onchange: (e: Event) => ((v.useEdl = (e.target as HTMLInputElement).checked), v.invalidate()) }), ' Eye-dome lighting'),
        h('label', {}, 'Point budget ', h('input', { type: 'number', min: '100000', step: '100000', value: String(v.pointBudget), onchange: (e: Event) => ((v.pointBudget = Math.max(1e5, Number((e.target as HTMLInputElement).value))), v.invalidate()) })),
        h('label', {}, 'Point size ', h('input', { type: 'range', min: '1', max: '8', step: '0.5', value: String(v.uniforms.uMinSize.value), onchange: (e: Event) => ((v.uniforms.uMinSize.value = Number((e.target as HTMLInputElement).value)), v.invalidate()) })),
        h('label', {}, h('input', { type: 'checkbox', id: 'clip-toggle', checked: !!clip, onchange: () => this.toggleClip() }), ' Clipping box ', h('kbd', {}, 'C')),
        clipInputs,
      ),
      section('Measurements', table, h('div', { class: 'tools' },
        h('button', { type: 'button', onclick: () => download(`${safeName(meta.caseReference)}-measurements.csv`, 'text/csv', measurementsCsv(exportRows(), meta)) }, 'Export CSV'),
        h('button', { type: 'button', onclick: () => download(`${safeName(meta.caseReference)}-measurements.geojson`, 'application/geo+json', measurementsGeoJson(exportRows(), meta)) }, 'Export GeoJSON'),
      )),
      section('Evidence markers', h('ul', { id: 'markers' }, ...markerRows)),
      annotationRows.length > 0 ? section('Annotations', h('ul', {}, ...annotationRows)) : null,
      v.sightLines.length > 0
        ? section('Lines of sight', h('ul', { id: 'sight-lines' }, ...v.sightLines.map((s, i) => h('li', { class: s.result.visible ? 'ok' : 'bad' }, `#${i + 1}: ${s.result.visible ? 'visible' : `blocked at ${s.result.distance.toFixed(2)} ${v.units} by ${fmtCoord(v.toSource(s.result.blocking!))}`}`))))
        : null,
      v.viewpoints.length > 0
        ? section(
            'Photo viewpoints',
            h('ul', {}, ...v.viewpoints.map((p) => h('li', {}, h('button', { type: 'button', onclick: () => void v.lookThrough(p, this.photo) }, `Look through ${p.name}`)))),
            v.activePhoto
              ? h('label', {}, 'Photo opacity ', h('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(this.opacity), oninput: (e: Event) => ((this.opacity = Number((e.target as HTMLInputElement).value)), (this.photo.style.opacity = String(this.opacity))) }))
              : null,
            v.activePhoto ? h('button', { type: 'button', onclick: () => v.leavePhoto() }, 'Leave photo ', h('kbd', {}, 'Esc')) : null,
          )
        : null,
      section(
        'Saved views',
        h('ul', { id: 'views' }, ...v.views.map((sv) => h('li', {}, h('button', { type: 'button', onclick: () => v.applyView(sv) }, sv.name), !v.info.readOnly ? h('button', { type: 'button', class: 'small', 'aria-label': `Delete view ${sv.name}`, onclick: () => void v.remove('views', sv.id) }, 'Delete') : null))),
        !v.info.readOnly
          ? h('form', { class: 'inline-form', onsubmit: (e: Event) => {
              e.preventDefault();
              const input = (e.target as HTMLFormElement).elements.namedItem('view-name') as HTMLInputElement;
              void v.saveView(input.value.trim() || `View ${v.views.length + 1}`);
            } }, h('input', { type: 'text', name: 'view-name', 'aria-label': 'Name of the view', placeholder: 'view name' }), h('button', { type: 'submit' }, 'Save view'))
          : null,
      ),
      h('section', { id: 'help', hidden: !this.helpOpen }, h('h2', {}, 'Keyboard shortcuts'), h('dl', {}, ...SHORTCUTS.flatMap(([k, d]) => [h('dt', {}, k), h('dd', {}, d)]))),
      h('button', { type: 'button', class: 'help-toggle', 'aria-expanded': String(this.helpOpen), onclick: () => ((this.helpOpen = !this.helpOpen), this.render()) }, this.helpOpen ? 'Hide shortcuts' : 'Keyboard shortcuts ', h('kbd', {}, 'H')),
    ];
    this.root.replaceChildren(...parts.filter((p): p is Node => p !== null));
    if (focusId) document.getElementById(focusId)?.focus();
  }

  toggleClip(): void {
    this.viewer.setClipBox(this.viewer.clipBox ? null : this.viewer.defaultClipBox());
    this.render();
  }

  downloadScreenshot(): void {
    const url = this.viewer.screenshot();
    const a = h('a', { href: url, download: `${safeName(this.viewer.info.caseReference || 'vestige')}-${safeName(this.viewer.manifest.name)}-${Date.now()}.png` });
    document.body.append(a);
    a.click();
    a.remove();
  }

  private installKeys(): void {
    const v = this.viewer;
    window.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (v.holdKey(k, true)) {
        e.preventDefault();
        return;
      }
      const tool = TOOL_KEYS[k];
      if (tool) v.selectTool(v.tool === tool ? null : tool);
      else if (k === '1') v.orthoView('top');
      else if (k === '2') v.orthoView('front');
      else if (k === '3') v.orthoView('side');
      else if (k === '0') v.perspectiveView();
      else if (k === 'r') v.restoreInitialView();
      else if (k === 'f' && v.lastPick) v.focus(v.lastPick.world);
      else if (k === 'g') {
        v.walk = !v.walk;
        this.status(v.walk ? 'Walk mode: W A S D keep the eye height.' : 'Fly mode.');
      } else if (k === 'c') this.toggleClip();
      else if (k === 'p') this.downloadScreenshot();
      else if (k === 'enter') void v.finishTool();
      else if (k === ' ') v.pickAtCentre();
      else if (k === 'escape') {
        v.cancelTool();
        v.selectTool(null);
      } else if (k === 'h' || k === '?') {
        this.helpOpen = !this.helpOpen;
        this.render();
      } else return;
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

export function boxFrom(a: Vec3, b: Vec3): Box3 {
  return new Box3(new Vector3(...a).min(new Vector3(...b)), new Vector3(...a).max(new Vector3(...b)));
}
