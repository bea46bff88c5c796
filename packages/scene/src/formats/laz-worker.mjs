// Worker thread of the LAZ reader: decodes one compressed chunk with laz-perf's chunk decoder and turns
// its records into typed arrays. Plain JavaScript: worker threads start without the TypeScript loader.
// In:  { id, bytes: ArrayBuffer (the chunk), points, pointFormat, recordLength, scale, offset, waveLayer? }
//      (see LazDecodePlan in laz-chunks.ts: with waveLayer, the wave-packet layer is cut out first)
// Out: { id, chunk } (typed arrays transferred) or { id, error: { message } }
import { parentPort } from 'node:worker_threads';
import { createLazPerf } from 'laz-perf';
import { decodeLasRecords } from './las-records.mjs';

const lazPerf = createLazPerf();
// Heap buffers are kept between chunks (chunks are about the same size) and grown when needed.
let input = { ptr: 0, size: 0 };
let output = { ptr: 0, size: 0 };

function reserve(L, buffer, size) {
  if (buffer.size >= size) return buffer;
  if (buffer.ptr) L._free(buffer.ptr);
  const ptr = L._malloc(size);
  if (!ptr) throw new Error(`laz-perf could not allocate ${size} bytes`);
  return { ptr, size };
}

/**
 * A layered chunk without its wave-packet layer: the raw first record loses its 29 descriptor bytes, the
 * size table loses the layer's entry and the data loses the layer's bytes.
 */
function withoutWaveLayer(chunk, task) {
  const { recordOffset, layer, layers } = task.waveLayer;
  const full = task.recordLength + 29;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const sizes = [];
  for (let l = 0; l < layers; l++) sizes.push(view.getUint32(full + 4 + 4 * l, true));
  const dataStart = full + 4 + 4 * layers;
  let cutAt = dataStart;
  for (let l = 0; l < layer; l++) cutAt += sizes[l];
  const out = new Uint8Array(chunk.length - 29 - 4 - sizes[layer]);
  let o = 0;
  const put = (from, to) => {
    out.set(chunk.subarray(from, to), o);
    o += to - from;
  };
  put(0, recordOffset);
  put(recordOffset + 29, full + 4 + 4 * layer); // rest of the record, the count, sizes before the layer
  put(full + 4 + 4 * (layer + 1), cutAt); // sizes after it, data before it
  put(cutAt + sizes[layer], chunk.length);
  return out;
}

async function decode(task) {
  const L = await lazPerf;
  const bytes = task.waveLayer ? withoutWaveLayer(new Uint8Array(task.bytes), task) : new Uint8Array(task.bytes);
  input = reserve(L, input, bytes.length + 8);
  output = reserve(L, output, task.points * task.recordLength);
  L.HEAPU8.set(bytes, input.ptr);
  // The decoder may read a little past the chunk's end (the arithmetic coder reads ahead): zeros there.
  L.HEAPU8.fill(0, input.ptr + bytes.length, input.ptr + bytes.length + 8);
  const decoder = new L.ChunkDecoder();
  try {
    decoder.open(task.pointFormat, task.recordLength, input.ptr);
    for (let i = 0; i < task.points; i++) decoder.getPoint(output.ptr + i * task.recordLength);
  } finally {
    decoder.delete();
  }
  const raw = L.HEAPU8.subarray(output.ptr, output.ptr + task.points * task.recordLength);
  return decodeLasRecords(raw, task.points, task);
}

parentPort.on('message', async (task) => {
  try {
    const chunk = await decode(task);
    const transfer = [chunk.positions.buffer, chunk.intensity.buffer, chunk.classification.buffer];
    if (chunk.rgb) transfer.push(chunk.rgb.buffer);
    parentPort.postMessage({ id: task.id, chunk }, transfer);
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: { message: err && err.message ? err.message : String(err) } });
  }
});
