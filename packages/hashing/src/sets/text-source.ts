import { StringDecoder } from 'node:string_decoder';
import type { ByteSource } from './types.ts';

/**
 * Hash sets arrive in the encodings their producers write: UTF-8 (with or without a byte-order
 * mark) and, from older Windows tools (Clees4All among them), UTF-16LE with a BOM. Every text reader
 * takes its bytes through here, so a BOM never reaches a parser and UTF-16 reads like UTF-8.
 */
export type TextEncodingName = 'utf8' | 'utf16le' | 'utf16be';

/** The encoding a file's first bytes announce, and how many bytes that mark takes. */
export function byteOrderMark(head: Uint8Array): { encoding: TextEncodingName; bomBytes: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bomBytes: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bomBytes: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bomBytes: 2 };
  return { encoding: 'utf8', bomBytes: 0 };
}

/** The first bytes of a file as text, whatever its encoding (for sniffing). */
export function headText(head: Uint8Array): string {
  const { encoding, bomBytes } = byteOrderMark(head);
  const body = head.subarray(bomBytes);
  if (encoding === 'utf8') return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(body.subarray(0, body.length & ~1));
}

/**
 * UTF-8 bytes of a source, BOM removed and UTF-16 transcoded; `onRaw` sees every original byte
 * (what the set's version hash is computed over, in the same pass).
 */
export async function* utf8Bytes(source: ByteSource, onRaw?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  let first = true;
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let pending: Buffer | undefined;
  for await (const raw of source as AsyncIterable<Buffer | string>) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    onRaw?.(chunk);
    if (first) {
      // A BOM is at most 3 bytes; a source that starts with a tiny chunk is gathered until it has them.
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      if (pending.length < 3) continue;
      chunk = pending;
      pending = undefined;
      first = false;
      const { encoding, bomBytes } = byteOrderMark(chunk);
      chunk = chunk.subarray(bomBytes);
      if (encoding !== 'utf8') decoder = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be');
    }
    if (decoder) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield Buffer.from(text, 'utf8');
    } else if (chunk.length) yield chunk;
  }
  if (pending) {
    const { encoding, bomBytes } = byteOrderMark(pending);
    const body = pending.subarray(bomBytes);
    if (encoding === 'utf8') {
      if (body.length) yield body;
    } else yield Buffer.from(new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(body), 'utf8');
    return;
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest) yield Buffer.from(rest, 'utf8');
  }
}

/** Text of a source in pieces, whatever its encoding (BOM removed). */
export async function* textChunks(source: ByteSource): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const b of utf8Bytes(source)) {
    const s = decoder.write(b);
    if (s) yield s;
  }
  const end = decoder.end();
  if (end) yield end;
}

/**
 * Binary files that are not a hash-set format Vestige reads, named by their magic number, so the
 * error says what the file is instead of rejecting it line by line.
 */
const MAGIC: Array<[string, number[]]> = [
  [
    'an SQLite database',
    [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00],
  ],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['a gzip file', [0x1f, 0x8b]],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['an EnCase (E01) evidence file', [0x45, 0x56, 0x46, 0x09, 0x0d, 0x0a, 0xff, 0x00]],
];

export function describeBinary(head: Uint8Array): string | undefined {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name;
  const { encoding } = byteOrderMark(head);
  if (encoding !== 'utf8') return undefined;
  // Text never holds NUL bytes; UTF-16 without a BOM is the one text that does, and is not read.
  return head.subarray(0, 4096).includes(0) ? 'binary data (it contains NUL bytes)' : undefined;
}

export const isSqlite = (head: Uint8Array): boolean => describeBinary(head) === 'an SQLite database';
