/**
 * XYZ / TXT / CSV point lists: `x y z` then optional columns. Layout by column count: 4 → intensity,
 * 6 → r g b (0–255), 7 → intensity r g b, 9 → r g b nx ny nz, 10 → intensity r g b nx ny nz. A first line
 * that is not numeric is taken as a column header and skipped; intensity is taken as 0–65535 (values up
 * to 255 as 8-bit when the file never exceeds 255 is not knowable while streaming, so 8-bit files stay dark).
 */
import { withInputFile, corrupt } from '../io/input-file.ts';
import { readLines, splitFields } from '../io/lines.ts';
import type { SceneChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';
import { TextChunkBuilder, type TextColumns } from './text-points.ts';

const clamp16 = (v: number): number => Math.max(0, Math.min(65535, Math.round(v)));

export function xyzColumns(fields: number): TextColumns {
  switch (fields) {
    case 4:
    case 5:
      return { intensity: 3, rgb: -1, normals: -1, intensityTo16: clamp16 };
    case 6:
      return { intensity: -1, rgb: 3, normals: -1, intensityTo16: clamp16 };
    case 7:
    case 8:
      return { intensity: 3, rgb: 4, normals: -1, intensityTo16: clamp16 };
    case 9:
      return { intensity: -1, rgb: 3, normals: 6, intensityTo16: clamp16 };
    default:
      return fields >= 10
        ? { intensity: 3, rgb: 4, normals: 7, intensityTo16: clamp16 }
        : { intensity: -1, rgb: -1, normals: -1, intensityTo16: clamp16 };
  }
}

async function probe(path: string): Promise<number> {
  for await (const line of readLines(path)) {
    const f = splitFields(line);
    if (f.length === 0 || line.trimStart().startsWith('#') || !Number.isFinite(Number(f[0]))) continue;
    return f.length;
  }
  return 3;
}

async function* readXyz(path: string, options: SceneReadOptions): AsyncGenerator<SceneChunk> {
  const columns = xyzColumns(await probe(path));
  const per = options.chunkPoints ?? DEFAULT_CHUNK_POINTS;
  let builder = new TextChunkBuilder(per, columns);
  let lineNo = 0;
  let seenPoint = false;
  for await (const line of readLines(path)) {
    lineNo++;
    const f = splitFields(line);
    if (f.length === 0 || line.trimStart().startsWith('#') || line.trimStart().startsWith('//')) continue;
    if (f.length < 3 || !builder.push(f)) {
      if (!seenPoint) continue; // column header line(s)
      throw corrupt(path, `Line ${lineNo} is not a point: '${line.slice(0, 80)}'.`, { line: lineNo });
    }
    seenPoint = true;
    if (builder.full) {
      yield builder.take();
      builder = new TextChunkBuilder(per, columns);
      options.signal?.throwIfAborted();
    }
  }
  if (builder.n > 0) yield builder.take();
}

export const xyzFormat: SceneFormat = {
  id: 'xyz',
  title: 'XYZ / TXT / CSV point list',
  extensions: ['.xyz', '.txt', '.csv', '.asc'],
  sniff(_head, name) {
    return /\.(xyz|txt|csv|asc)$/i.test(name);
  },
  async header(path): Promise<SceneHeader> {
    await withInputFile(path, async () => undefined);
    const fields = await probe(path);
    const c = xyzColumns(fields);
    return {
      format: 'xyz',
      attributes: { rgb: c.rgb >= 0, intensity: c.intensity >= 0, classification: false, normals: c.normals >= 0 },
      details: { columns: fields },
    };
  },
  read(path, options = {}) {
    return readXyz(path, options);
  },
};
