import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { VestigeError, registry, type Registry } from '@vestige/evidence';
import { corrupt } from '../io/input-file.ts';
import type { SceneChunk } from '../points.ts';
import type { SceneFormat } from './format.ts';
import { copcFormat } from './copc.ts';
import { lazFormat } from './laz.ts';
import { lasFormat } from './las.ts';
import { e57Format } from './e57.ts';
import { plyFormat } from './ply.ts';
import { ptsFormat } from './pts.ts';
import { xyzFormat } from './xyz.ts';
import { objFormat } from './obj.ts';
import { gltfFormat } from './gltf.ts';
import { colmapFormat } from './colmap.ts';

/**
 * Every reader's output passes one check here rather than in each format: a coordinate that is not a
 * finite number (NaN, ±Infinity in a float PLY, glTF or text file) is a file that lies about its points.
 */
function finiteCoordinates(format: SceneFormat): SceneFormat {
  return { ...format, read: (path, options) => checkFinite(path, format.read(path, options)) };
}

async function* checkFinite(path: string, chunks: AsyncIterable<SceneChunk>): AsyncGenerator<SceneChunk> {
  let before = 0;
  for await (const chunk of chunks) {
    const positions =
      chunk.kind === 'viewpoint'
        ? chunk.position
        : chunk.kind === 'points'
          ? chunk.positions.subarray(0, chunk.count * 3)
          : chunk.positions;
    for (let i = 0; i < positions.length; i++) {
      if (!Number.isFinite(positions[i]!)) {
        const what =
          chunk.kind === 'viewpoint'
            ? `camera ${chunk.name}`
            : `${chunk.kind === 'mesh' ? 'vertex' : 'point'} ${before + Math.floor(i / 3) + 1}`;
        throw corrupt(
          path,
          `${what} has a coordinate that is not a number (${positions[i]}): the file does not hold valid positions.`,
          { index: before + Math.floor(i / 3) },
        );
      }
    }
    before += chunk.kind === 'points' ? chunk.count : chunk.kind === 'mesh' ? chunk.positions.length / 3 : 0;
    yield chunk;
  }
}

/** Sniffing order matters: the most specific formats first (COPC is also LAZ is also LAS-signed). */
const formats = registry<SceneFormat>(
  'scene format',
  [
    copcFormat,
    lazFormat,
    lasFormat,
    e57Format,
    plyFormat,
    gltfFormat,
    objFormat,
    ptsFormat,
    xyzFormat,
    colmapFormat,
  ].map(finiteCoordinates),
);
export const sceneFormats: readonly SceneFormat[] = formats.list();

/** The registry itself, for code that walks every kind; `sceneFormatById(id)` is the typed lookup. */
export const sceneFormatRegistry: Registry<SceneFormat> = formats;

/** The format, or `E_PARAM_INVALID` naming the known ones. */
export function sceneFormatById(id: string): SceneFormat {
  return formats.get(id);
}

/** Finds the reader for a file or folder by its first bytes, then by its name. */
export async function detectSceneFormat(path: string): Promise<SceneFormat> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new VestigeError('E_INPUT_NOT_FOUND', `${path} does not exist.`, { file: path, cause: err });
  }
  const name = basename(path);
  if (st.isDirectory()) return colmapFormat;
  if (!st.isFile())
    throw new VestigeError('E_INPUT_NOT_FILE', `${path} is not a regular file or folder.`, { file: path });
  if (st.size === 0) throw new VestigeError('E_INPUT_EMPTY', `${path} is empty.`, { file: path });
  const handle = await open(path, 'r');
  const head = Buffer.alloc(Math.min(4096, st.size));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  for (const f of sceneFormats) if (!f.directory && f.sniff(head, name)) return f;
  const lower = name.toLowerCase();
  const byExt = sceneFormats.find((f) => f.extensions.some((e) => lower.endsWith(e)));
  if (byExt) return byExt;
  throw new VestigeError('E_INPUT_UNSUPPORTED', `${name} is not a 3D format Vestige reads.`, {
    file: path,
    hint: `Supported: ${sceneFormats.map((f) => `${f.title} (${f.extensions.join(', ')})`).join('; ')}.`,
  });
}
