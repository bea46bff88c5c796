import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { VestigeError, registry } from '@vestige/evidence';
import { csvFormat } from './csv.ts';
import { hashdeepFormat } from './hashdeep.ts';
import { isNsrlRds3, nsrlRds2Format, nsrlRds3Format } from './nsrl.ts';
import { plainFormat } from './plain.ts';
import { describeBinary, headText, isSqlite } from './text-source.ts';
import type { HashSetEntry, HashSetFormat, HashSetMeta, HashSetRecord } from './types.ts';
import { vicsFormat } from './vics.ts';

/**
 * Every hash-set format, by id; sniffing tries them in this order (NSRL v2 before the generic CSV). An id given
 * twice is refused.
 */
export const hashSetFormats = registry<HashSetFormat>('hash-set format', [
  vicsFormat,
  hashdeepFormat,
  nsrlRds2Format,
  csvFormat,
  plainFormat,
  nsrlRds3Format,
]);

/** The format, or `E_PARAM_INVALID` naming the known ones. */
export function hashSetFormat(id: string): HashSetFormat {
  return hashSetFormats.get(id);
}

async function readHead(path: string, bytes = 8192): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VestigeError(
      code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_UNREADABLE',
      `${path}: cannot open the hash set (${code})`,
      { file: path, cause: err },
    );
  }
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Picks the format from the file's first bytes (UTF-8 with or without a BOM, or UTF-16 with one),
 * falling back to its extension. A binary file is never read as text: an NSRL RDS v3 database is
 * recognised by its views, anything else is refused as a format Vestige does not read.
 */
export async function detectHashSetFormat(path: string): Promise<HashSetFormat> {
  const bytes = await readHead(path);
  if (isSqlite(bytes) && isNsrlRds3(path)) return nsrlRds3Format;
  const binary = describeBinary(bytes);
  if (binary) {
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `${path}: format not supported — the file is ${binary}${isSqlite(bytes) ? ' without the NSRL RDS v3 views (FILE, PKG)' : ''}, not a hash-set format Vestige reads`,
      {
        file: path,
        hint: `Vestige reads ${hashSetFormats
          .list()
          .map((f) => f.title)
          .join('; ')}. Export the set from its tool in one of these.`,
      },
    );
  }
  const head = headText(bytes);
  for (const f of hashSetFormats.list()) if (f.sniff(head)) return f;
  const ext = extname(path).toLowerCase();
  const byExt = hashSetFormats.list().find((f) => f.extensions.includes(ext) && ext !== '.txt');
  if (byExt) return byExt;
  throw new VestigeError('E_INPUT_UNSUPPORTED', `${path}: not a hash-set format Vestige reads`, {
    file: path,
    hint: `Give --format with one of: ${hashSetFormats.ids().join(', ')}.`,
  });
}

/**
 * Streams a hash-set file's records (entries and per-entry issues). `onDigest` receives the SHA-256
 * of the file's bytes once they are all read: computed over the same reads as the parsing, so a set
 * is read once, not once to parse and once to name its version.
 */
export function readHashSetFile(
  path: string,
  format?: HashSetFormat,
  onDigest?: (sha256: string) => void,
): AsyncGenerator<HashSetRecord> {
  // With the format known, the format's own reader is handed back as it is: one async generator
  // fewer between each record and its consumer (a promise and a microtask per record per level).
  if (format && !format.readPath) return format.read(hashedChunks(path, onDigest), { file: path });
  return readDetected(path, format, onDigest);
}

async function* readDetected(
  path: string,
  format: HashSetFormat | undefined,
  onDigest?: (sha256: string) => void,
): AsyncGenerator<HashSetRecord> {
  const f = format ?? (await detectHashSetFormat(path));
  if (f.readPath) {
    yield* f.readPath(path);
    if (onDigest) onDigest(await fileSha256(path));
    return;
  }
  yield* f.read(hashedChunks(path, onDigest), { file: path });
}

/** The file's bytes, hashed as they pass; the digest is handed over as soon as the last byte is read. */
async function* hashedChunks(path: string, onDigest?: (sha256: string) => void): AsyncGenerator<Buffer> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  onDigest?.(h.digest('hex'));
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A set's version as recorded with its matches: `sha256:` and the first 16 hex of the file's SHA-256. */
export const setVersionOf = (sha256: string): string => `sha256:${sha256.slice(0, 16)}`;

/** Name and default version (first 16 hex of the file's SHA-256) of a set file. */
export async function hashSetIdentity(
  path: string,
  meta: HashSetMeta = {},
): Promise<Required<Pick<HashSetMeta, 'name' | 'version'>>> {
  return { name: meta.name ?? basename(path), version: meta.version ?? setVersionOf(await fileSha256(path)) };
}

/** Collects a whole (small) set: entries plus issues. For big sets stream `readHashSetFile` instead. */
export async function loadHashSet(
  path: string,
  format?: HashSetFormat,
): Promise<{ format: string; entries: HashSetEntry[]; issues: Extract<HashSetRecord, { kind: 'issue' }>[] }> {
  const f = format ?? (await detectHashSetFormat(path));
  const entries: HashSetEntry[] = [];
  const issues: Extract<HashSetRecord, { kind: 'issue' }>[] = [];
  for await (const r of readHashSetFile(path, f)) {
    if (r.kind === 'entry') entries.push(r.entry);
    else issues.push(r);
  }
  return { format: f.id, entries, issues };
}

/** Writes entries to a file through the format's streaming writer. */
export async function writeHashSetFile(
  path: string,
  format: HashSetFormat,
  entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>,
  meta?: HashSetMeta,
): Promise<number> {
  const out = createWriteStream(path);
  let count = 0;
  try {
    for await (const chunk of format.write(entries, meta)) {
      count++;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return count;
}
