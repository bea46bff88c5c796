/** Exports of a scene: markers and measurements as CSV or GeoJSON, a point subset as LAS. */
import type { CaseStore } from '@vestige/evidence';
import type { Bounds, MarkersLayer, MeasurementsLayer, SceneManifest } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { writeLas } from '../ops/las-writer.ts';
import { pointLayer, scenePoints } from './read-points.ts';
import { toDisplayed } from './transform.ts';

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (rows: unknown[][]): string => rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';

const markersOf = (m: SceneManifest) => m.layers.filter((l): l is MarkersLayer => l.type === 'markers').flatMap((l) => l.markers);
const measurementsOf = (m: SceneManifest) => m.layers.filter((l): l is MeasurementsLayer => l.type === 'measurements').flatMap((l) => l.measurements);

/** One row per marker: source-frame and displayed-frame coordinates. */
export function markersCsv(manifest: SceneManifest): string {
  const rows: unknown[][] = [['scene', 'id', 'label', 'x', 'y', 'z', 'display_x', 'display_y', 'display_z', 'units', 'item', 'note']];
  for (const m of markersOf(manifest)) {
    const d = toDisplayed(manifest, m.position);
    rows.push([manifest.id, m.id, m.label, ...m.position, ...d.map((v) => +v.toFixed(6)), manifest.units, m.itemId, m.note]);
  }
  return csv(rows);
}

/** One row per measurement; its points as `x y z; x y z …` in the source frame. */
export function measurementsCsv(manifest: SceneManifest): string {
  const rows: unknown[][] = [['scene', 'id', 'label', 'kind', 'value', 'unit', 'points', 'operator', 'note']];
  for (const m of measurementsOf(manifest)) rows.push([manifest.id, m.id, m.label, m.kind, +m.value.toFixed(6), m.unit, m.points.map((p) => p.join(' ')).join('; '), m.operator, m.note]);
  return csv(rows);
}

/** GeoJSON FeatureCollection in the source frame (with the scene's CRS named when known). */
export function sceneGeoJson(manifest: SceneManifest, what: 'markers' | 'measurements' | 'all' = 'all'): string {
  const features: unknown[] = [];
  if (what !== 'measurements') {
    for (const m of markersOf(manifest)) {
      features.push({ type: 'Feature', id: m.id, geometry: { type: 'Point', coordinates: m.position }, properties: { kind: 'marker', label: m.label, itemId: m.itemId ?? null, note: m.note ?? null } });
    }
  }
  if (what !== 'markers') {
    for (const m of measurementsOf(manifest)) {
      const coords = m.points;
      const geometry =
        m.kind === 'area' ? { type: 'Polygon', coordinates: [[...coords, coords[0]]] } : coords.length === 1 ? { type: 'Point', coordinates: coords[0] } : { type: 'LineString', coordinates: coords };
      features.push({ type: 'Feature', id: m.id, geometry, properties: { kind: m.kind, label: m.label, value: m.value, unit: m.unit, operator: m.operator ?? null, note: m.note ?? null } });
    }
  }
  const collection: Record<string, unknown> = { type: 'FeatureCollection', name: manifest.name, scene: manifest.id, units: manifest.units, features };
  if (manifest.crs?.epsg) collection.crs = { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${manifest.crs.epsg}` } };
  return JSON.stringify(collection, null, 2) + '\n';
}

/** Writes the points of the scene (or those inside `box`, source frame) as LAS 1.2. */
export async function exportPointsLas(store: CaseStore, manifest: SceneManifest, path: string, options: { box?: Bounds; created?: { dayOfYear: number; year: number } } = {}): Promise<{ points: number; bytes: number }> {
  const layer = pointLayer(manifest);
  const box = options.box;
  async function* filtered(): AsyncGenerator<PointChunk> {
    for await (const node of scenePoints(store, layer, box ? { box } : {})) {
      const c = node.chunk;
      if (!box) {
        yield c;
        continue;
      }
      const keep: number[] = [];
      for (let i = 0; i < c.count; i++) {
        const x = c.positions[i * 3]!, y = c.positions[i * 3 + 1]!, z = c.positions[i * 3 + 2]!;
        if (x >= box.min[0] && x <= box.max[0] && y >= box.min[1] && y <= box.max[1] && z >= box.min[2] && z <= box.max[2]) keep.push(i);
      }
      if (keep.length === 0) continue;
      const n = keep.length;
      const positions = new Float64Array(n * 3);
      const rgb = c.rgb ? new Uint16Array(n * 3) : undefined;
      const intensity = c.intensity ? new Uint16Array(n) : undefined;
      const classification = c.classification ? new Uint8Array(n) : undefined;
      keep.forEach((src, j) => {
        for (let k = 0; k < 3; k++) positions[j * 3 + k] = c.positions[src * 3 + k]!;
        if (rgb) for (let k = 0; k < 3; k++) rgb[j * 3 + k] = c.rgb![src * 3 + k]!;
        if (intensity) intensity[j] = c.intensity![src]!;
        if (classification) classification[j] = c.classification![src]!;
      });
      yield { kind: 'points', count: n, positions, ...(rgb ? { rgb } : {}), ...(intensity ? { intensity } : {}), ...(classification ? { classification } : {}) };
    }
  }
  return writeLas(path, filtered(), { scale: layer.scale, ...(options.created ? { created: options.created } : {}) });
}
