import { canonicalJson } from '@vestige/evidence/canonical-json';
import { VestigeError, schemaProblems } from '@vestige/evidence/errors';
import { SceneManifestSchema, type SceneManifest } from './schema.ts';

/** The one wording of schema problems lives with the errors; re-exported for the scene core's callers. */
export { schemaProblems };

/**
 * Checks a manifest read from a case record, a file or the network. Throws `E_SCENE_INVALID` naming the
 * first problems, so a viewer never renders half a scene.
 */
export function parseSceneManifest(value: unknown, file?: string): SceneManifest {
  const result = SceneManifestSchema.safeParse(value);
  if (!result.success) {
    throw new VestigeError(
      'E_SCENE_INVALID',
      `The scene manifest is not valid: ${schemaProblems(result.error.issues)}.`,
      {
        ...(file === undefined ? {} : { file }),
        hint: 'Rebuild the scene with `vestige scene build`, or check that the record was written by this version of Vestige.',
        details: { issues: result.error.issues.slice(0, 20) },
      },
    );
  }
  return result.data;
}

/** Every blob the manifest needs, so a caller can check the case holds them all (or copy them out). */
export function manifestBlobs(manifest: SceneManifest): string[] {
  const out = new Set<string>();
  for (const input of manifest.inputs) out.add(input.sha256);
  for (const layer of manifest.layers) {
    if (layer.type === 'pointcloud') {
      out.add(layer.files.metadata.sha256);
      out.add(layer.files.hierarchy.sha256);
      out.add(layer.files.octree.sha256);
      if (layer.tileHashes) out.add(layer.tileHashes.sha256);
    } else if (layer.type === 'photos') {
      for (const p of layer.photos) {
        out.add(p.image.sha256);
        if (p.mask) out.add(p.mask.sha256);
      }
    } else if (layer.type === 'mesh') {
      out.add(layer.file.sha256);
    } else if (layer.type === 'viewpoints') {
      for (const v of layer.viewpoints) if (v.image?.sha256) out.add(v.image.sha256);
    }
  }
  return [...out].sort();
}

/**
 * The bytes a manifest's hash is taken over: canonical JSON (keys sorted, no whitespace; the form custody
 * events are hashed in), UTF-8. The CLI prints SHA-256 of these bytes when it builds a scene, the server's
 * sign-in page shows it, and the viewer computes it over the manifest it received; the viewer then trusts
 * nothing else from the server, since the manifest names every blob and tile hash.
 */
export function manifestBytes(manifest: SceneManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}
