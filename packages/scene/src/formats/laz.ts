/**
 * LAZ (LASzip-compressed LAS), streamed chunk by chunk. The chunk table (laz-chunks.ts) says where each
 * compressed chunk lies; chunks are read one at a time and decoded by laz-perf's chunk decoder on worker
 * threads, a few in flight, and yielded in file order. Memory holds those few chunks (LASzip writes
 * 50 000 points a chunk by default) whatever the file's size. Layered LAS 1.4 chunks are found without a
 * table too, by their own heads.
 */
import { availableParallelism } from 'node:os';
import { createLazPerf } from 'laz-perf';
import { VestigeError } from '@vestige/evidence';
import { InputFile, corrupt, withInputFile } from '../io/input-file.ts';
import { TaskThreads } from '../io/task-threads.ts';
import type { PointChunk, SceneChunk } from '../points.ts';
import type { SceneFormat, SceneReadOptions } from './format.ts';
import type { LasHeader } from './las-header.ts';
import { lasSceneHeader } from './las.ts';
import { lazDecodePlan, readChunkTable, readLaszipVlr, walkLayeredChunks, type LazChunk, type LazDecodePlan, type LaszipVlr } from './laz-chunks.ts';

type LazPerfModule = Awaited<ReturnType<typeof createLazPerf>>;
let lazPerf: Promise<LazPerfModule> | undefined;
export function loadLazPerf(): Promise<LazPerfModule> {
  if (lazPerf === undefined) lazPerf = createLazPerf();
  return lazPerf as Promise<LazPerfModule>;
}

/** A chunk is decoded whole in one thread: beyond this many points that would no longer be bounded. */
export const MAX_LAZ_CHUNK_POINTS = 1 << 22;

interface ChunkTask extends LazDecodePlan {
  bytes: ArrayBuffer;
  points: number;
  scale: [number, number, number];
  offset: [number, number, number];
}

/** The chunks of a LAZ file, from its table or, for layered chunks, by walking their heads. */
async function* lazChunks(file: InputFile, header: LasHeader, laz: LaszipVlr): AsyncGenerator<LazChunk> {
  const table = await readChunkTable(file, header, laz);
  if (table) {
    yield* table;
    return;
  }
  if (laz.compressor === 3) {
    yield* walkLayeredChunks(file, header, laz);
    return;
  }
  throw new VestigeError('E_INPUT_UNSUPPORTED', `This LAZ file has no readable chunk table, and its point-wise chunks (point format ${header.pointFormat}) can only be found by decoding them in sequence, which Vestige does not do yet.`, {
    file: file.path,
    hint: 'Recompress it with laszip or PDAL (`pdal translate in.laz out.laz`), which write the chunk table, or decompress it to LAS.',
    details: { feature: 'point-wise LAZ without a chunk table' },
  });
}

/** Opens a LAZ file's description: header, LASzip VLR, checked against what the decoder can do. */
export async function openLaz(file: InputFile): Promise<{ header: LasHeader; laz: LaszipVlr; plan: LazDecodePlan }> {
  const { header, vlrs } = await lasSceneHeader(file, 'laz');
  if (!header.compressed) {
    throw new VestigeError('E_INPUT_UNSUPPORTED', 'This .laz file is not compressed (it is plain LAS); read it as .las.', { file: file.path, hint: 'Rename it to .las.' });
  }
  const laz = await readLaszipVlr(file, vlrs);
  return { header, laz, plan: lazDecodePlan(file.path, header, laz) };
}

function ownBuffer(bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

async function* readLaz(path: string, options: SceneReadOptions): AsyncGenerator<PointChunk> {
  const file = await InputFile.open(path);
  let threads: TaskThreads<ChunkTask, { chunk: PointChunk }> | undefined;
  const pending: Promise<PointChunk>[] = [];
  try {
    const { header, laz, plan } = await openLaz(file);
    if (header.pointCount === 0) return;
    threads = new TaskThreads(new URL('./laz-worker.mjs', import.meta.url), Math.max(1, options.workers ?? availableParallelism()));
    // One chunk being read while each thread decodes one and one waits: enough to keep the threads busy.
    const depth = threads.size + 2;
    let index = 0;
    for await (const c of lazChunks(file, header, laz)) {
      options.signal?.throwIfAborted();
      if (c.points > MAX_LAZ_CHUNK_POINTS) {
        throw new VestigeError('E_INPUT_UNSUPPORTED', `A LAZ chunk holds ${c.points} points; Vestige decodes chunks of up to ${MAX_LAZ_CHUNK_POINTS} points.`, {
          file: path,
          hint: 'Recompress it with laszip or PDAL, which write chunks of 50 000 points.',
          details: { feature: 'LAZ chunks over 4 Mi points', chunk: index },
        });
      }
      if (c.offset + c.bytes > file.size) throw corrupt(path, `LAZ chunk ${index} runs past the end of the file (bytes ${c.offset}–${c.offset + c.bytes}, file ${file.size}).`);
      if (pending.length >= depth) yield await pending.shift()!;
      const bytes = await file.read(c.offset, c.bytes, 'compressed points');
      const at = index++;
      const task: ChunkTask = { ...plan, bytes: ownBuffer(bytes), points: c.points, scale: header.scale, offset: header.offset };
      const decoded = threads.run(task, [task.bytes]).then(
        (r) => r.chunk,
        (err: Error) => {
          throw new VestigeError('E_INPUT_CORRUPT', `LAZ chunk ${at} (bytes ${c.offset}–${c.offset + c.bytes}) cannot be decoded: ${err.message}`, {
            file: path,
            hint: 'The file is damaged. Copy it again from the original and compare its hash.',
            cause: err,
          });
        },
      );
      decoded.catch(() => undefined); // awaited in order below; this only stops an early unhandled rejection
      pending.push(decoded);
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await threads?.close();
    await file.close();
  }
}

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
  read(path: string, options: SceneReadOptions = {}): AsyncIterable<SceneChunk> {
    return readLaz(path, options);
  },
};
