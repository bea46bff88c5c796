/**
 * LAZ (LASzip-compressed LAS), streamed chunk by chunk. The chunk table (laz-chunks.ts) says where each
 * compressed chunk lies; chunks are read one at a time and decoded by laz-perf's chunk decoder on worker
 * threads, a few in flight, and yielded in file order. Memory holds those few chunks (LASzip writes
 * 50 000 points a chunk by default) whatever the file's size. Layered LAS 1.4 chunks are found without a
 * table too, by their own heads. Point formats 4 and 5, and point-wise chunks without a table, go through
 * Vestige's own point-wise decoder (laz-pointwise.ts) on this thread, chunk by chunk as well.
 */
import { availableParallelism } from 'node:os';
import { createLazPerf } from 'laz-perf';
import { VestigeError, isVestigeError } from '@vestige/evidence';
import { InputFile, corrupt, withInputFile } from '../io/input-file.ts';
import { WorkerPool } from '@vestige/evidence/worker-pool';
import type { PointChunk, SceneChunk } from '../points.ts';
import type { SceneFormat, SceneReadOptions } from './format.ts';
import type { LasHeader } from './las-header.ts';
import { lasSceneHeader } from './las.ts';
import {
  lazDecodePlan,
  readChunkTable,
  readLaszipVlr,
  walkLayeredChunks,
  type LazChunk,
  type LazDecodePlan,
  type LaszipVlr,
} from './laz-chunks.ts';
import { PointwiseChunkDecoder } from './laz-pointwise.ts';
import { decodeLasRecords } from './las-header.ts';
import type { LasSource } from '../build/record-passes.mjs';

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

function tooBigChunk(path: string, points: number, chunk: number): VestigeError {
  return new VestigeError(
    'E_INPUT_UNSUPPORTED',
    `A LAZ chunk holds ${points} points; Vestige decodes chunks of up to ${MAX_LAZ_CHUNK_POINTS} points.`,
    {
      file: path,
      hint: 'Recompress it with laszip or PDAL, which write chunks of 50 000 points.',
      details: { feature: 'LAZ chunks over 4 Mi points', chunk },
    },
  );
}

/**
 * Point-wise chunks through Vestige's own decoder, one after another on this thread: chunks of formats
 * 4 and 5 (from the table), and point-wise chunks without a table, whose ends are found by decoding them
 * (each read through a window of at most twice its raw size).
 */
async function* readPointwiseChunks(
  file: InputFile,
  header: LasHeader,
  laz: LaszipVlr,
  table: LazChunk[] | undefined,
  signal?: AbortSignal,
): AsyncGenerator<PointChunk> {
  if (!table && laz.chunkSize === undefined) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      'This LAZ file has variable-size point-wise chunks and no chunk table, so its chunks cannot be told apart.',
      {
        file: file.path,
        hint: 'Recompress it with laszip or PDAL (`pdal translate in.laz out.laz`), which write the chunk table.',
        details: { feature: 'variable point-wise LAZ chunks without a chunk table' },
      },
    );
  }
  const decoder = new PointwiseChunkDecoder(laz.items);
  if (decoder.recordLength !== header.recordLength)
    throw corrupt(
      file.path,
      `The LASzip items make ${decoder.recordLength}-byte records; the header says ${header.recordLength}.`,
    );
  let at = header.pointDataOffset + 8;
  let left = header.pointCount;
  for (let i = 0; left > 0; i++) {
    signal?.throwIfAborted();
    const c = table?.[i];
    const points = c?.points ?? Math.min(laz.chunkSize!, left);
    if (points > MAX_LAZ_CHUNK_POINTS) throw tooBigChunk(file.path, points, i);
    const start = c?.offset ?? at;
    const bytes = c
      ? await file.read(start, c.bytes, 'compressed points')
      : await file.readUpTo(start, points * header.recordLength * 2 + 4096);
    const records = new Uint8Array(points * header.recordLength);
    try {
      at = start + decoder.decode(bytes, 0, points, records);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw corrupt(
        file.path,
        `LAZ chunk ${i} (from byte ${start}) ends before its ${points} points: the file is truncated.`,
      );
    }
    yield decodeLasRecords(records, points, header);
    left -= points;
  }
}

