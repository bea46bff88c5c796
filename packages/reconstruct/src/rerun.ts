/** Compares two stored reconstructions of the same photos (a re-run) by geometry, in metres as the scenes show them. */
import { VestigeError, type CaseStore } from '@vestige/evidence';
import { loadScene, toDisplayed } from '@vestige/scene';
import type { Vec3 } from './geometry/rotation.ts';
import { compareRuns, type PlacedPhotos, type RerunComparison } from './quality/compare.ts';
import type { ReconstructionRecord } from './store.ts';
import { RECONSTRUCTIONS_COLLECTION } from './versions.ts';

function placed(store: CaseStore, id: string): PlacedPhotos {
  const record = store.getRecord<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION, id);
  if (!record)
    throw new VestigeError('E_ITEM_NOT_FOUND', `No reconstruction '${id}' in this case.`, {
      hint: 'List them with `vestige reconstruct list`.',
    });
  const scene = loadScene(store, record.sceneId);
  const positions = new Map<string, Vec3>();
  for (const p of record.photos)
    if (p.registered && p.position && p.sha256) positions.set(p.sha256, toDisplayed(scene, p.position));
  const scale = scene.adjustments.find((a) => a.kind === 'scale');
  return { positions, scaleFactor: scale?.kind === 'scale' ? scale.factor : undefined, given: record.photos.length };
}

export function compareReconstructions(store: CaseStore, first: string, second: string): RerunComparison {
  return compareRuns(placed(store, first), placed(store, second));
}
