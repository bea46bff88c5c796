/** Evidence markers and measurements on a scene (a new manifest version each time; a custody event each). */
import type { CaseStore } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence';
import type { EvidenceMarker, MarkersLayer, Measurement, MeasurementsLayer, SceneManifest } from '../manifest/schema.ts';
import { parseSceneManifest } from '../manifest/parse.ts';
import { loadScene } from './build-scene.ts';
import { distance, sub, toDisplayed, type Vec3 } from './transform.ts';

/** Measured value in the displayed frame (after scale and level). */
export function measure(manifest: SceneManifest, kind: Measurement['kind'], points: Vec3[]): { value: number; unit: string } {
  const p = points.map((x) => toDisplayed(manifest, x));
  const u = manifest.units;
  const need = (n: number): void => {
    if (p.length < n) throw new VestigeError('E_PARAM_INVALID', `A ${kind} measurement needs at least ${n} points.`);
  };
  switch (kind) {
    case 'distance':
      need(2);
      return { value: distance(p[0]!, p[1]!), unit: u };
    case 'polyline': {
      need(2);
      let total = 0;
      for (let i = 1; i < p.length; i++) total += distance(p[i - 1]!, p[i]!);
      return { value: total, unit: u };
    }
    case 'height':
      need(2);
      return { value: Math.abs(p[1]![2] - p[0]![2]), unit: u };
    case 'angle': {
      need(3);
      const a = sub(p[0]!, p[1]!), b = sub(p[2]!, p[1]!);
      const cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b));
      return { value: (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI, unit: 'deg' };
    }
    case 'area': {
      need(3);
      // Planar polygon area via the cross-product sum (Newell).
      let nx = 0, ny = 0, nz = 0;
      for (let i = 0; i < p.length; i++) {
        const a = p[i]!, b = p[(i + 1) % p.length]!;
        nx += (a[1] - b[1]) * (a[2] + b[2]);
        ny += (a[2] - b[2]) * (a[0] + b[0]);
        nz += (a[0] - b[0]) * (a[1] + b[1]);
      }
      return { value: Math.hypot(nx, ny, nz) / 2, unit: `${u}²` };
    }
  }
}

function save(store: CaseStore, manifest: SceneManifest, operator: string, action: string): SceneManifest {
  const checked = parseSceneManifest(manifest);
  store.putRecord('scenes', manifest.id, checked, operator, action);
  return checked;
}

export function addMarker(store: CaseStore, sceneId: string, marker: Omit<EvidenceMarker, 'id'> & { id?: string }, operator: string): SceneManifest {
  const manifest = loadScene(store, sceneId);
  let layer = manifest.layers.find((l): l is MarkersLayer => l.type === 'markers');
  if (!layer) {
    layer = { type: 'markers', id: 'markers', name: 'Evidence markers', markers: [] };
    manifest.layers.push(layer);
  }
  layer.markers.push({ ...marker, id: marker.id ?? `M-${layer.markers.length + 1}` });
  return save(store, manifest, operator, 'scene.marker.added');
}

export function addMeasurement(
  store: CaseStore,
  sceneId: string,
  m: { label: string; kind: Measurement['kind']; points: Vec3[]; note?: string; id?: string },
  operator: string,
): SceneManifest {
  const manifest = loadScene(store, sceneId);
  let layer = manifest.layers.find((l): l is MeasurementsLayer => l.type === 'measurements');
  if (!layer) {
    layer = { type: 'measurements', id: 'measurements', name: 'Measurements', measurements: [] };
    manifest.layers.push(layer);
  }
  const { value, unit } = measure(manifest, m.kind, m.points);
  layer.measurements.push({ id: m.id ?? `D-${layer.measurements.length + 1}`, label: m.label, kind: m.kind, points: m.points, value, unit, operator, ...(m.note ? { note: m.note } : {}) });
  return save(store, manifest, operator, 'scene.measurement.added');
}
