/**
 * Where the compressed chunks of a LAZ file are: the LASzip VLR (compressor, items, chunk size) and the
 * chunk table (LASzip's `lasreadpoint` layout: an int64 at the start of the point data gives the table's
 * offset, −1 when the writer could not seek back, in which case the offset is the file's last 8 bytes;
 * the table holds version 0, a chunk count, then each chunk's byte size (and, for variable chunks, its
 * point count) coded with the integer compressor). A chunk is decoded on its own, so the file is read one
 * chunk at a time and chunks go to worker threads.
 */
import { VestigeError } from '@vestige/evidence';
import type { InputFile } from '../io/input-file.ts';
import { ArithmeticDecoder, ArithmeticEncoder, IntegerCoder } from './laz-entropy.ts';
import type { LasHeader, LasVlr } from './las-header.ts';
import { LASZIP_ITEM, pointwiseDecodable } from './laz-pointwise.ts';

const VARIABLE_CHUNK_SIZE = 0xffffffff;

export interface LaszipVlr {
  /**
   * 1: point-wise (LASzip 1.x, one stream, no chunks); 2: point-wise chunked; 3: layered chunked (LAS 1.4 formats
   * 6–10).
   */
  compressor: number;
  version: string;
  /** Points per chunk; undefined for variable-size chunks. */
  chunkSize: number | undefined;
  items: { type: number; size: number; version: number }[];
}

export interface LazChunk {
  /** Absolute file offset of the chunk's first byte. */
  offset: number;
  bytes: number;
  points: number;
}

function unsupported(file: string, feature: string, hint: string): VestigeError {
  return new VestigeError('E_INPUT_UNSUPPORTED', `This LAZ file uses ${feature}, which Vestige does not read yet.`, {
    file,
    hint,
    details: { feature },
  });
}

export async function readLaszipVlr(file: InputFile, vlrs: LasVlr[]): Promise<LaszipVlr> {
  const vlr = vlrs.find((v) => v.userId === 'laszip encoded' && v.recordId === 22204);
  if (!vlr) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      'The file is marked compressed but has no LASzip VLR describing the compression.',
      {
        file: file.path,
        hint: 'The file is damaged or was written by a faulty tool; decompress it with the tool that wrote it.',
      },
    );
  }
  const b = await file.read(vlr.dataOffset, Math.min(vlr.length, 34 + 6 * 64), 'LASzip VLR');
  const count = b.length >= 34 ? b.readUInt16LE(32) : 0;
  const items: LaszipVlr['items'] = [];
  for (let i = 0; i < count && 34 + 6 * i + 6 <= b.length; i++)
    items.push({
      type: b.readUInt16LE(34 + 6 * i),
      size: b.readUInt16LE(36 + 6 * i),
      version: b.readUInt16LE(38 + 6 * i),
    });
  const chunkSize = b.readUInt32LE(12);
  return {
    compressor: b.readUInt16LE(0),
    version: `${b[4]}.${b[5]}r${b.readUInt16LE(6)}`,
    chunkSize: chunkSize === VARIABLE_CHUNK_SIZE ? undefined : chunkSize,
    items,
  };
}

/**
 * How a chunk reaches laz-perf. Layered chunks of the wave-packet formats 9 and 10 keep the waveform
 * descriptors in a layer of their own: that layer is cut out and the rest decoded as format 6 or 8 (the
 * same point, RGB and NIR layers), so their points are read and only the descriptors are dropped.
 */
export interface LazDecodePlan {
  /** Point format and record length laz-perf decodes. */
  pointFormat: number;
  recordLength: number;
  /** Set when a wave-packet layer is cut out of each chunk before decoding. */
  waveLayer?: { recordOffset: number; layer: number; layers: number };
  /** Set when Vestige's own point-wise decoder (laz-pointwise.ts) reads the chunks instead of laz-perf. */
  pointwise?: true;
}

/** Refuses what the decoder (laz-perf) cannot do, naming it; never as corruption. Otherwise says how to decode. */
export function lazDecodePlan(path: string, header: LasHeader, laz: LaszipVlr): LazDecodePlan {
  if (laz.compressor === 1) {
    throw unsupported(
      path,
      'LASzip 1.x point-wise compression without chunks (compressor 1)',
      'Recompress it with a current laszip or PDAL (`pdal translate in.laz out.laz`), which writes chunked LAZ.',
    );
  }
  const format = header.pointFormat;
  if (format === 4 || format === 5) {
    // laz-perf has no wave-packet items; their point-wise stream is decoded by Vestige's own decoder.
    if (laz.compressor === 2 && pointwiseDecodable(laz.items))
      return { pointFormat: format, recordLength: header.recordLength, pointwise: true };
    throw unsupported(
      path,
      `compressed wave-packet points in point format ${format} with LASzip items ${laz.items.map((i) => `${i.type}v${i.version}`).join(', ')}`,
      'Decompress it to LAS with laszip or PDAL (`pdal translate in.laz out.las`).',
    );
  }
  const expected = format <= 5 ? 2 : 3;
  if (laz.compressor !== expected) {
    throw unsupported(
      path,
      `LASzip compressor ${laz.compressor} with point format ${format}`,
      'Decompress it to LAS with the tool that wrote it.',
    );
  }
  if (format === 9 || format === 10) {
    const layers = layerCount(laz.items);
    const waveItem = laz.items.findIndex((i) => i.type === LASZIP_ITEM.WAVEPACKET14);
    if (waveItem < 0)
      throw unsupported(
        path,
        `point format ${format} without a LASzip wave-packet item`,
        'Decompress it to LAS with the tool that wrote it.',
      );
    return {
      pointFormat: format === 9 ? 6 : 8,
      recordLength: header.recordLength - 29,
      waveLayer: { recordOffset: format === 9 ? 30 : 38, layer: layerCount(laz.items.slice(0, waveItem)), layers },
    };
  }
  return { pointFormat: format, recordLength: header.recordLength };
}

