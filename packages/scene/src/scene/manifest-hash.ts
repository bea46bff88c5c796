import { createHash } from 'node:crypto';
import { manifestBytes } from '../manifest/parse.ts';
import type { SceneManifest } from '../manifest/schema.ts';

/** SHA-256 of the manifest's canonical bytes (`manifestBytes`): what an officer notes and the viewer checks. */
export function manifestSha256(manifest: SceneManifest): string {
  return createHash('sha256').update(manifestBytes(manifest)).digest('hex');
}
