/**
 * Leica PTS: an optional point-count line, then `x y z [intensity [r g b]]` per line. Several scans may be
 * concatenated, each with its own count line. Real files often state a wrong count (exporters that
 * filter points after writing the header), so the count is reported but the lines are what is read.
 * Intensity is Leica's −2048…2047 range, mapped linearly to 0…65535.
 */
import { withInputFile, corrupt } from '../io/input-file.ts';
import { readLines, splitFields } from '../io/lines.ts';
import type { SceneChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';
import { TextChunkBuilder, type TextColumns } from './text-points.ts';

const ptsIntensity = (v: number): number => Math.max(0, Math.min(65535, Math.round(((v + 2048) * 65535) / 4095)));

/** Reads the first lines to find the declared count and the column layout. */
async function probe(path: string): Promise<{ declared?: number; fields: number }> {
  let declared: number | undefined;
  for await (const line of readLines(path)) {
    const f = splitFields(line);
    if (f.length === 0) continue;
    if (f.length === 1 && declared === undefined && /^\d+$/.test(f[0]!)) {
      declared = Number(f[0]);
      continue;
    }
    return { ...(declared === undefined ? {} : { declared }), fields: f.length };
  }
  return { ...(declared === undefined ? {} : { declared }), fields: 3 };
}

function columnsFor(fields: number): TextColumns {
  return { intensity: fields >= 4 ? 3 : -1, rgb: fields >= 7 ? 4 : -1, normals: -1, intensityTo16: ptsIntensity };
}

async function* readPts(path: string, options: SceneReadOptions): AsyncGenerator<SceneChunk> {
  const { fields } = await probe(path);
  const columns = columnsFor(fields);
  const per = options.chunkPoints ?? DEFAULT_CHUNK_POINTS;
  let builder = new TextChunkBuilder(per, columns);
  let lineNo = 0;
  for await (const line of readLines(path)) {
    lineNo++;
    const f = splitFields(line);
    if (f.length === 0) continue;
    if (f.length === 1 && /^\d+$/.test(f[0]!)) continue; // a scan's count line
    if (f.length < 3 || !builder.push(f))
      throw corrupt(path, `Line ${lineNo} of the PTS file is not a point: '${line.slice(0, 80)}'.`, { line: lineNo });
    if (builder.full) {
      yield builder.take();
      builder = new TextChunkBuilder(per, columns);
      options.signal?.throwIfAborted();
    }
  }
  if (builder.n > 0) yield builder.take();
}

export const ptsFormat: SceneFormat = {
  id: 'pts',
  title: 'Leica PTS',
  extensions: ['.pts'],
  sniff(_head, name) {
    return /\.pts$/i.test(name);
  },
  async header(path): Promise<SceneHeader> {
    await withInputFile(path, async () => undefined); // existence and type checks
    const { declared, fields } = await probe(path);
    const c = columnsFor(fields);
    return {
      format: 'pts',
      ...(declared === undefined ? {} : { points: declared }),
      attributes: { rgb: c.rgb >= 0, intensity: c.intensity >= 0, classification: false, normals: false },
      details: { declaredPoints: declared ?? null, columns: fields },
    };
  },
  read(path, options = {}) {
    return readPts(path, options);
  },
};
