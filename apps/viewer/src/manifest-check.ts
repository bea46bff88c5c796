/**
 * The one thing the viewer takes from the server on trust: the scene manifest, checked here against the
 * SHA-256 the officer has (printed by `vestige scene build`, shown on the sign-in page, carried in the
 * scene link as `manifest=`). The manifest names every blob by hash and every tile by the builder's tile
 * hashes, so once it is checked nothing else the server sends need be believed.
 */
import { manifestBytes, type SceneManifest } from '@vestige/scene/core';
import { IntegrityError, sha256Hex } from './api.ts';

export interface ManifestCheck {
  sha256: string;
  /** True when the link named the hash and the manifest matched it; false when there was none to check. */
  pinned: boolean;
}

export async function checkManifest(manifest: SceneManifest, expected: string | null): Promise<ManifestCheck> {
  const sha256 = await sha256Hex(manifestBytes(manifest));
  if (expected !== null && expected !== sha256)
    throw new IntegrityError(`the scene manifest of ${manifest.id}`, expected, sha256);
  return { sha256, pinned: expected !== null };
}
