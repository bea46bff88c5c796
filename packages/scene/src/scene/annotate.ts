/**
 * Scene records in a case: measurements, evidence markers, notes and saved views, each its own case
 * record with a custody event (layout in core/records.ts). The CLI and the server both save through
 * `saveSceneRecord`, so a record is checked and stored the same way whoever sends it; a measurement's
 * value is always recomputed here from its points by the scene core.
 */
import { VestigeError, type CaseStore } from '@vestige/evidence';
import type { EvidenceMarker, Measurement, SceneManifest } from '../manifest/schema.ts';
import { schemaProblems } from '../manifest/parse.ts';
import { measureScene, recomputeMeasurement, type MeasurementKind } from '../core/measure.ts';
import {
  SCENE_RECORD_ID,
  byRecordId,
  nextMarkerLabel,
  sceneMarkers,
  sceneMeasurements,
  sceneRecordAction,
  sceneRecordKey,
  type SceneRecordCollection,
  type SceneRecordValues,
  type StoredSceneRecord,
} from '../core/records.ts';
import { SCENE_RECORD_SCHEMAS } from '../core/record-schemas.ts';
import type { Vec3 } from '../core/vector.ts';
import { loadScene } from './build-scene.ts';

export function checkRecordId(id: string): void {
  if (!SCENE_RECORD_ID.test(id))
    throw new VestigeError(
      'E_PARAM_INVALID',
      `'${id}' is not a record id: use 1–100 letters, digits, ".", "_" or "-".`,
    );
}

/**
 * Validates and stores one scene record for `manifest`'s scene. A measurement keeps the value, unit and
 * ± that its points give in this scene, measured here by the scene core (a different value or unit sent
 * with it is refused, never kept; one sent without them is measured), and names the operator who saved
 * it. Returns what was stored.
 */
export function saveSceneRecord<C extends SceneRecordCollection>(
  store: CaseStore,
  manifest: SceneManifest,
  collection: C,
  body: unknown,
  operator: string,
): SceneRecordValues[C] {
  const parsed = SCENE_RECORD_SCHEMAS[collection].safeParse(body);
  const what = collection.replace(/s$/, '');
  if (!parsed.success)
    throw new VestigeError('E_PARAM_INVALID', `Not a valid ${what}: ${schemaProblems(parsed.error.issues, 3)}.`);
  let value = parsed.data as SceneRecordValues[C];
  checkRecordId(value.id);
  if (collection === 'measurements') {
    const m = value as Partial<Measurement> & Pick<Measurement, 'id' | 'kind' | 'points'>;
    const result = recomputeMeasurement(manifest, m);
    if (typeof result === 'string') throw new VestigeError('E_PARAM_INVALID', `Measurement ${m.id}: ${result}.`);
    const { uncertainty: _sent, ...rest } = m;
    value = {
      ...rest,
      value: result.value,
      unit: result.unit,
      ...(result.uncertainty ? { uncertainty: result.uncertainty } : {}),
      operator,
    } as SceneRecordValues[C];
  }
  const stored: StoredSceneRecord<SceneRecordValues[C]> = { sceneId: manifest.id, value };
  store.putRecord(
    collection,
    sceneRecordKey(manifest.id, value.id),
    stored,
    operator,
    sceneRecordAction(collection, 'saved'),
  );
  return value;
}

/** The saved records of one collection for a scene, ordered by id (built-in entries are in the manifest). */
export function listSceneRecords<C extends SceneRecordCollection>(
  store: CaseStore,
  collection: C,
  sceneId: string,
): Array<SceneRecordValues[C] & { updatedAt: string }> {
  const records = store
    .listRecords<StoredSceneRecord<SceneRecordValues[C]>>(collection)
    .filter((r) => r.value?.sceneId === sceneId)
    .map((r) => ({ ...r.value.value, updatedAt: r.updatedAt }));
  return byRecordId(records);
}

export function getSceneRecord<C extends SceneRecordCollection>(
  store: CaseStore,
  collection: C,
  sceneId: string,
  id: string,
): SceneRecordValues[C] | undefined {
  return store.getRecord<StoredSceneRecord<SceneRecordValues[C]>>(collection, sceneRecordKey(sceneId, id))?.value;
}

export function deleteSceneRecord(
  store: CaseStore,
  collection: SceneRecordCollection,
  sceneId: string,
  id: string,
  operator: string,
): boolean {
  return store.deleteRecord(collection, sceneRecordKey(sceneId, id), operator);
}

/** Every measurement and marker of a scene in export order (built in, then saved), without `updatedAt`. */
export function sceneExportRows(
  store: CaseStore,
  manifest: SceneManifest,
): { measurements: Measurement[]; markers: EvidenceMarker[] } {
  const bare = <T extends { updatedAt: string }>({ updatedAt: _u, ...rest }: T): Omit<T, 'updatedAt'> => rest;
  return {
    measurements: sceneMeasurements(manifest, listSceneRecords(store, 'measurements', manifest.id).map(bare)),
    markers: sceneMarkers(manifest, listSceneRecords(store, 'markers', manifest.id).map(bare)),
  };
}

/** `PREFIX-n` one past the highest such id in use (built in or saved). */
function nextId(prefix: string, used: readonly { id: string }[]): string {
  let n = 0;
  for (const { id } of used) {
    const m = new RegExp(`^${prefix}-(\\d+)$`).exec(id);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return `${prefix}-${n + 1}`;
}

/** Measures `points` (source frame) and saves the measurement; ids default to `D-n`. */
export function addMeasurement(
  store: CaseStore,
  sceneId: string,
  m: { label: string; kind: MeasurementKind; points: Vec3[]; note?: string; id?: string },
  operator: string,
): Measurement {
  const manifest = loadScene(store, sceneId);
  const id = m.id ?? nextId('D', sceneExportRows(store, manifest).measurements);
  const result = measureScene(manifest, m.kind, m.points);
  const body: Measurement = {
    id,
    label: m.label,
    kind: m.kind,
    points: m.points.map((p) => [p[0], p[1], p[2]]),
    value: result.value,
    unit: result.unit,
    ...(m.note ? { note: m.note } : {}),
  };
  return saveSceneRecord(store, manifest, 'measurements', body, operator);
}

/** Places an evidence marker; the label defaults to the lowest unused number, as the viewer numbers them. */
export function addMarker(
  store: CaseStore,
  sceneId: string,
  marker: Omit<EvidenceMarker, 'id' | 'label'> & { id?: string; label?: string },
  operator: string,
): EvidenceMarker {
  const manifest = loadScene(store, sceneId);
  const all = sceneExportRows(store, manifest).markers;
  const body: EvidenceMarker = {
    ...marker,
    id: marker.id ?? nextId('M', all),
    label: marker.label ?? nextMarkerLabel(all),
  };
  return saveSceneRecord(store, manifest, 'markers', body, operator);
}
