/** Why a photo given to the reconstruction is not in the model, in words an examiner can act on. */
import type { ImageDiagnostics, PreparedImage } from '../engine.ts';

export interface PhotoOutcome {
  readonly itemId: string;
  readonly name: string;
  readonly sha256?: string;
  /** Name in the engine's folder (absent when the photo never reached the engine). */
  readonly imageName?: string;
  readonly registered: boolean;
  readonly code?: string;
  readonly reason?: string;
  readonly keypoints?: number;
  readonly verifiedPairs?: number;
}

/** Below this many SIFT features a photo is blank, blurred or featureless for matching purposes. */
const FEW_FEATURES = 100;

export function rejectionReason(
  d: ImageDiagnostics | undefined,
  separateModel: readonly string[] | undefined,
): { code: string; reason: string } {
  if (separateModel) {
    return {
      code: 'separate-model',
      reason: `placed only in a separate model of ${separateModel.length} photo(s) that shares too few matches with the main model to be joined to it`,
    };
  }
  if (!d) return { code: 'not-read', reason: 'the engine did not read this photo' };
  if (d.keypoints < FEW_FEATURES)
    return {
      code: 'few-features',
      reason: `only ${d.keypoints} distinctive features found: the photo is blank, blurred or shows featureless surfaces`,
    };
  if (d.verifiedPairs === 0)
    return {
      code: 'no-overlap',
      reason: `no geometrically verified matches with any other photo (${d.keypoints} features): it does not overlap the others`,
    };
  return {
    code: 'not-placed',
    reason: `matched with ${d.verifiedPairs} other photo(s) but could not be placed: too few of its matches lead to reconstructed points, or they disagree (weak geometry)`,
  };
}

export function photoOutcomes(
  images: readonly PreparedImage[],
  registered: ReadonlySet<string>,
  diagnostics: ReadonlyMap<string, ImageDiagnostics>,
  otherModels: ReadonlyArray<readonly string[]>,
  itemNames: ReadonlyMap<string, string>,
): PhotoOutcome[] {
  return images.map((image) => {
    const d = diagnostics.get(image.name);
    const base = {
      itemId: image.itemId,
      name: itemNames.get(image.itemId) ?? image.itemId,
      sha256: image.sha256,
      imageName: image.name,
      ...(d ? { keypoints: d.keypoints, verifiedPairs: d.verifiedPairs } : {}),
    };
    if (registered.has(image.name)) return { ...base, registered: true };
    return {
      ...base,
      registered: false,
      ...rejectionReason(
        d,
        otherModels.find((m) => m.includes(image.name)),
      ),
    };
  });
}
