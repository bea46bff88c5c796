import * as fs from 'node:fs';
import { inflateSync } from 'node:zlib';

/**
 * What a metadata parser may see of a PNG. A PNG's iCCP, zTXt and compressed iTXt chunks are zlib
 * streams; a few megabytes can inflate to gigabytes (4 MB → 4 GB made exifr take minutes and 5.6 GB of
 * memory at ingest). Only the chunks that carry EXIF/XMP/text are kept, each compressed one inflated
 * here first with a cap, and the parser gets a small PNG of those chunks alone: bounded time and memory.
 */
export const PNG_METADATA_CHUNK_LIMIT = 16 * 1024 * 1024;
/** Chunks scanned before giving up: a file of millions of empty chunks is not a photo's metadata. */
const MAX_CHUNKS = 65_536;
/** All kept chunks together: EXIF, XMP and text of a real photo are a few kilobytes. */
const MAX_KEPT_BYTES = 4 * PNG_METADATA_CHUNK_LIMIT;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const KEEP = new Set(['IHDR', 'eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

export interface PngMetadataInput {
  /** Signature, IHDR, the kept chunks and IEND. */
  png: Buffer;
  /** Chunks left out because they would inflate beyond the limit (or are ICC profiles, never parsed here). */
  refused: Array<{ chunk: string; reason: string }>;
}

export function isPng(head: Uint8Array): boolean {
  return head.length >= 8 && SIGNATURE.equals(Buffer.from(head.subarray(0, 8)));
}

/** Reads a PNG's chunk headers (never its pixel data) and returns its metadata chunks as a small PNG. */
export function pngMetadataInput(source: string | Buffer): PngMetadataInput {
  if (Buffer.isBuffer(source))
    return scanChunks(source.length, (buf, at) => void source.copy(buf, 0, at, at + buf.length));
  const fd = fs.openSync(source, 'r');
  try {
    return scanChunks(fs.fstatSync(fd).size, (buf, at) => void fs.readSync(fd, buf, 0, buf.length, at));
  } finally {
    fs.closeSync(fd);
  }
}

function scanChunks(size: number, read: (into: Buffer, at: number) => void): PngMetadataInput {
  const header = Buffer.alloc(8);
  const kept: Buffer[] = [];
  const refused: PngMetadataInput['refused'] = [];
  let pos = 8;
  let keptBytes = 0;
  for (let n = 0; n < MAX_CHUNKS && pos + 12 <= size; n++) {
    read(header, pos);
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    const total = 12 + length;
    if (type === 'IEND' || pos + total > size) break;
    if (KEEP.has(type)) {
      if (length > PNG_METADATA_CHUNK_LIMIT || keptBytes + length > MAX_KEPT_BYTES)
        refused.push({ chunk: type, reason: `${length} bytes, over the ${PNG_METADATA_CHUNK_LIMIT}-byte limit` });
      else {
        const chunk = Buffer.alloc(total);
        read(chunk, pos);
        const problem = inflatesTooFar(type, chunk.subarray(8, 8 + length));
        if (problem) refused.push({ chunk: type, reason: problem });
        else {
          kept.push(chunk);
          keptBytes += total;
        }
      }
    } else if (type === 'iCCP') refused.push({ chunk: 'iCCP', reason: 'ICC profiles are not parsed at ingest' });
    pos += total;
  }
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return { png: Buffer.concat([SIGNATURE, ...kept, iend]), refused };
}

/** Inflates a compressed text chunk's payload with a cap; returns why it was refused, or undefined. */
function inflatesTooFar(type: string, data: Buffer): string | undefined {
  let compressed: Buffer | undefined;
  const keyEnd = data.indexOf(0);
  if (keyEnd < 0) return undefined;
  if (type === 'zTXt') compressed = data.subarray(keyEnd + 2);
  else if (type === 'iTXt' && data[keyEnd + 1] === 1) {
    // keyword\0 flag method language\0 translated\0 text
    const lang = data.indexOf(0, keyEnd + 3);
    const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
    if (translated >= 0) compressed = data.subarray(translated + 1);
  }
  if (!compressed) return undefined;
  try {
    inflateSync(compressed, { maxOutputLength: PNG_METADATA_CHUNK_LIMIT });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? `inflates to more than ${PNG_METADATA_CHUNK_LIMIT} bytes`
      : `cannot be inflated (${(err as Error).message})`;
  }
}
