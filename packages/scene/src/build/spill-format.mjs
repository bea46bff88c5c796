// Temp-file format of the octree build (spill and chunk files): batches of quantised points, each
// `magic u32, count u32, flags u32` then int32 xyz, [uint16 rgb], [uint16 intensity], [uint8 class],
// little endian. Column-wise, so writing and reading are typed-array copies rather than per-point work.
// Plain JavaScript: shared by the main thread and the worker threads.
import * as fs from 'node:fs';
import { decodeLasPositions, decodeLasRecords, lasRgbOffset } from '../formats/las-records.mjs';

export const SPILL_MAGIC = 0x4c505356;
export const FLAG_RGB = 1;
export const FLAG_INTENSITY = 2;
export const FLAG_CLASS = 4;

function writeAll(fd, bytes) {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/** Appends one batch of `count` points taken from the arrays (first `count` entries). */
export function writeBatch(fd, count, xyz, rgb, intensity, classification) {
  const flags = (rgb ? FLAG_RGB : 0) | (intensity ? FLAG_INTENSITY : 0) | (classification ? FLAG_CLASS : 0);
  const head = Buffer.alloc(12);
  head.writeUInt32LE(SPILL_MAGIC, 0);
  head.writeUInt32LE(count, 4);
  head.writeUInt32LE(flags, 8);
  writeAll(fd, head);
  writeAll(fd, new Uint8Array(xyz.buffer, xyz.byteOffset, count * 12));
  if (rgb) writeAll(fd, new Uint8Array(rgb.buffer, rgb.byteOffset, count * 6));
  if (intensity) writeAll(fd, new Uint8Array(intensity.buffer, intensity.byteOffset, count * 2));
  if (classification) writeAll(fd, new Uint8Array(classification.buffer, classification.byteOffset, count));
  return flags;
}

function readExact(fd, target, position) {
  let got = 0;
  while (got < target.length) {
    const n = fs.readSync(fd, target, got, target.length - got, position + got);
    if (n === 0) throw new Error('octree temp file is truncated');
    got += n;
  }
}

/** Yields the batches of a file (or of its byte range [from, to)), one at a time. */
export function* readBatches(path, from = 0, to = Infinity) {
  const fd = fs.openSync(path, 'r');
  try {
    const size = Math.min(fs.fstatSync(fd).size, to);
    const head = Buffer.alloc(12);
    let pos = from;
    while (pos < size) {
      readExact(fd, head, pos);
      if (head.readUInt32LE(0) !== SPILL_MAGIC) throw new Error('octree temp file is damaged');
      const count = head.readUInt32LE(4);
      const flags = head.readUInt32LE(8);
      pos += 12;
      const xyz = new Int32Array(count * 3);
      readExact(fd, new Uint8Array(xyz.buffer), pos);
      pos += count * 12;
      const batch = { count, flags, xyz };
      if (flags & FLAG_RGB) {
        batch.rgb = new Uint16Array(count * 3);
        readExact(fd, new Uint8Array(batch.rgb.buffer), pos);
        pos += count * 6;
      }
      if (flags & FLAG_INTENSITY) {
        batch.intensity = new Uint16Array(count);
        readExact(fd, new Uint8Array(batch.intensity.buffer), pos);
        pos += count * 2;
      }
      if (flags & FLAG_CLASS) {
        batch.classification = new Uint8Array(count);
        readExact(fd, batch.classification, pos);
        pos += count;
      }
      yield batch;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a chunk (its files, in order) into one set of arrays with the attributes of `layout`. */
export function readAllBatches(paths, count, layout) {
  const pts = { count, xyz: new Int32Array(count * 3) };
  if (layout.attributes.rgb) pts.rgb = new Uint16Array(count * 3);
  if (layout.attributes.intensity) pts.intensity = new Uint16Array(count);
  if (layout.attributes.classification) pts.classification = new Uint8Array(count);
  let at = 0;
  for (const b of (Array.isArray(paths) ? paths : [paths]).flatMap((p) => [...readBatches(p)])) {
    if (at + b.count > count) throw new Error('octree chunk file holds more points than expected');
    pts.xyz.set(b.xyz, at * 3);
    if (pts.rgb && b.rgb) pts.rgb.set(b.rgb, at * 3);
    if (pts.intensity && b.intensity) pts.intensity.set(b.intensity, at);
    if (pts.classification && b.classification) pts.classification.set(b.classification, at);
    at += b.count;
  }
  if (at !== count) throw new Error(`octree chunk file holds ${at} points, expected ${count}`);
  return pts;
}

/**
 * Distributes one slice of the spill file (a byte range of whole batches) into per-chunk files
 * `${prefix}-${chunk}.bin`, keeping input order. `cellChunk` maps each cell of the counting grid to a
 * chunk. Returns the number of points written per chunk.
 */
export function distributeSlice(task) {
  return distributeBatches(readBatches(task.spillPath, task.from, task.to), task);
}

function distributeBatches(batches, task) {
  const { cube, countBits, chunkCount, layout, prefix } = task;
  const cellChunk = new Int32Array(task.cellChunk);
  const grid = 1 << countBits;
  const inv = grid / cube.size;
  const top = grid - 1;
  const counts = new Array(chunkCount).fill(0);
  const bufPoints = Math.max(1024, Math.min(65536, Math.floor((64 << 20) / layout.bytesPerPoint / Math.max(1, chunkCount))));
  const { rgb: hasRgb, intensity: hasIntensity, classification: hasClass } = layout.attributes;
  const buffers = new Array(chunkCount);
  const fds = new Array(chunkCount);
  const flush = (index) => {
    const b = buffers[index];
    if (fds[index] === undefined) fds[index] = fs.openSync(`${prefix}-${index}.bin`, 'w');
    writeBatch(fds[index], b.n, b.xyz, b.rgb, b.intensity, b.classification);
    b.n = 0;
  };
  try {
    for (const batch of batches) {
      const { xyz, rgb, intensity, classification } = batch;
      for (let i = 0; i < batch.count; i++) {
        let cx = ((xyz[i * 3] - cube.x) * inv) | 0;
        let cy = ((xyz[i * 3 + 1] - cube.y) * inv) | 0;
        let cz = ((xyz[i * 3 + 2] - cube.z) * inv) | 0;
        cx = cx < 0 ? 0 : cx > top ? top : cx;
        cy = cy < 0 ? 0 : cy > top ? top : cy;
        cz = cz < 0 ? 0 : cz > top ? top : cz;
        const index = cellChunk[(cx << (2 * countBits)) | (cy << countBits) | cz];
        let b = buffers[index];
        if (b === undefined) {
          b = buffers[index] = {
            n: 0,
            xyz: new Int32Array(bufPoints * 3),
            rgb: hasRgb ? new Uint16Array(bufPoints * 3) : undefined,
            intensity: hasIntensity ? new Uint16Array(bufPoints) : undefined,
            classification: hasClass ? new Uint8Array(bufPoints) : undefined,
          };
        }
        const j = b.n;
        b.xyz[j * 3] = xyz[i * 3];
        b.xyz[j * 3 + 1] = xyz[i * 3 + 1];
        b.xyz[j * 3 + 2] = xyz[i * 3 + 2];
        if (b.rgb) {
          b.rgb[j * 3] = rgb ? rgb[i * 3] : 0;
          b.rgb[j * 3 + 1] = rgb ? rgb[i * 3 + 1] : 0;
          b.rgb[j * 3 + 2] = rgb ? rgb[i * 3 + 2] : 0;
        }
        if (b.intensity) b.intensity[j] = intensity ? intensity[i] : 0;
        if (b.classification) b.classification[j] = classification ? classification[i] : 0;
        counts[index]++;
        if (++b.n === bufPoints) flush(index);
      }
    }
    for (let i = 0; i < chunkCount; i++) if (buffers[i] && buffers[i].n > 0) flush(i);
  } finally {
    for (const fd of fds) if (fd !== undefined) fs.closeSync(fd);
  }
  return counts;
}

/**
 * Reads records [first, first + count) of an uncompressed LAS file and quantises them exactly as the
 * main thread would (int = round((x − offset) / scale)), one batch at a time. Sets `state.tooFar` and
 * stops when a point cannot be stored at this scale.
 */
function* lasBatches(task, state, positionsOnly = false) {
  const { las, first, count, offset, scale, batchPoints } = task;
  const inv = 1 / scale;
  const limit = 2 ** 31 - 2;
  const src = fs.openSync(las.path, 'r');
  try {
    const raw = Buffer.allocUnsafe(batchPoints * las.recordLength);
    for (let done = 0; done < count; ) {
      const n = Math.min(batchPoints, count - done);
      const want = n * las.recordLength;
      readExact(src, raw.subarray(0, want), las.pointDataOffset + (first + done) * las.recordLength);
      const c = positionsOnly ? { positions: decodeLasPositions(raw.subarray(0, want), n, las) } : decodeLasRecords(raw.subarray(0, want), n, las);
      const xyz = new Int32Array(n * 3);
      const pos = c.positions;
      const ox = offset[0], oy = offset[1], oz = offset[2];
      for (let i = 0; i < n * 3; i += 3) {
        const qx = Math.round((pos[i] - ox) * inv);
        const qy = Math.round((pos[i + 1] - oy) * inv);
        const qz = Math.round((pos[i + 2] - oz) * inv);
        if (!(qx >= -limit && qx <= limit && qy >= -limit && qy <= limit && qz >= -limit && qz <= limit)) {
          const k = qx >= -limit && qx <= limit ? (qy >= -limit && qy <= limit ? 2 : 1) : 0;
          state.tooFar = { coordinate: pos[i + k], origin: offset[k], scale };
          return;
        }
        xyz[i] = qx;
        xyz[i + 1] = qy;
        xyz[i + 2] = qz;
      }
      yield { count: n, xyz, positions: pos, rgb: c.rgb, intensity: c.intensity, classification: c.classification };
      done += n;
    }
  } finally {
    fs.closeSync(src);
  }
}

/**
 * First pass over a LAS slice: bounds, attribute ranges and (when `cube` is given) the points per cell of
 * the counting grid. Nothing is written.
 */
export function lasCountSlice(task) {
  const { cube, countBits } = task;
  const grid = 1 << countBits;
  const counts = cube ? new Uint32Array(grid * grid * grid) : undefined;
  let inside = !!cube;
  const cinv = cube ? grid / cube.size : 0;
  const intMin = [Infinity, Infinity, Infinity];
  const intMax = [-Infinity, -Infinity, -Infinity];
  const posMin = [Infinity, Infinity, Infinity];
  const posMax = [-Infinity, -Infinity, -Infinity];
  let ix0 = Infinity, iy0 = Infinity, iz0 = Infinity, ix1 = -Infinity, iy1 = -Infinity, iz1 = -Infinity;
  let px0 = Infinity, py0 = Infinity, pz0 = Infinity, px1 = -Infinity, py1 = -Infinity, pz1 = -Infinity;
  const cx0 = cube ? cube.x : 0, cy0 = cube ? cube.y : 0, cz0 = cube ? cube.z : 0;
  const shiftX = 2 * countBits;
  const state = {};
  for (const b of lasBatches(task, state, true)) {
    const { xyz, positions } = b;
    const end = b.count * 3;
    for (let i = 0; i < end; i += 3) {
      const qx = xyz[i], qy = xyz[i + 1], qz = xyz[i + 2];
      if (qx < ix0) ix0 = qx;
      if (qx > ix1) ix1 = qx;
      if (qy < iy0) iy0 = qy;
      if (qy > iy1) iy1 = qy;
      if (qz < iz0) iz0 = qz;
      if (qz > iz1) iz1 = qz;
      const vx = positions[i], vy = positions[i + 1], vz = positions[i + 2];
      if (vx < px0) px0 = vx;
      if (vx > px1) px1 = vx;
      if (vy < py0) py0 = vy;
      if (vy > py1) py1 = vy;
      if (vz < pz0) pz0 = vz;
      if (vz > pz1) pz1 = vz;
      if (inside) {
        const fx = (qx - cx0) * cinv, fy = (qy - cy0) * cinv, fz = (qz - cz0) * cinv;
        if (fx < 0 || fy < 0 || fz < 0 || fx >= grid || fy >= grid || fz >= grid) inside = false;
        else counts[((fx | 0) << shiftX) | ((fy | 0) << countBits) | (fz | 0)]++;
      }
    }
  }
  intMin[0] = ix0; intMin[1] = iy0; intMin[2] = iz0;
  intMax[0] = ix1; intMax[1] = iy1; intMax[2] = iz1;
  posMin[0] = px0; posMin[1] = py0; posMin[2] = pz0;
  posMax[0] = px1; posMax[1] = py1; posMax[2] = pz1;
  // LAS records always carry intensity and classification; colour depends on the point format.
  const flags = FLAG_INTENSITY | FLAG_CLASS | (lasRgbOffset(task.las.pointFormat) >= 0 ? FLAG_RGB : 0);
  return { tooFar: state.tooFar, flags, intMin, intMax, ranges: { posMin, posMax }, counts: inside ? counts : undefined };
}

/** Second pass over a LAS slice: decode, quantise and write each point to its chunk's file. */
export function lasDistributeSlice(task) {
  const state = {};
  const ranges = { rgbMin: [65535, 65535, 65535], rgbMax: [0, 0, 0], intensityMin: 65535, intensityMax: 0, classMin: 255, classMax: 0 };
  function* withRanges() {
    for (const b of lasBatches(task, state)) {
      const n = b.count;
      if (b.rgb) for (let i = 0; i < n * 3; i += 3) for (let k = 0; k < 3; k++) {
        const v = b.rgb[i + k];
        if (v < ranges.rgbMin[k]) ranges.rgbMin[k] = v;
        if (v > ranges.rgbMax[k]) ranges.rgbMax[k] = v;
      }
      for (let i = 0; i < n; i++) {
        const v = b.intensity[i];
        if (v < ranges.intensityMin) ranges.intensityMin = v;
        if (v > ranges.intensityMax) ranges.intensityMax = v;
        const k = b.classification[i];
        if (k < ranges.classMin) ranges.classMin = k;
        if (k > ranges.classMax) ranges.classMax = k;
      }
      yield b;
    }
  }
  const counts = distributeBatches(withRanges(), task);
  if (state.tooFar) throw new Error('LAS slice changed between passes');
  return { counts, ranges };
}
