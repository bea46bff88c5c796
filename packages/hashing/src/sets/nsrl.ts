import Database from 'better-sqlite3';
import { VestigeError } from '@vestige/evidence';
import { csvRecords } from './csv.ts';
import { EntryBuilder } from './entry-builder.ts';
import { lineTooLong } from './line-reader.ts';
import type { HashSetEntry, HashSetFormat, HashSetRecord } from './types.ts';

/**
 * NIST's National Software Reference Library, the Reference Data Set of known software files.
 * Both forms are **known-good** sets (`role: 'known-good'`): a hit says the file is a known,
 * innocuous program file and filters it out of review; it is never reported as a match.
 *
 * - RDS v3 (2022 on) is an SQLite database; its views FILE (sha256, sha1, md5, crc32, file_name,
 *   file_size, package_id), PKG (package_id, name, version, operating_system_id, manufacturer_id,
 *   language, application_type), OS and MFG are the documented interface. Read with better-sqlite3,
 *   a row at a time.
 * - RDS v2 `NSRLFile.txt`: quoted CSV with the header
 *   "SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode".
 */
const V2_HEADER = ['SHA-1', 'MD5', 'CRC32', 'FileName', 'FileSize', 'ProductCode', 'OpSystemCode', 'SpecialCode'];

function notWritable(id: string): never {
  throw new VestigeError(
    'E_INPUT_UNSUPPORTED',
    `Vestige reads NSRL ${id} but does not write it: the RDS is NIST's own publication`,
    { hint: 'Convert to VICS JSON, CSV, hashdeep or plain text instead.' },
  );
}

/** True when an SQLite file has the RDS v3 views (checked before choosing the format). */
export function isNsrlRds3(path: string): boolean {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const names = new Set(
      (
        db.prepare("SELECT upper(name) AS n FROM sqlite_master WHERE type IN ('view','table')").all() as Array<{
          n: string;
        }>
      ).map((r) => r.n),
    );
    return names.has('FILE') && names.has('PKG');
  } finally {
    db.close();
  }
}

interface Rds3Row {
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  crc32: string | null;
  file_name: string | null;
  file_size: number | bigint | null;
  package_id: number | null;
  package_name: string | null;
  package_version: string | null;
}

function rds3Entry(row: Rds3Row, index: number, file: string): HashSetRecord[] {
  const b = new EntryBuilder(index, file, `${file} FILE row ${index + 1}`);
  b.hash('sha256', row.sha256, 'sha256');
  b.hash('sha1', row.sha1, 'sha1');
  b.hash('md5', row.md5, 'md5');
  b.string('name', row.file_name, 'file_name');
  b.integer('size', typeof row.file_size === 'bigint' ? Number(row.file_size) : row.file_size, 'file_size', [
    0,
    Number.MAX_SAFE_INTEGER,
  ]);
  const extra: Record<string, unknown> = {};
  if (row.crc32) extra.crc32 = row.crc32;
  if (row.package_id !== null) extra.package_id = row.package_id;
  if (row.package_name)
    extra.package = row.package_version ? `${row.package_name} ${row.package_version}` : row.package_name;
  if (Object.keys(extra).length) b.entry.extra = extra;
  return b.finish();
}

export const nsrlRds3Format: HashSetFormat = {
  id: 'nsrl-rds3',
  title: 'NSRL RDS v3 (SQLite; known-good files)',
  extensions: ['.db', '.sqlite'],
  role: 'known-good',
  sniff: () => false, // binary: chosen by detectHashSetFormat from the SQLite header and the views
  async *read() {
    throw new VestigeError('E_USAGE', 'NSRL RDS v3 is an SQLite database: read it from its file (readPath)');
  },
  async *readPath(path: string) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(
          'SELECT f.sha256, f.sha1, f.md5, f.crc32, f.file_name, f.file_size, f.package_id, p.name AS package_name, p.version AS package_version FROM FILE f LEFT JOIN PKG p ON p.package_id = f.package_id',
        )
        .safeIntegers(false)
        .iterate() as IterableIterator<Rds3Row>;
      let index = 0;
      for (const row of rows) yield* rds3Entry(row, index++, path);
    } finally {
      db.close();
    }
  },
  write: () => notWritable('RDS v3'),
};

export const nsrlRds2Format: HashSetFormat = {
  id: 'nsrl-rds2',
  title: 'NSRL RDS v2 NSRLFile.txt (known-good files)',
  extensions: ['.txt'],
  role: 'known-good',
  sniff: (head) => /^"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"/.test(head),
  async *read(source, options = {}) {
    const file = options.file;
    let header = true;
    let index = 0;
    for await (const r of csvRecords(source, { fieldCount: () => (header ? undefined : V2_HEADER.length) })) {
      if (!('fields' in r)) {
        yield r.problem === 'too-long'
          ? lineTooLong(r.line, r.bytes ?? 0, index++, file, 'NSRLFile.txt')
          : {
              kind: 'issue',
              index: index++,
              outcome: 'rejected',
              error: new VestigeError(
                'E_HASHSET_INVALID',
                `${file ?? 'NSRLFile.txt'} line ${r.line}: a quoted field is never closed — line skipped`,
                { ...(file ? { file } : {}), details: { entry: index - 1, field: 'row' } },
              ),
            };
        continue;
      }
      if (header) {
        header = false;
        if (r.fields.join(',') !== V2_HEADER.join(','))
          return yield {
            kind: 'issue',
            index: -1,
            outcome: 'rejected',
            fatal: true,
            error: new VestigeError(
              'E_HASHSET_INVALID',
              `${file ?? 'NSRLFile.txt'}: the header is not the RDS v2 one (${V2_HEADER.join(',')})`,
              { ...(file ? { file } : {}) },
            ),
          };
        continue;
      }
      const [sha1, md5, crc32, name, size, product, os, special] = r.fields;
      const b = new EntryBuilder(index++, file, `${file ?? 'NSRLFile.txt'} line ${r.line}`);
      if (r.fields.length !== V2_HEADER.length)
        b.reject('row', `has ${r.fields.length} fields; RDS v2 has ${V2_HEADER.length}`);
      b.hash('sha1', sha1, 'SHA-1');
      b.hash('md5', md5, 'MD5');
      b.string('name', name, 'FileName');
      b.integer('size', size, 'FileSize', [0, Number.MAX_SAFE_INTEGER]);
      b.entry.extra = { CRC32: crc32, ProductCode: product, OpSystemCode: os, SpecialCode: special };
      yield* b.finish();
    }
  },
  write: (_entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) => notWritable('RDS v2'),
};