/** Opens a LAZ file's description: header, LASzip VLR, checked against what the decoder can do. */
export async function openLaz(file: InputFile): Promise<{ header: LasHeader; laz: LaszipVlr; plan: LazDecodePlan }> {
  const { header, vlrs } = await lasSceneHeader(file, 'laz');
  if (!header.compressed) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      'This .laz file is not compressed (it is plain LAS); read it as .las.',
      { file: file.path, hint: 'Rename it to .las.' },
    );
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
  let threads: WorkerPool<ChunkTask, PointChunk> | undefined;
  const pending: Promise<PointChunk>[] = [];
  try {
    const { header, laz, plan } = await openLaz(file);
    if (header.pointCount === 0) return;
    const table = await readChunkTable(file, header, laz);
    if (plan.pointwise || (!table && laz.compressor === 2)) {
      yield* readPointwiseChunks(file, header, laz, table, options.signal);
      return;
    }
    threads = new WorkerPool(new URL('./laz-worker.mjs', import.meta.url), {
      name: 'LAZ decoding',
      size: Math.max(1, options.workers ?? availableParallelism()),
    });
    // One chunk being read while each thread decodes one and one waits: enough to keep the threads busy.
    const depth = threads.size + 2;
    let index = 0;
    // Layered (LAS 1.4) chunks are found by their own heads when there is no table.
    const chunks = table ?? walkLayeredChunks(file, header, laz);
    for await (const c of chunks) {
      options.signal?.throwIfAborted();
      if (c.points > MAX_LAZ_CHUNK_POINTS) throw tooBigChunk(path, c.points, index);
      if (c.offset + c.bytes > file.size)
        throw corrupt(
          path,
          `LAZ chunk ${index} runs past the end of the file (bytes ${c.offset}–${c.offset + c.bytes}, file ${file.size}).`,
        );
      if (pending.length >= depth) yield await pending.shift()!;
      const bytes = await file.read(c.offset, c.bytes, 'compressed points');
      const at = index++;
      const task: ChunkTask = {
        ...plan,
        bytes: ownBuffer(bytes),
        points: c.points,
        scale: header.scale,
        offset: header.offset,
      };
      const decoded = threads.run(task, { transfer: [task.bytes] }).catch((err: Error) => {
        // A worker that crashed, or a closed pool, says nothing about the file.
        if (isVestigeError(err, 'E_WORKER_FAILED') || isVestigeError(err, 'E_CANCELLED')) throw err;
        throw new VestigeError(
          'E_INPUT_CORRUPT',
          `LAZ chunk ${at} (bytes ${c.offset}–${c.offset + c.bytes}) cannot be decoded: ${err.message}`,
          {
            file: path,
            hint: 'The file is damaged. Copy it again from the original and compare its hash.',
            cause: err,
          },
        );
      });
      decoded.catch(() => undefined); // awaited in order below; this only stops an early unhandled rejection
      pending.push(decoded);
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await threads?.close();
    await file.close();
  }
}

/**
 * A LAZ file as the octree build reads it on worker threads (chunks decoded by laz-perf where they lie),
 * or undefined when its chunks must go through this thread's reader (point-wise chunks of formats 4 and
 * 5, or chunks without a table).
 */
export async function lazRecordSource(path: string): Promise<LasSource | undefined> {
  return withInputFile(path, async (file) => {
    const { header, laz, plan } = await openLaz(file);
    if (plan.pointwise) return undefined;
    const table = await readChunkTable(file, header, laz);
    if (!table) return undefined;
    let firstPoint = 0;
    const chunks = table.map((c, index) => {
      if (c.points > MAX_LAZ_CHUNK_POINTS) throw tooBigChunk(path, c.points, index);
      if (c.offset + c.bytes > file.size)
        throw corrupt(
          path,
          `LAZ chunk ${index} runs past the end of the file (bytes ${c.offset}–${c.offset + c.bytes}, file ${file.size}).`,
        );
      const chunk = { ...c, firstPoint };
      firstPoint += c.points;
      return chunk;
    });
    const decode = {
      pointFormat: plan.pointFormat,
      recordLength: plan.recordLength,
      ...(plan.waveLayer ? { waveLayer: plan.waveLayer } : {}),
    };
    return {
      path,
      pointDataOffset: 0,
      recordLength: plan.recordLength,
      pointFormat: plan.pointFormat,
      scale: header.scale,
      offset: header.offset,
      count: header.pointCount,
      laz: { decode, chunks },
    };
  });
}

export const lazFormat: SceneFormat = {
  id: 'laz',
  title: 'LASzip-compressed LAS (LAZ)',
  extensions: ['.laz'],
  sniff(head, name) {
    return (
      head.length >= 4 &&
      head[0] === 0x4c &&
      head[1] === 0x41 &&
      head[2] === 0x53 &&
      head[3] === 0x46 &&
      /\.laz$/i.test(name) &&
      !/\.copc\.laz$/i.test(name)
    );
  },
  header(path) {
    return withInputFile(path, async (file) => (await lasSceneHeader(file, 'laz')).scene);
  },
  read(path: string, options: SceneReadOptions = {}): AsyncIterable<SceneChunk> {
    return readLaz(path, options);
  },
};
