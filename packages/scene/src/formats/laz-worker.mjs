// Worker thread of the LAZ reader: decodes one compressed chunk (laz-chunk-decoder.mjs) and turns its
// records into typed arrays. Plain JavaScript: worker threads start without the TypeScript loader.
// In:  { id, bytes: ArrayBuffer (the chunk), points, pointFormat, recordLength, scale, offset, waveLayer? }
// Out: { id, chunk } (typed arrays transferred) or { id, error: { message } }
import { parentPort } from 'node:worker_threads';
import { decodeLazChunk } from './laz-chunk-decoder.mjs';
import { decodeLasRecords } from './las-records.mjs';

parentPort.on('message', async (task) => {
  try {
    const raw = await decodeLazChunk(task, new Uint8Array(task.bytes));
    const chunk = decodeLasRecords(raw, task.points, task);
    const transfer = [chunk.positions.buffer, chunk.intensity.buffer, chunk.classification.buffer];
    if (chunk.rgb) transfer.push(chunk.rgb.buffer);
    parentPort.postMessage({ id: task.id, chunk }, transfer);
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: { message: err && err.message ? err.message : String(err) } });
  }
});
