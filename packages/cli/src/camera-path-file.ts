import * as fs from 'node:fs';
import { VestigeError, schemaProblems } from '@vestige/evidence/errors';
import type { CameraPathFileSchema } from '@vestige/scene/core';

/**
 * Reads a camera path file as the viewer and `vestige scene path export` write it. One reader for
 * `render video --path-file` and `scene path import`, so a bad file is refused the same way by both.
 */
export async function readCameraPathFile(file: string): Promise<ReturnType<typeof CameraPathFileSchema.parse>> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new VestigeError(
      missing ? 'E_INPUT_NOT_FOUND' : 'E_INPUT_UNREADABLE',
      missing ? `${file} does not exist` : `${file} is not readable JSON: ${(err as Error).message}`,
      { file },
    );
  }
  const { CameraPathFileSchema } = await import('@vestige/scene/core');
  const parsed = CameraPathFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new VestigeError(
      'E_RECIPE_INVALID',
      `${file} is not a Vestige camera path: ${schemaProblems(parsed.error.issues, 3)}.`,
      {
        file,
        hint: 'Export one from the viewer (Camera paths → Export) or with `vestige scene path export`.',
      },
    );
  }
  return parsed.data;
}
