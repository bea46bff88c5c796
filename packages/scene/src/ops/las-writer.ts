/**
 * Writes points as LAS 1.2 (point format 2: xyz, intensity, classification, RGB — read by every GIS and
 * point-cloud tool). Streams: the header is patched with the count and bounds at the end.
 */
import { open } from 'node:fs/promises';
import type { PointChunk } from '../points.ts';

export interface LasWriteOptions {
  /** Coordinate step (default 0.001). */
  scale?: number;
  /** Stored in the header; coordinates are written relative to it (default: first point, floored). */
  offset?: [number, number, number];
  systemId?: string;
  software?: string;
  /** Day of year and year for the header (pass them in: writers never read the clock). */
  created?: { dayOfYear: number; year: number };
}

const HEADER = 227;
const RECORD = 26;

export async function writeLas(path: string, chunks: AsyncIterable<PointChunk> | Iterable<PointChunk>, options: LasWriteOptions = {}): Promise<{ points: number; bytes: number }> {
  const scale = options.scale ?? 0.001;
  const fh = await open(path, 'w');
  let offset = options.offset;
  let count = 0;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  const byReturn = [0, 0, 0, 0, 0];
  try {
    await fh.write(Buffer.alloc(HEADER), 0, HEADER, 0);
    let pos = HEADER;
    for await (const chunk of chunks as AsyncIterable<PointChunk>) {
      const n = chunk.count;
      if (n === 0) continue;
      offset ??= [Math.floor(chunk.positions[0]!), Math.floor(chunk.positions[1]!), Math.floor(chunk.positions[2]!)];
      const buf = Buffer.alloc(n * RECORD);
      for (let i = 0; i < n; i++) {
        const o = i * RECORD;
        for (let k = 0; k < 3; k++) {
          const v = chunk.positions[i * 3 + k]!;
          const q = Math.round((v - offset[k]!) / scale);
          buf.writeInt32LE(q, o + 4 * k);
          const stored = q * scale + offset[k]!;
          if (stored < min[k]!) min[k] = stored;
          if (stored > max[k]!) max[k] = stored;
        }
        buf.writeUInt16LE(chunk.intensity ? chunk.intensity[i]! : 0, o + 12);
        buf[o + 14] = 0b00001001; // return 1 of 1
        buf[o + 15] = chunk.classification ? chunk.classification[i]! & 0x1f : 1;
        if (chunk.rgb) {
          buf.writeUInt16LE(chunk.rgb[i * 3]!, o + 20);
          buf.writeUInt16LE(chunk.rgb[i * 3 + 1]!, o + 22);
          buf.writeUInt16LE(chunk.rgb[i * 3 + 2]!, o + 24);
        }
      }
      await fh.write(buf, 0, buf.length, pos);
      pos += buf.length;
      count += n;
      byReturn[0]! += n;
    }
    offset ??= [0, 0, 0];
    if (count === 0) {
      min.fill(0);
      max.fill(0);
    }
    const h = Buffer.alloc(HEADER);
    h.write('LASF', 0, 'latin1');
    h.writeUInt8(1, 24);
    h.writeUInt8(2, 25);
    h.write((options.systemId ?? 'Vestige').slice(0, 31), 26, 'latin1');
    h.write((options.software ?? 'Vestige scene export').slice(0, 31), 58, 'latin1');
    h.writeUInt16LE(options.created?.dayOfYear ?? 0, 90);
    h.writeUInt16LE(options.created?.year ?? 0, 92);
    h.writeUInt16LE(HEADER, 94);
    h.writeUInt32LE(HEADER, 96);
    h.writeUInt32LE(0, 100);
    h.writeUInt8(2, 104);
    h.writeUInt16LE(RECORD, 105);
    h.writeUInt32LE(count, 107);
    byReturn.forEach((v, i) => h.writeUInt32LE(v, 111 + 4 * i));
    for (let k = 0; k < 3; k++) {
      h.writeDoubleLE(scale, 131 + 8 * k);
      h.writeDoubleLE(offset[k]!, 155 + 8 * k);
      h.writeDoubleLE(max[k]!, 179 + 16 * k);
      h.writeDoubleLE(min[k]!, 187 + 16 * k);
    }
    await fh.write(h, 0, HEADER, 0);
    return { points: count, bytes: pos };
  } finally {
    await fh.close();
  }
}
