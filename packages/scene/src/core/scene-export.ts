/** Which export of a scene's markers and measurements to write, and its file name: one choice for every entry point. */
import type { EvidenceMarker, Measurement } from '../manifest/schema.ts';
import { markersCsv, measurementsCsv, type ExportContext } from './export-csv.ts';
import { sceneGeoJson } from './export-geojson.ts';

export type SceneExportSubject = 'markers' | 'measurements';
export type SceneExportFormat = 'csv' | 'geojson';

export const SCENE_EXPORT_MEDIA_TYPES: Readonly<Record<SceneExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
};

export function sceneExportText(
  ctx: ExportContext,
  rows: { markers: readonly EvidenceMarker[]; measurements: readonly Measurement[] },
  what: SceneExportSubject,
  format: SceneExportFormat,
): string {
  if (format === 'geojson')
    return sceneGeoJson(ctx, what === 'markers' ? { markers: rows.markers } : { measurements: rows.measurements });
  return what === 'markers' ? markersCsv(ctx, rows.markers) : measurementsCsv(ctx, rows.measurements);
}

/** `OP-1_2026-room-measurements.csv`: safe on every file system. */
export function sceneExportFileName(ctx: ExportContext, what: SceneExportSubject, format: SceneExportFormat): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${[safe(ctx.caseReference), safe(ctx.manifest.id)].filter((s) => s !== '').join('-')}-${what}.${format}`;
}
