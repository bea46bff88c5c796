/**
 * Scene records: what officers add to a scene after it was built (measurements, evidence markers,
 * notes, saved views). Each is a case record of its own — collection `measurements`, `markers`,
 * `annotations` or `views`, key `SCENE-ID/RECORD-ID`, value `{ sceneId, value }` — written with a custody
 * event, whether it came from the CLI, the server or the viewer. Markers, measurements and notes made by
 * the scene build itself live in the manifest's layers instead and are read-only ("built in").
 *
 * A new kind of scene record is one more collection here and one more schema in `SCENE_RECORD_SCHEMAS`
 * (record-schemas.ts, kept apart so the viewer's bundle needs no zod); camera paths (`camera-paths`, issue 16)
 * were added so.
 */
import type { Annotation, EvidenceMarker, Measurement, SceneManifest } from '../manifest/schema.ts';
import type { SavedView } from './record-schemas.ts';
import type { CameraPath } from './camera-path.ts';

export type SceneRecordCollection = 'measurements' | 'markers' | 'annotations' | 'views' | 'camera-paths';
export interface SceneRecordValues {
  measurements: Measurement;
  markers: EvidenceMarker;
  annotations: Annotation;
  views: SavedView;
  'camera-paths': CameraPath;
}
const COLLECTIONS: readonly SceneRecordCollection[] = [
  'measurements',
  'markers',
  'annotations',
  'views',
  'camera-paths',
];

export function isSceneRecordCollection(name: string): name is SceneRecordCollection {
  return (COLLECTIONS as readonly string[]).includes(name);
}

/** Record ids travel in URLs and file names: letters, digits, `.`, `_`, `-`. */
export const SCENE_RECORD_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** The case record key of a scene record. */
export function sceneRecordKey(sceneId: string, id: string): string {
  return `${sceneId}/${id}`;
}

/** The custody action of saving one, e.g. `measurement.saved`. */
export function sceneRecordAction(collection: SceneRecordCollection, verb: 'saved' | 'deleted'): string {
  return `${collection.replace(/s$/, '')}.${verb}`;
}

/** The stored form of a scene record. */
export interface StoredSceneRecord<T> {
  sceneId: string;
  value: T;
}

/**
 * "D-2" before "D-10": ids compared by their runs of digits as numbers, the rest as text, so exports
 * list records in the same order everywhere without depending on a locale.
 */
export function compareRecordIds(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!,
      y = pb[i]!;
    const nx = /^\d/.test(x) && /^\d/.test(y) ? Number(x) - Number(y) : 0;
    if (nx !== 0) return nx;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The label of the next evidence marker: the lowest number not yet used in the scene, as on the physical markers. */
export function nextMarkerLabel(markers: readonly Pick<EvidenceMarker, 'label'>[]): string {
  const used = new Set(markers.map((m) => m.label));
  let n = 1;
  while (used.has(String(n))) n++;
  return String(n);
}

/** Saved records in export order: by id, numbers compared as numbers. */
export function byRecordId<T extends { id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => compareRecordIds(a.id, b.id));
}

/** Built-in entries of a layer type, in manifest order. */
function builtIn<T>(
  manifest: Pick<SceneManifest, 'layers'>,
  pick: (layer: SceneManifest['layers'][number]) => readonly T[] | undefined,
): T[] {
  return manifest.layers.flatMap((l) => pick(l) ?? []);
}

/** Every measurement of a scene in export order: built in (manifest order), then saved ones by id. */
export function sceneMeasurements(
  manifest: Pick<SceneManifest, 'layers'>,
  saved: readonly Measurement[],
): Measurement[] {
  const own = builtIn(manifest, (l) => (l.type === 'measurements' ? l.measurements : undefined));
  return [...own, ...byRecordId(saved)];
}

/** Every evidence marker of a scene in export order: built in (manifest order), then saved ones by id. */
export function sceneMarkers(
  manifest: Pick<SceneManifest, 'layers'>,
  saved: readonly EvidenceMarker[],
): EvidenceMarker[] {
  const own = builtIn(manifest, (l) => (l.type === 'markers' ? l.markers : undefined));
  return [...own, ...byRecordId(saved)];
}
