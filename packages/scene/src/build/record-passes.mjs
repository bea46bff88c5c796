// The octree build's passes over point records, run on worker threads (plain JavaScript: workers start
// without the TypeScript loader). Types: record-passes.d.mts.
//
// A record source is a file of fixed-length records whose first 12 bytes are int32 x, y, z: an
// uncompressed LAS file, the raw LAS records that LAZ chunks were decoded into, or the build's own spill
// of other formats (Potree's record layout with every attribute). q = the record's integer − lo (per
// slice: the frame's base less the source's shift onto the common grid).
//
//   count       — bounds and points per cell of the 64³ counting grid for a slice of records
//   laz         — decodes LAZ chunks into raw LAS records in a spill file, counting as it goes
//   distribute  — writes each point of a slice, as a Potree record, into its chunk's place in chunks.bin
//
// Output is written with positional writes at offsets computed from the counts, so a chunk's records are
// in input order whatever the slicing or the number of threads, and each thread holds one file open.
import * as fs from 'node:fs';
import { decodeLazChunk } from '../formats/laz-chunk-decoder.mjs';

const BATCH_BYTES = 4 << 20;

/** Fills `target` from `position`; a file that ends first is `short` (what the caller knows of it). */
export function readExact(fd, target, position, short = 'octree input file is shorter than its header says') {
  let got = 0;
  while (got < target.length) {
    const n = fs.readSync(fd, target, got, target.length - got, position + got);
    if (n === 0) throw new Error(short);
    got += n;
  }
}

