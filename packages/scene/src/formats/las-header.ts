/**
 * LAS 1.0–1.4 public header, VLRs and point records (ASPRS LAS specification R15). Shared by the LAS,
 * LAZ and COPC readers and by the LAS writer.
 */
import type { InputFile } from '../io/input-file.ts';
import { corrupt } from '../io/input-file.ts';
import { VestigeError } from '@vestige/evidence';

export interface LasVlr {
  userId: string;
  recordId: number;
  description: string;
  /** Absolute file offset of the payload. */
  dataOffset: number;
  length: number;
  extended: boolean;
}

export interface ExtraBytesField {
  name: string;
  dataType: number;
  description: string;
}

export interface LasHeader {
  versionMajor: number;
  versionMinor: number;
  headerSize: number;
  pointDataOffset: number;
  vlrCount: number;
  /** Point data record format 0–10 (compression bits removed). */
  pointFormat: number;
  compressed: boolean;
  recordLength: number;
  pointCount: number;
  scale: [number, number, number];
  offset: [number, number, number];
  min: [number, number, number];
  max: [number, number, number];
  evlrOffset: number;
  evlrCount: number;
  systemId: string;
  software: string;
  globalEncoding: number;
}

import { STANDARD_RECORD_LENGTH } from './las-records.mjs';

function cString(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw
    .subarray(0, nul < 0 ? raw.length : nul)
    .toString('latin1')
    .trim();
}

export function parseLasHeader(buf: Buffer, path: string, fileSize: number): LasHeader {
  if (buf.length < 227 || buf.toString('latin1', 0, 4) !== 'LASF')
    throw corrupt(path, 'This is not a LAS file (no LASF signature).');
  const versionMajor = buf.readUInt8(24);
  const versionMinor = buf.readUInt8(25);
  const headerSize = buf.readUInt16LE(94);
  const pointDataOffset = buf.readUInt32LE(96);
  const vlrCount = buf.readUInt32LE(100);
  const formatByte = buf.readUInt8(104);
  const pointFormat = formatByte & 0x3f;
  const compressed = (formatByte & 0xc0) !== 0;
  const recordLength = buf.readUInt16LE(105);
  let pointCount = buf.readUInt32LE(107);
  let evlrOffset = 0;
  let evlrCount = 0;
  if (versionMajor !== 1 || versionMinor > 4) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `LAS version ${versionMajor}.${versionMinor} is not supported (1.0–1.4 are).`,
      { file: path },
    );
  }
  if (versionMinor >= 4 && headerSize >= 375 && buf.length >= 375) {
    evlrOffset = Number(buf.readBigUInt64LE(235));
    evlrCount = buf.readUInt32LE(243);
    const count64 = Number(buf.readBigUInt64LE(247));
    if (count64 > 0 || pointCount === 0) pointCount = count64;
  }
  if (pointFormat > 10)
    throw new VestigeError('E_INPUT_UNSUPPORTED', `LAS point data format ${pointFormat} is not defined (0–10 are).`, {
      file: path,
    });
  if (recordLength < STANDARD_RECORD_LENGTH[pointFormat]!) {
    throw corrupt(
      path,
      `LAS point records are ${recordLength} bytes, shorter than format ${pointFormat} needs (${STANDARD_RECORD_LENGTH[pointFormat]}).`,
    );
  }
  if (pointDataOffset > fileSize || headerSize > pointDataOffset)
    throw corrupt(
      path,
      `The LAS header points outside the file (point data at ${pointDataOffset}, file ${fileSize} bytes).`,
    );
  const d = (o: number): number => buf.readDoubleLE(o);
  // A zero (or non-finite) scale maps every stored integer to the same coordinate: the header lies.
  const zeroScale = [131, 139, 147].findIndex((o) => !Number.isFinite(d(o)) || d(o) === 0);
  if (zeroScale >= 0)
    throw corrupt(
      path,
      `The LAS header's ${'XYZ'[zeroScale]} scale factor is ${d([131, 139, 147][zeroScale]!)}: no coordinate can be computed from it.`,
    );
  return {
    versionMajor,
    versionMinor,
    headerSize,
    pointDataOffset,
    vlrCount,
    pointFormat,
    compressed,
    recordLength,
    pointCount,
    scale: [d(131), d(139), d(147)],
    offset: [d(155), d(163), d(171)],
    max: [d(179), d(195), d(211)],
    min: [d(187), d(203), d(219)],
    evlrOffset,
    evlrCount,
    systemId: cString(buf, 26, 32),
    software: cString(buf, 58, 32),
    globalEncoding: buf.readUInt16LE(6),
  };
}

export async function readLasHeader(file: InputFile): Promise<{ header: LasHeader; vlrs: LasVlr[] }> {
  const head = await file.readUpTo(0, 375);
  const header = parseLasHeader(head, file.path, file.size);
  const vlrs: LasVlr[] = [];
  let at = header.headerSize;
  for (let i = 0; i < header.vlrCount; i++) {
    if (at + 54 > header.pointDataOffset) break; // some writers overstate the count; the point data wins
    const v = await file.read(at, 54, 'variable length records');
    const length = v.readUInt16LE(20);
    vlrs.push({
      userId: cString(v, 2, 16),
      recordId: v.readUInt16LE(18),
      description: cString(v, 22, 32),
      dataOffset: at + 54,
      length,
      extended: false,
    });
    at += 54 + length;
  }
  if (header.evlrCount > 0 && header.evlrOffset > 0) {
    let e = header.evlrOffset;
    for (let i = 0; i < header.evlrCount && e + 60 <= file.size; i++) {
      const v = await file.read(e, 60, 'extended variable length records');
      const length = Number(v.readBigUInt64LE(20));
      vlrs.push({
        userId: cString(v, 2, 16),
        recordId: v.readUInt16LE(18),
        description: cString(v, 28, 32),
        dataOffset: e + 60,
        length,
        extended: true,
      });
      e += 60 + length;
    }
  }
  return { header, vlrs };
}

export async function readExtraBytes(file: InputFile, vlrs: LasVlr[]): Promise<ExtraBytesField[]> {
  const vlr = vlrs.find((v) => v.userId === 'LASF_Spec' && v.recordId === 4);
  if (!vlr || vlr.dataOffset + vlr.length > file.size) return [];
  const buf = await file.read(vlr.dataOffset, vlr.length, 'extra bytes descriptors');
  const out: ExtraBytesField[] = [];
  for (let at = 0; at + 192 <= buf.length; at += 192) {
    out.push({
      dataType: buf.readUInt8(at + 2),
      name: cString(buf, at + 4, 32),
      description: cString(buf, at + 160, 32),
    });
  }
  return out;
}

export async function readWkt(file: InputFile, vlrs: LasVlr[]): Promise<string | undefined> {
  const vlr = vlrs.find((v) => v.userId === 'LASF_Projection' && v.recordId === 2112);
  if (!vlr || vlr.length === 0 || vlr.dataOffset + vlr.length > file.size) return undefined;
  const text = cString(await file.read(vlr.dataOffset, vlr.length), 0, vlr.length);
  return text || undefined;
}

export function lasHasRgb(format: number): boolean {
  return format === 2 || format === 3 || format === 5 || format === 7 || format === 8 || format === 10;
}

export { decodeLasRecords, STANDARD_RECORD_LENGTH } from './las-records.mjs';
