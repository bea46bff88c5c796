/**
 * Writes points as ASPRS LAS, any version 1.0–1.4 and point format 0–10 (default: LAS 1.2, point format
 * 2 — xyz, intensity, classification, RGB — read by every GIS and point-cloud tool). Streams: the header
 * is patched with the count and bounds at the end. Fields a point chunk does not carry (GPS time, NIR,
 * scan angle) are written as zero; wave-packet formats (4, 5, 9, 10) get a descriptor per point that
 * refers to waveform samples kept outside the file (global encoding bit 2), which is how a scan exported
 * without its waveforms is described.
 */
import { open } from 'node:fs/promises';
import type { PointChunk } from '../points.ts';
import { STANDARD_RECORD_LENGTH, lasRgbOffset } from '../formats/las-records.mjs';

export interface LasWriteOptions {
  /** Coordinate step (default 0.001). */
  scale?: number;
  /** Stored in the header; coordinates are written relative to it (default: first point, floored). */
  offset?: [number, number, number];
  systemId?: string;
  software?: string;
  /** Day of year and year for the header (pass them in: writers never read the clock). */
  created?: { dayOfYear: number; year: number };
  /** Point data record format 0–10 (default 2). */
  pointFormat?: number;
  /** LAS minor version 0–4 (default: 2, or the first version that defines the point format). */
  minorVersion?: number;
  /** Extra bytes after the standard fields of each record (kept as zeros). */
  extraBytes?: number;
}

/** The first LAS 1.x minor version that defines each point format. */
const FIRST_MINOR = [0, 0, 2, 2, 3, 3, 4, 4, 4, 4, 4] as const;
const HEADER_SIZE = (minor: number): number => (minor >= 4 ? 375 : minor === 3 ? 235 : 227);
/** Bytes of a waveform packet in the descriptor this writer declares (8-bit samples). */
const WAVE_SAMPLES = 16;
const WAVE_DESCRIPTOR_VLR = 54 + 26;

interface Layout {
  format: number;
  minor: number;
  record: number;
  headerSize: number;
  vlrBytes: number;
  wave: number;
  gps: number;
}

function layoutOf(options: LasWriteOptions): Layout {
  const format = options.pointFormat ?? 2;
  if (!Number.isInteger(format) || format < 0 || format > 10)
    throw new RangeError(`LAS point format ${format} does not exist (0–10 do).`);
  const minor = options.minorVersion ?? Math.max(2, FIRST_MINOR[format]!);
  if (minor < FIRST_MINOR[format]! || minor > 4)
    throw new RangeError(`LAS 1.${minor} cannot hold point format ${format} (from 1.${FIRST_MINOR[format]}).`);
  const wave = format === 4 ? 28 : format === 5 ? 34 : format === 9 ? 30 : format === 10 ? 38 : -1;
  const gps = format === 0 || format === 2 ? -1 : format >= 6 ? 22 : 20;
  return {
    format,
    minor,
    record: STANDARD_RECORD_LENGTH[format]! + (options.extraBytes ?? 0),
    headerSize: HEADER_SIZE(minor),
    vlrBytes: wave >= 0 ? WAVE_DESCRIPTOR_VLR : 0,
    wave,
    gps,
  };
}

function encodeRecords(
  chunk: PointChunk,
  l: Layout,
  offset: readonly number[],
  scale: number,
  first: number,
  min: number[],
  max: number[],
): Buffer {
  const n = chunk.count;
  const buf = Buffer.alloc(n * l.record);
  const rgbAt = lasRgbOffset(l.format);
  for (let i = 0; i < n; i++) {
    const o = i * l.record;
    for (let k = 0; k < 3; k++) {
      const q = Math.round((chunk.positions[i * 3 + k]! - offset[k]!) / scale);
      buf.writeInt32LE(q, o + 4 * k);
      const stored = q * scale + offset[k]!;
      if (stored < min[k]!) min[k] = stored;
      if (stored > max[k]!) max[k] = stored;
    }
    buf.writeUInt16LE(chunk.intensity ? chunk.intensity[i]! : 0, o + 12);
    if (l.format < 6) {
      buf[o + 14] = 0b00001001; // return 1 of 1
      buf[o + 15] = chunk.classification ? chunk.classification[i]! & 0x1f : 1;
    } else {
      buf[o + 14] = 0x11; // return 1 of 1
      buf[o + 16] = chunk.classification ? chunk.classification[i]! : 1;
    }
    if (l.gps >= 0) buf.writeDoubleLE(first + i, o + l.gps); // a distinct, increasing time per point
    if (rgbAt >= 0 && chunk.rgb)
      for (let k = 0; k < 3; k++) buf.writeUInt16LE(chunk.rgb[i * 3 + k]!, o + rgbAt + 2 * k);
    if (l.wave >= 0) {
      buf[o + l.wave] = 1; // descriptor index 1 (0 means "no waveform")
      buf.writeBigUInt64LE(BigInt((first + i) * WAVE_SAMPLES), o + l.wave + 1);
      buf.writeUInt32LE(WAVE_SAMPLES, o + l.wave + 9);
      buf.writeFloatLE(1000, o + l.wave + 13); // return point location in picoseconds
    }
  }
  return buf;
}