export function writeAllAt(fd, bytes, position) {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/**
 * Yields the records [first, first + count) of a source in batches: { raw, n, view }. The first batch is
 * small: the loops that take the batches then run to their end once before V8 optimises them, with type
 * feedback for every line (a loop optimised during its first long run was deoptimised again and again at
 * code it had not reached yet, which made the distribute pass 3× slower).
 */
function* recordBatches(source, first, count) {
  const per = Math.max(1, Math.floor(BATCH_BYTES / source.recordLength));
  const buffer = Buffer.allocUnsafe(per * source.recordLength);
  const fd = fs.openSync(source.path, 'r');
  try {
    for (let done = 0; done < count; ) {
      const n = Math.min(done === 0 ? 512 : per, count - done);
      const raw = buffer.subarray(0, n * source.recordLength);
      readExact(fd, raw, source.dataOffset + (first + done) * source.recordLength);
      yield { raw, n, view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength) };
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Running bounds of q and the counting grid; `inside` turns false at the first point outside the cube. */
class CellCounter {
  constructor(bits, countBits) {
    this.size = 2 ** bits;
    this.shift = bits - countBits;
    this.countBits = countBits;
    this.counts = new Uint32Array(1 << (3 * countBits));
    this.inside = true;
    this.min = [Infinity, Infinity, Infinity];
    this.max = [-Infinity, -Infinity, -Infinity];
  }

  /** Counts the n records of a batch (x, y, z int32 at 0, 4, 8 of each `stride`-byte record). */
  add(view, n, stride, lo) {
    const { size, shift, counts } = this;
    const cb = this.countBits;
    const lx = lo[0],
      ly = lo[1],
      lz = lo[2];
    let x0 = this.min[0],
      y0 = this.min[1],
      z0 = this.min[2],
      x1 = this.max[0],
      y1 = this.max[1],
      z1 = this.max[2];
    let inside = this.inside;
    for (let i = 0, o = 0; i < n; i++, o += stride) {
      const qx = view.getInt32(o, true) - lx;
      const qy = view.getInt32(o + 4, true) - ly;
      const qz = view.getInt32(o + 8, true) - lz;
      if (qx < x0) x0 = qx;
      if (qx > x1) x1 = qx;
      if (qy < y0) y0 = qy;
      if (qy > y1) y1 = qy;
      if (qz < z0) z0 = qz;
      if (qz > z1) z1 = qz;
      if (inside) {
        if (qx >= 0 && qy >= 0 && qz >= 0 && qx < size && qy < size && qz < size) {
          counts[((qx >>> shift) << (2 * cb)) | ((qy >>> shift) << cb) | (qz >>> shift)]++;
        } else inside = false;
      }
    }
    this.min[0] = x0;
    this.min[1] = y0;
    this.min[2] = z0;
    this.max[0] = x1;
    this.max[1] = y1;
    this.max[2] = z1;
    this.inside = inside;
  }

  result() {
    return { counts: this.inside ? this.counts : undefined, qMin: this.min, qMax: this.max };
  }
}

/** Count pass over a slice of a source. */
export function countSlice(task) {
  const counter = new CellCounter(task.bits, task.countBits);
  for (const b of recordBatches(task.source, task.first, task.count))
    counter.add(b.view, b.n, task.source.recordLength, task.lo);
  return counter.result();
}

/**
 * LAZ chunks of one slice decoded (laz-perf) into raw LAS records at their place in the spill, counted on
 * the way. The spill then serves the distribute pass as an uncompressed LAS source.
 */
export async function lazSlice(task) {
  const counter = new CellCounter(task.bits, task.countBits);
  const src = fs.openSync(task.path, 'r');
  const out = fs.openSync(task.spillPath, 'r+');
  let decoded = 0;
  try {
    for (const c of task.chunks) {
      const bytes = new Uint8Array(c.bytes);
      readExact(src, bytes, c.offset);
      const raw = await decodeLazChunk({ ...task.plan, points: c.points }, bytes);
      decoded++;
      writeAllAt(out, raw, c.firstPoint * task.plan.recordLength);
      counter.add(new DataView(raw.buffer, raw.byteOffset, raw.byteLength), c.points, task.plan.recordLength, task.lo);
    }
  } finally {
    fs.closeSync(src);
    fs.closeSync(out);
  }
  return { ...counter.result(), lazChunksDecoded: decoded };
}

/**
 * One buffer for every distribute task of this thread, kept and grown: a new one per task left the
 * freed ones with the C allocator, so a build of many slices held several.
 */
let distributeBytes = new Uint8Array(0);
function distributeBuffer(size) {
  if (distributeBytes.length < size) distributeBytes = new Uint8Array(size);
  return distributeBytes.subarray(0, size);
}

/**
 * Per-chunk buffers of one distribute task (one allocation, chunk c's at c × capacity records), written at
 * each chunk's next place in chunks.bin when full.
 */
class ChunkBuffers {
  constructor(fd, positions, capacity, bpp) {
    this.fd = fd;
    this.next = Float64Array.from(positions);
    this.capacity = capacity;
    this.bpp = bpp;
    this.bytes = distributeBuffer(positions.length * capacity * bpp);
    this.view = new DataView(this.bytes.buffer, 0, this.bytes.length);
    this.fill = new Int32Array(positions.length);
    this.written = new Float64Array(positions.length);
  }

  flush(c) {
    const n = this.fill[c];
    if (n === 0) return;
    const start = c * this.capacity * this.bpp;
    writeAllAt(this.fd, this.bytes.subarray(start, start + n * this.bpp), this.next[c]);
    this.next[c] += n * this.bpp;
    this.written[c] += n;
    this.fill[c] = 0;
  }
}

/** Min/max of colour, intensity and class of the records written (metadata.json states them). */
class AttributeSpan {
  constructor() {
    this.rgbMin = [65535, 65535, 65535];
    this.rgbMax = [0, 0, 0];
    this.intensityMin = 65535;
    this.intensityMax = 0;
    this.classMin = 255;
    this.classMax = 0;
  }
}

/**
 * One batch of the distribute pass: every point becomes a Potree record (q, then the layout's attributes)
 * appended to its chunk's buffer. A function of its own so V8 optimises it with full type feedback
 * (optimised in the middle of one long loop, it was deoptimised at its first flush: 3× slower).
 */
function distributeBatch(raw, view, n, task, out, span) {
  const stride = task.source.recordLength;
  const { bytesPerPoint: bpp, rgbOffset: ro, intensityOffset: io, classificationOffset: co } = task.layout;
  const { rgbAt: srgb, intensityAt: sint, classAt: scls, classMask: cmask } = task.source;
  const cellChunk = task.cellChunkView;
  const cb = task.countBits;
  const shift = task.bits - cb;
  const lx = task.lo[0],
    ly = task.lo[1],
    lz = task.lo[2];
  const fill = out.fill;
  const capacity = out.capacity;
  const buf = out.bytes;
  const bufView = out.view;
  const region = capacity * bpp;
  const rgbMin = span.rgbMin,
    rgbMax = span.rgbMax;
  let r0 = rgbMin[0],
    g0 = rgbMin[1],
    b0 = rgbMin[2],
    r1 = rgbMax[0],
    g1 = rgbMax[1],
    b1 = rgbMax[2];
  let iMin = span.intensityMin,
    iMax = span.intensityMax,
    cMin = span.classMin,
    cMax = span.classMax;
  for (let i = 0, o = 0; i < n; i++, o += stride) {
    const qx = view.getInt32(o, true) - lx;
    const qy = view.getInt32(o + 4, true) - ly;
    const qz = view.getInt32(o + 8, true) - lz;
    const c = cellChunk[((qx >>> shift) << (2 * cb)) | ((qy >>> shift) << cb) | (qz >>> shift)];
    const w = c * region + fill[c] * bpp;
    bufView.setInt32(w, qx, true);
    bufView.setInt32(w + 4, qy, true);
    bufView.setInt32(w + 8, qz, true);
    if (ro >= 0) {
      // Colour as it is (little-endian uint16 both sides), a channel at a time: a six-byte copy loop was
      // the pass's slowest line.
      if (srgb >= 0) {
        const r = view.getUint16(o + srgb, true);
        const g = view.getUint16(o + srgb + 2, true);
        const bl = view.getUint16(o + srgb + 4, true);
        bufView.setUint16(w + ro, r, true);
        bufView.setUint16(w + ro + 2, g, true);
        bufView.setUint16(w + ro + 4, bl, true);
        if (r < r0) r0 = r;
        if (r > r1) r1 = r;
        if (g < g0) g0 = g;
        if (g > g1) g1 = g;
        if (bl < b0) b0 = bl;
        if (bl > b1) b1 = bl;
      } else {
        for (let b = 0; b < 6; b++) buf[w + ro + b] = 0;
        r0 = g0 = b0 = 0;
      }
    }
    if (io >= 0) {
      const v = sint >= 0 ? view.getUint16(o + sint, true) : 0;
      bufView.setUint16(w + io, v, true);
      if (v < iMin) iMin = v;
      if (v > iMax) iMax = v;
    }
    if (co >= 0) {
      const v = scls >= 0 ? raw[o + scls] & cmask : 0;
      buf[w + co] = v;
      if (v < cMin) cMin = v;
      if (v > cMax) cMax = v;
    }
    if (++fill[c] === capacity) out.flush(c);
  }
  span.rgbMin = [r0, g0, b0];
  span.rgbMax = [r1, g1, b1];
  span.intensityMin = iMin;
  span.intensityMax = iMax;
  span.classMin = cMin;
  span.classMax = cMax;
}

/**
 * Distribute pass over a slice: each point's Potree record goes to its chunk's buffer; full buffers are
 * written at the chunk's next place in chunks.bin.
 */
export function distributeSlice(task) {
  const fd = fs.openSync(task.outPath, 'r+');
  const out = new ChunkBuffers(
    fd,
    task.chunkPositions,
    Math.max(1, Math.floor(task.bufferBytes / task.layout.bytesPerPoint)),
    task.layout.bytesPerPoint,
  );
  const span = new AttributeSpan();
  const batchTask = { ...task, cellChunkView: new Int32Array(task.cellChunk) };
  try {
    for (const { raw, n, view } of recordBatches(task.source, task.first, task.count))
      distributeBatch(raw, view, n, batchTask, out, span);
    for (let c = 0; c < out.fill.length; c++) out.flush(c);
  } finally {
    fs.closeSync(fd);
  }
  return { ranges: { ...span }, written: out.written };
}
