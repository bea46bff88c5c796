/**
 * The checks every render job makes before it draws anything, each a typed error that fails the job with
 * its reason: the scene is in the case, its manifest is byte for byte the one the recipe names (so the
 * tiles are), and the camera path can be drawn over the frames asked for.
 */
import { VestigeError, canonicalJson, sha256Hex, type CaseStore } from '@vestige/evidence';
import { cameraPathFrameCount, checkCameraPath, parseSceneManifest, type SceneManifest } from '@vestige/scene';
import type { RenderRecipe } from './recipe.ts';

/** The SHA-256 of a scene's manifest as the case holds it (canonical JSON, as its custody event hashes it). */
export function manifestSha256(store: CaseStore, sceneId: string): string {
  const value = store.getRecord('scenes', sceneId);
  if (value === undefined) throw sceneMissing(store, sceneId);
  return sha256Hex(canonicalJson(value));
}

function sceneMissing(store: CaseStore, sceneId: string): VestigeError {
  const known = store.listRecords('scenes').map((r) => r.id);
  return new VestigeError(
    'E_INPUT_MISSING',
    `Scene '${sceneId}' is not in the case ${store.info.reference || store.info.name} (${store.dir}).`,
    {
      file: store.dir,
      hint: known.length
        ? `Scenes in this case: ${known.join(', ')}. Check the recipe's sceneId and the job's caseDir.`
        : 'Build a scene with `vestige scene build` first.',
    },
  );
}

/** The recipe's scene, refused unless its manifest hashes to the recipe's `manifestSha256`. */
export function recipeScene(store: CaseStore, recipe: Pick<RenderRecipe, 'sceneId' | 'manifestSha256'>): SceneManifest {
  const value = store.getRecord('scenes', recipe.sceneId);
  if (value === undefined) throw sceneMissing(store, recipe.sceneId);
  const actual = sha256Hex(canonicalJson(value));
  if (actual !== recipe.manifestSha256) {
    throw new VestigeError(
      'E_INPUT_CHANGED',
      `Scene '${recipe.sceneId}' in this case has manifest SHA-256 ${actual}, not the ${recipe.manifestSha256} the recipe was made for: rendering it would not show what the recipe names.`,
      {
        file: store.dir,
        hint: 'Make the recipe again for the scene as it is now (`vestige render … ` fills in the hash), or render in the case that holds that manifest.',
      },
    );
  }
  return parseSceneManifest(value);
}

/** The frames the recipe renders, inclusive; the path is checked first. */
export function recipeFrames(recipe: Pick<RenderRecipe, 'cameraPath' | 'frames'>): { from: number; to: number } {
  checkCameraPath(recipe.cameraPath);
  const count = cameraPathFrameCount(recipe.cameraPath);
  const range = recipe.frames ?? { from: 0, to: count - 1 };
  if (range.from > range.to || range.to >= count) {
    throw new VestigeError(
      'E_RECIPE_INVALID',
      `Frames ${range.from}–${range.to} are outside camera path '${recipe.cameraPath.id}', which has frames 0–${count - 1}.`,
      { hint: 'Choose frames within the path, or leave `frames` out for all of them.' },
    );
  }
  return range;
}
