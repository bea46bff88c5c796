// Decodes one compressed LAZ chunk with laz-perf's chunk decoder into raw LAS point records. Plain
// JavaScript: both worker scripts that decode LAZ (the LAZ reader's and the octree build's) import it.
// Task: { bytes: ArrayBuffer (the chunk), points, pointFormat, recordLength, waveLayer? } (see
// LazDecodePlan in laz-chunks.ts: with waveLayer, the wave-packet layer is cut out first).
import { createLazPerf } from 'laz-perf';

let lazPerf;
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

/**
 * The chunk's `points` records (`recordLength` bytes each), as a view into laz-perf's heap: valid until
 * the next call, so callers copy or write it out before decoding another chunk.
 */
export async function decodeLazChunk(task, bytes) {
  lazPerf ??= createLazPerf();
  const L = await lazPerf;
  const chunk = task.waveLayer ? withoutWaveLayer(bytes, task) : bytes;
  input = reserve(L, input, chunk.length + 8);
  output = reserve(L, output, task.points * task.recordLength);
  L.HEAPU8.set(chunk, input.ptr);
  // The decoder may read a little past the chunk's end (the arithmetic coder reads ahead): zeros there.
  L.HEAPU8.fill(0, input.ptr + chunk.length, input.ptr + chunk.length + 8);
  const decoder = new L.ChunkDecoder();
  try {
    decoder.open(task.pointFormat, task.recordLength, input.ptr);
    for (let i = 0; i < task.points; i++) decoder.getPoint(output.ptr + i * task.recordLength);
  } finally {
    decoder.delete();
  }
  return L.HEAPU8.subarray(output.ptr, output.ptr + task.points * task.recordLength);
}
