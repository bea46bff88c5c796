import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { VestigeError } from '@vestige/evidence';
import { caidCsvFormat } from './csv.ts';
import { hashdeepFormat } from './hashdeep.ts';
import { plainFormat } from './plain.ts';
import type { HashSetEntry, HashSetFormat, HashSetMeta, HashSetRecord } from './types.ts';
import { vicsFormat } from './vics.ts';

/** Every hash-set format, by id; sniffing tries them in this order. */
export const hashSetFormats: ReadonlyMap<string, HashSetFormat> = new Map([vicsFormat, hashdeepFormat, caidCsvFormat, plainFormat].map((f) => [f.id, f]));

export function hashSetFormat(id: string): HashSetFormat {
  const f = hashSetFormats.get(id);
  if (!f) throw new VestigeError('E_USAGE', `unknown hash-set format '${id}'`, { hint: `Use one of: ${[...hashSetFormats.keys()].join(', ')}.` });
  return f;
}

async function readHead(path: string, bytes = 8192): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VestigeError(code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_UNREADABLE', `${path}: cannot open the hash set (${code})`, { file: path, cause: err });
  }
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await fh.close();
  }
}

/** Picks the format from the file's first bytes, falling back to its extension. */
export async function detectHashSetFormat(path: string): Promise<HashSetFormat> {
  const head = await readHead(path);
  for (const f of hashSetFormats.values()) if (f.sniff(head)) return f;
  const ext = extname(path).toLowerCase();
  const byExt = [...hashSetFormats.values()].find((f) => f.extensions.includes(ext) && ext !== '.txt');
  if (byExt) return byExt;
  throw new VestigeError('E_INPUT_UNSUPPORTED', `${path}: not a hash-set format Vestige reads`, {
    file: path,
    hint: `Give --format with one of: ${[...hashSetFormats.keys()].join(', ')}.`,
  });
}

/** Streams a hash-set file's records (entries and per-entry issues). */
export async function* readHashSetFile(path: string, format?: HashSetFormat): AsyncGenerator<HashSetRecord> {
  const f = format ?? (await detectHashSetFormat(path));
  yield* f.read(createReadStream(path, { highWaterMark: 1 << 20 }), { file: path });
}

/** Name and default version (first 16 hex of the file's SHA-256) of a set file, read in one pass. */
export async function hashSetIdentity(path: string, meta: HashSetMeta = {}): Promise<Required<HashSetMeta>> {
  let version = meta.version;
  if (!version) {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    version = `sha256:${h.digest('hex').slice(0, 16)}`;
  }
  return { name: meta.name ?? basename(path), version };
}

/** Collects a whole (small) set: entries plus issues. For big sets stream `readHashSetFile` instead. */
export async function loadHashSet(path: string, format?: HashSetFormat): Promise<{ format: string; entries: HashSetEntry[]; issues: Extract<HashSetRecord, { kind: 'issue' }>[] }> {
  const f = format ?? (await detectHashSetFormat(path));
  const entries: HashSetEntry[] = [];
  const issues: Extract<HashSetRecord, { kind: 'issue' }>[] = [];
  for await (const r of f.read(createReadStream(path), { file: path })) {
    if (r.kind === 'entry') entries.push(r.entry);
    else issues.push(r);
  }
  return { format: f.id, entries, issues };
}

/** Writes entries to a file through the format's streaming writer. */
export async function writeHashSetFile(path: string, format: HashSetFormat, entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>, meta?: HashSetMeta): Promise<number> {
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