/** Reads and decodes the chunk table, or returns undefined when the file has none that can be read. */
export async function readChunkTable(
  file: InputFile,
  header: LasHeader,
  laz: LaszipVlr,
): Promise<LazChunk[] | undefined> {
  const dataStart = header.pointDataOffset + 8;
  if (header.pointDataOffset + 8 > file.size) return undefined;
  let tableAt = Number((await file.read(header.pointDataOffset, 8, 'LAZ chunk table offset')).readBigInt64LE(0));
  if (tableAt === -1 && file.size >= 8)
    tableAt = Number((await file.read(file.size - 8, 8, 'LAZ chunk table offset')).readBigInt64LE(0));
  if (tableAt < dataStart || tableAt + 8 > file.size) return undefined;
  const head = await file.read(tableAt, 8, 'LAZ chunk table');
  const version = head.readUInt32LE(0);
  const count = head.readUInt32LE(4);
  if (version !== 0) return undefined;
  if (count === 0) return header.pointCount === 0 ? [] : undefined;
  // Each entry codes to a few bytes; read what is there (the table runs to the EVLRs or the end).
  const coded = await file.readUpTo(tableAt + 8, Math.min(file.size - tableAt - 8, 64 + count * 16));
  let entries: { bytes: number; points: number | undefined }[];
  try {
    entries = decodeChunkTable(coded, count, laz.chunkSize === undefined);
  } catch {
    return undefined;
  }
  const chunks: LazChunk[] = [];
  let offset = dataStart;
  let left = header.pointCount;
  for (const e of entries) {
    const points = e.points ?? Math.min(laz.chunkSize!, left);
    chunks.push({ offset, bytes: e.bytes, points });
    offset += e.bytes;
    left -= points;
  }
  // A table that disagrees with the header or runs past its own position is not trusted.
  if (left !== 0 || offset > tableAt) return undefined;
  return chunks;
}

export function decodeChunkTable(
  coded: Uint8Array,
  count: number,
  variable: boolean,
): { bytes: number; points: number | undefined }[] {
  const dec = new ArithmeticDecoder(coded);
  const ic = new IntegerCoder(2, true);
  const out: { bytes: number; points: number | undefined }[] = [];
  let prevPoints = 0;
  let prevBytes = 0;
  for (let i = 0; i < count; i++) {
    let points: number | undefined;
    if (variable) points = prevPoints = ic.decompress(dec, prevPoints, 0) >>> 0;
    prevBytes = ic.decompress(dec, prevBytes, 1) >>> 0;
    out.push({ bytes: prevBytes, points });
  }
  return out;
}

/** The inverse of `decodeChunkTable` (used to write LAZ test files of any size from LASzip-written chunks). */
export function encodeChunkTable(
  entries: readonly { bytes: number; points?: number }[],
  variable: boolean,
): Uint8Array {
  const enc = new ArithmeticEncoder();
  const ic = new IntegerCoder(2, false);
  let prevPoints = 0;
  let prevBytes = 0;
  for (const e of entries) {
    if (variable) {
      ic.compress(enc, prevPoints, e.points!, 0);
      prevPoints = e.points!;
    }
    ic.compress(enc, prevBytes, e.bytes, 1);
    prevBytes = e.bytes;
  }
  return enc.finish();
}

/** Bytes of the raw first point plus the count and layer sizes that open a layered (LAS 1.4) chunk. */
function layerCount(items: LaszipVlr['items']): number {
  let n = 0;
  for (const i of items) {
    if (i.type === LASZIP_ITEM.POINT14) n += 9;
    else if (i.type === LASZIP_ITEM.RGB14 || i.type === LASZIP_ITEM.WAVEPACKET14) n += 1;
    else if (i.type === LASZIP_ITEM.RGBNIR14) n += 2;
    else if (i.type === LASZIP_ITEM.BYTE14) n += i.size;
  }
  return n;
}

/**
 * Without a usable chunk table, layered chunks (LAS 1.4 formats 6–8) are still found one after another:
 * each opens with its first point raw, its point count and the byte size of every layer. Yields chunks
 * as it walks, reading only those small chunk heads.
 */
export async function* walkLayeredChunks(file: InputFile, header: LasHeader, laz: LaszipVlr): AsyncGenerator<LazChunk> {
  const layers = layerCount(laz.items);
  const headBytes = header.recordLength + 4 + 4 * layers;
  let at = header.pointDataOffset + 8;
  let left = header.pointCount;
  while (left > 0) {
    const head = await file.read(at, headBytes, 'LAZ chunk head');
    const points = head.readUInt32LE(header.recordLength);
    let bytes = headBytes;
    for (let l = 0; l < layers; l++) bytes += head.readUInt32LE(header.recordLength + 4 + 4 * l);
    if (points === 0 || points > left) {
      throw new VestigeError(
        'E_INPUT_CORRUPT',
        `A LAZ chunk at byte ${at} says it holds ${points} points; ${left} remain by the header.`,
        { file: file.path, hint: 'The file is truncated or damaged. Copy it again from the original.' },
      );
    }
    yield { offset: at, bytes, points };
    at += bytes;
    left -= points;
  }
}