function waveDescriptorVlr(): Buffer {
  const v = Buffer.alloc(WAVE_DESCRIPTOR_VLR);
  v.write('LASF_Spec', 2, 'latin1');
  v.writeUInt16LE(100, 18); // 99 + descriptor index
  v.writeUInt16LE(26, 20);
  v.write('Waveform packet descriptor', 22, 'latin1');
  v[54] = 8; // bits per sample
  v[55] = 0; // no compression
  v.writeUInt32LE(WAVE_SAMPLES, 56);
  v.writeUInt32LE(1000, 60); // temporal spacing, picoseconds
  v.writeDoubleLE(1, 64); // digitizer gain
  v.writeDoubleLE(0, 72); // digitizer offset
  return v;
}

function headerBytes(
  l: Layout,
  options: LasWriteOptions,
  count: number,
  offset: readonly number[],
  scale: number,
  min: readonly number[],
  max: readonly number[],
): Buffer {
  const h = Buffer.alloc(l.headerSize);
  h.write('LASF', 0, 'latin1');
  if (l.wave >= 0) h.writeUInt16LE(1 << 2, 6); // waveform data packets are external
  h.writeUInt8(1, 24);
  h.writeUInt8(l.minor, 25);
  h.write((options.systemId ?? 'Vestige').slice(0, 31), 26, 'latin1');
  h.write((options.software ?? 'Vestige scene export').slice(0, 31), 58, 'latin1');
  h.writeUInt16LE(options.created?.dayOfYear ?? 0, 90);
  h.writeUInt16LE(options.created?.year ?? 0, 92);
  h.writeUInt16LE(l.headerSize, 94);
  h.writeUInt32LE(l.headerSize + l.vlrBytes, 96);
  h.writeUInt32LE(l.vlrBytes > 0 ? 1 : 0, 100);
  h.writeUInt8(l.format, 104);
  h.writeUInt16LE(l.record, 105);
  // Formats 6–10 leave the legacy counts zero (LAS 1.4 R15, 2.4).
  const legacy = l.format < 6 && count <= 0xffffffff ? count : 0;
  h.writeUInt32LE(legacy, 107);
  h.writeUInt32LE(legacy, 111); // all points are first returns
  for (let k = 0; k < 3; k++) {
    h.writeDoubleLE(scale, 131 + 8 * k);
    h.writeDoubleLE(offset[k]!, 155 + 8 * k);
    h.writeDoubleLE(max[k]!, 179 + 16 * k);
    h.writeDoubleLE(min[k]!, 187 + 16 * k);
  }
  if (l.minor >= 4) {
    h.writeBigUInt64LE(BigInt(count), 247);
    h.writeBigUInt64LE(BigInt(count), 255);
  }
  return h;
}

export async function writeLas(
  path: string,
  chunks: AsyncIterable<PointChunk> | Iterable<PointChunk>,
  options: LasWriteOptions = {},
): Promise<{ points: number; bytes: number }> {
  const scale = options.scale ?? 0.001;
  const l = layoutOf(options);
  const fh = await open(path, 'w');
  let offset = options.offset;
  let count = 0;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  try {
    const start = l.headerSize + l.vlrBytes;
    if (l.vlrBytes > 0) await fh.write(waveDescriptorVlr(), 0, l.vlrBytes, l.headerSize);
    let pos = start;
    for await (const chunk of chunks as AsyncIterable<PointChunk>) {
      if (chunk.count === 0) continue;
      offset ??= [Math.floor(chunk.positions[0]!), Math.floor(chunk.positions[1]!), Math.floor(chunk.positions[2]!)];
      const buf = encodeRecords(chunk, l, offset, scale, count, min, max);
      await fh.write(buf, 0, buf.length, pos);
      pos += buf.length;
      count += chunk.count;
    }
    offset ??= [0, 0, 0];
    if (count === 0) {
      min.fill(0);
      max.fill(0);
    }
    await fh.write(headerBytes(l, options, count, offset, scale, min, max), 0, l.headerSize, 0);
    return { points: count, bytes: pos };
  } finally {
    await fh.close();
  }
}
