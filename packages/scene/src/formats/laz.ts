/**
 * LAZ (LASzip-compressed LAS) through laz-perf's WebAssembly decoder. laz-perf's whole-file reader needs
 * the compressed bytes in its heap, so memory here is the compressed size (≈ 1/7 of the LAS) plus one
 * chunk of points; COPC files, which carry their own chunk index, are read chunk by chunk instead.
 */
import { createLazPerf } from 'laz-perf';
import { VestigeError } from '@vestige/evidence';
import { InputFile, withInputFile } from '../io/input-file.ts';
import type { SceneChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneReadOptions } from './format.ts';
import { decodeLasRecords } from './las-header.ts';
import { lasSceneHeader } from './las.ts';

type LazPerfModule = Awaited<ReturnType<typeof createLazPerf>>;
let lazPerf: Promise<LazPerfModule> | undefined;
export function loadLazPerf(): Promise<LazPerfModule> {
  if (lazPerf === undefined) lazPerf = createLazPerf();
  return lazPerf as Promise<LazPerfModule>;
}

/** laz-perf's heap is 32-bit: refuse files that cannot fit rather than fail inside WebAssembly. */
const MAX_LAZ_BYTES = 1.5 * 2 ** 30;

export const lazFormat: SceneFormat = {
  id: 'laz',
  title: 'LASzip-compressed LAS (LAZ)',
  extensions: ['.laz'],
  sniff(head, name) {
    return head.length >= 4 && head[0] === 0x4c && head[1] === 0x41 && head[2] === 0x53 && head[3] === 0x46 && /\.laz$/i.test(name) && !/\.copc\.laz$/i.test(name);
  },
  header(path) {
    return withInputFile(path, async (file) => (await lasSceneHeader(file, 'laz')).scene);
  },
  async *read(path: string, options: SceneReadOptions = {}): AsyncGenerator<SceneChunk> {
    const file = await InputFile.open(path);
    let bytes: Buffer;
    let header;
    try {
      header = (await lasSceneHeader(file, 'laz')).header;
      if (file.size > MAX_LAZ_BYTES) {
        throw new VestigeError('E_INPUT_TOO_LARGE', `This LAZ file is ${file.size} bytes; the LAZ reader handles up to ${MAX_LAZ_BYTES}.`, {
          file: path,
          hint: 'Convert it to COPC (pdal translate … --writers.copc) or uncompressed LAS, which are read in chunks.',
        });
      }
      bytes = await file.read(0, file.size, 'compressed points');
    } finally {
      await file.close();
    }
    if (header.pointCount === 0) return;
    const L = await loadLazPerf();
    const blob = L._malloc(bytes.length);
    const reader = new L.LASZip();
    let point = 0;
    try {
      L.HEAPU8.set(bytes, blob);
      try {
        reader.open(blob, bytes.length);
      } catch (err) {
        throw new VestigeError('E_INPUT_CORRUPT', `The LAZ data cannot be opened: ${String(err)}`, { file: path, cause: err });
      }
      const len = reader.getPointLength();
      const count = reader.getCount();
      if (count !== header.pointCount) {
        throw new VestigeError('E_INPUT_CORRUPT', `The LAZ header says ${header.pointCount} points, the compressed data ${count}.`, { file: path });
      }
      point = L._malloc(len);
      const per = options.chunkPoints ?? DEFAULT_CHUNK_POINTS;
      const recordHeader = { ...header, recordLength: len };
      for (let done = 0; done < count; ) {
        options.signal?.throwIfAborted();
        const n = Math.min(per, count - done);
        const raw = new Uint8Array(n * len);
        try {
          for (let i = 0; i < n; i++) {
            reader.getPoint(point);
            raw.set(L.HEAPU8.subarray(point, point + len), i * len);
          }
        } catch (err) {
          throw new VestigeError('E_INPUT_CORRUPT', `The LAZ data is damaged near point ${done}: ${String(err)}`, { file: path, cause: err });
        }
        yield decodeLasRecords(raw, n, recordHeader);
        done += n;
      }
    } finally {
      reader.delete();
      L._free(blob);
      if (point) L._free(point);
    }
  },
};
