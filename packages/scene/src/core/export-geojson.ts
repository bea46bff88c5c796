/**
 * Markers and measurements as one GeoJSON FeatureCollection in the source frame (RFC 7946 layout; the
 * scene's CRS is named with the pre-RFC `crs` member when the scan gave an EPSG code, as GIS tools that
 * read survey coordinates expect). The one writer behind the CLI, the server and the viewer.
 */
import type { EvidenceMarker, Measurement } from '../manifest/schema.ts';
import type { ExportContext } from './export-csv.ts';
import { MEASUREMENT_DEFINITIONS, describeUncertainty } from './measure.ts';

function measurementGeometry(m: Measurement): { type: string; coordinates: unknown } {
  const coords = m.points.map((p) => [...p]);
  if (m.kind === 'area') return { type: 'Polygon', coordinates: [[...coords, coords[0]!]] };
  return coords.length === 1 ? { type: 'Point', coordinates: coords[0]! } : { type: 'LineString', coordinates: coords };
}

export function sceneGeoJson(
  ctx: ExportContext,
  rows: { markers?: readonly EvidenceMarker[]; measurements?: readonly Measurement[] },
): string {
  const features: unknown[] = [];
  for (const m of rows.markers ?? []) {
    features.push({
      type: 'Feature',
      id: m.id,
      geometry: { type: 'Point', coordinates: [...m.position] },
      properties: { kind: 'marker', label: m.label, itemId: m.itemId ?? null, note: m.note ?? null },
    });
  }
  for (const m of rows.measurements ?? []) {
    const properties = {
      kind: m.kind,
      label: m.label,
      value: m.value,
      plusMinus: m.uncertainty?.plusMinus ?? null,
      unit: m.unit,
      definition: MEASUREMENT_DEFINITIONS[m.kind],
      operator: m.operator ?? null,
      note: m.note ?? null,
    };
    features.push({ type: 'Feature', id: m.id, geometry: measurementGeometry(m), properties });
  }
  const { manifest } = ctx;
  const collection: Record<string, unknown> = {
    type: 'FeatureCollection',
    name: `${ctx.caseReference} ${manifest.name}`,
    scene: manifest.id,
    units: manifest.units,
  };
  if (manifest.measurementUncertainty)
    collection.measurementUncertainty = describeUncertainty(manifest.measurementUncertainty);
  if (manifest.crs?.epsg)
    collection.crs = { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${manifest.crs.epsg}` } };
  collection.features = features;
  return JSON.stringify(collection, null, 2) + '\n';
}
