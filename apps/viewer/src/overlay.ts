/**
 * What the viewer draws over the points (displayed frame): measurements with their values, evidence
 * markers, notes, lines of sight, the points a tool has picked so far and the neighbourhood of the last
 * pick; and the HTML labels that follow them on screen (and that a screenshot burns in).
 */
import {
  BufferGeometry,
  Float32BufferAttribute,
  Group,
  Line,
  LineBasicMaterial,
  Mesh,
  MeshBasicMaterial,
  Points,
  PointsMaterial,
  SphereGeometry,
  Vector3,
  type Camera,
  type Object3D,
  type Scene,
} from 'three';
import { formatMeasurement, midpoint, type Vec3 } from '@vestige/scene/core';
import type { SightLineRecord } from './tools/sight-tool.ts';
import type { AnnotationRecord, MarkerRecord, MeasurementRecord } from './types.ts';

export interface Label {
  el: HTMLElement;
  /** Displayed frame. */
  at: Vec3;
  kind: 'measure' | 'marker' | 'note' | 'sight-ok' | 'sight-blocked';
}

/** Everything the overlay shows, in the displayed frame. */
export interface OverlayContent {
  measurements: readonly MeasurementRecord[];
  markers: readonly MarkerRecord[];
  annotations: readonly AnnotationRecord[];
  sightLines: readonly SightLineRecord[];
  toWorld(source: Vec3): Vec3;
  /** Radius of the ball on a blocking point. */
  markerSize: number;
}

const COLOURS = {
  measure: 0xffd54a,
  marker: 0xff5c5c,
  note: 0x9be37a,
  sightOk: 0x4cff8a,
  sightBlocked: 0xff4040,
  pending: 0x7fd3ff,
  pick: 0x00e5ff,
};

export function polyline(points: readonly Vec3[], closed: boolean, color: number): Line {
  const pts = closed ? [...points, points[0]!] : points;
  const g = new BufferGeometry();
  g.setAttribute('position', new Float32BufferAttribute(pts.flat(), 3));
  const line = new Line(g, new LineBasicMaterial({ color, depthTest: false }));
  line.renderOrder = 5;
  return line;
}

export function dots(points: readonly Vec3[], color: number, size = 6): Points {
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

export class Overlay {
  readonly group = new Group();
  labels: Label[] = [];
  private pendingObject: Object3D | null = null;
  private pickObject: Object3D | null = null;

  constructor(
    private readonly scene: Scene,
    private readonly labelLayer: HTMLElement | null,
  ) {
    scene.add(this.group);
  }

  private addLabel(text: string, at: Vec3, kind: Label['kind']): void {
    if (!this.labelLayer) return;
    const el = document.createElement('div');
    el.className = `label ${kind}`;
    el.textContent = text;
    this.labelLayer.appendChild(el);
    this.labels.push({ el, at, kind });
  }

  rebuild(c: OverlayContent): void {
    this.group.clear();
    this.labelLayer?.replaceChildren();
    this.labels = [];
    for (const m of c.measurements) {
      const pts = m.points.map((p) => c.toWorld(p));
      this.group.add(polyline(pts, m.kind === 'area', COLOURS.measure), dots(pts, COLOURS.measure));
      const at = pts.length === 2 ? midpoint(pts[0]!, pts[1]!) : m.kind === 'angle' ? pts[1]! : pts[pts.length - 1]!;
      this.addLabel(`${m.label}: ${formatMeasurement(m)}`, at, 'measure');
    }
    for (const k of c.markers) {
      const p = c.toWorld(k.position);
      this.group.add(dots([p], COLOURS.marker, 8));
      this.addLabel(k.label, p, 'marker');
    }
    for (const a of c.annotations) {
      const p = c.toWorld(a.position);
      this.group.add(dots([p], COLOURS.note, 6));
      this.addLabel(a.text, p, 'note');
    }
    for (const s of c.sightLines) this.drawSight(s, c.markerSize);
  }

  private drawSight(s: SightLineRecord, markerSize: number): void {
    const { visible, blocking } = s.result;
    if (visible || !blocking) {
      this.group.add(polyline([s.eye, s.target], false, COLOURS.sightOk));
      this.addLabel('visible', s.target, 'sight-ok');
      return;
    }
    this.group.add(
      polyline([s.eye, blocking], false, COLOURS.sightOk),
      polyline([blocking, s.target], false, COLOURS.sightBlocked),
      ball(blocking, markerSize, COLOURS.sightBlocked),
    );
    this.addLabel('blocked', blocking, 'sight-blocked');
  }

  /** The points a tool has picked so far. */
  showPending(points: readonly Vec3[]): void {
    if (this.pendingObject) this.scene.remove(this.pendingObject);
    this.pendingObject = null;
    if (points.length === 0) return;
    const g = new Group();
    g.add(dots(points, COLOURS.pending, 7));
    if (points.length > 1) g.add(polyline(points, false, COLOURS.pending));
    this.pendingObject = g;
    this.scene.add(g);
  }

  /** The front-surface points the last pick snapped among. */
  showPick(neighbourhood: readonly Vec3[]): void {
    if (this.pickObject) this.scene.remove(this.pickObject);
    const g = new BufferGeometry();
    g.setAttribute('position', new Float32BufferAttribute(neighbourhood.flat(), 3));
    const p = new Points(
      g,
      new PointsMaterial({ color: COLOURS.pick, size: 3, sizeAttenuation: false, depthTest: false }),
    );
    p.renderOrder = 10;
    this.pickObject = p;
    this.scene.add(p);
  }

  /** Moves each label to its point on screen; hides those behind the camera or out of view. */
  placeLabels(camera: Camera, width: number, height: number): void {
    for (const l of this.labels) {
      const v = new Vector3(...l.at).project(camera);
      const inside = v.z > -1 && v.z < 1 && Math.abs(v.x) <= 1.05 && Math.abs(v.y) <= 1.05;
      l.el.hidden = !inside;
      if (inside)
        l.el.style.transform = `translate(${Math.round(((v.x + 1) / 2) * width)}px, ${Math.round(((1 - v.y) / 2) * height)}px)`;
    }
  }
}
