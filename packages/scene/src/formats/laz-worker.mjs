// @ts-check
// Worker thread of the LAZ reader, on the one WorkerPool (@vestige/evidence/worker-pool): decodes one
// compressed chunk (laz-chunk-decoder.mjs) and turns its records into typed arrays. Plain JavaScript: it
// starts without the TypeScript loader.
// In:  { bytes: ArrayBuffer (the chunk), points, pointFormat, recordLength, scale, offset, waveLayer? }
// Out: the chunk's typed arrays, transferred. A thrown error fails this chunk only.
import { serveRequests } from '@vestige/evidence/worker-thread';
import { decodeLazChunk } from './laz-chunk-decoder.mjs';
import { decodeLasRecords } from './las-records.mjs';

/**
 * @typedef {import('./las-records.mjs').LasRecordLayout & { bytes: ArrayBuffer, points: number, waveLayer?: unknown }}
 * ChunkTask
 */
/** @typedef {ReturnType<typeof decodeLasRecords>} DecodedChunk */

serveRequests(
  /** @type {(task: ChunkTask) => Promise<DecodedChunk>} */
  async (task) => decodeLasRecords(await decodeLazChunk(task, new Uint8Array(task.bytes)), task.points, task),
  (chunk) =>
    /** @type {ArrayBuffer[]} */ (
      [chunk.positions.buffer, chunk.intensity?.buffer, chunk.classification?.buffer, chunk.rgb?.buffer].filter(
        (b) => b !== undefined,
      )
    ),
);
