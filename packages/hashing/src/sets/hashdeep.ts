import { VestigeError } from '@vestige/evidence';
import { EntryBuilder } from './entry-builder.ts';
import { lineTooLong, textLines } from './line-reader.ts';
import type { HashSetEntry, HashSetFormat, HashSetRecord } from './types.ts';

/**
 * hashdeep / md5deep audit files:
 *   %%%% HASHDEEP-1.0
 *   %%%% size,md5,sha256,filename
 *   ## comments
 *   1234,<md5>,<sha256>,/path/to/file
 * The column line decides the order. The file name is the last column and may itself contain commas.
 *
 * Writing: hashdeep (4.4) refuses a known-file list whose lines have an empty hash column ("Invalid
 * md5 hash in line …") and one without the size column ("Unable to identify file format"), so the
 * writer names only the hashes *every* entry has, with size first, and refuses a set where no hash
 * or no size is common to all (the error says which entries lack what). Choosing the columns needs
 * every entry first, so the writer holds the entries it is given (a case's export, not a national set).
 */
const KNOWN = new Set(['size', 'md5', 'sha1', 'sha256', 'tiger', 'whirlpool', 'filename']);
const HASH_COLUMNS = ['md5', 'sha1', 'sha256'] as const;

function fatal(file: string | undefined, message: string): HashSetRecord {
  return {
    kind: 'issue',
    index: -1,
    outcome: 'rejected',
    fatal: true,
    error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'hashdeep'}${message}`, { ...(file ? { file } : {}) }),
  };
}

function dataLine(line: string, columns: string[], b: EntryBuilder): void {
  const parts = line.split(',');
  if (parts.length < columns.length) return b.reject('line', `has ${parts.length} fields; expected ${columns.length}`);
  const head = parts.slice(0, columns.length - 1);
  const filename = parts.slice(columns.length - 1).join(',');
  columns.slice(0, -1).forEach((c, i) => {
    const v = head[i];
    if (c === 'size') b.integer('size', v, 'size', [0, Number.MAX_SAFE_INTEGER]);
    else if (c === 'md5' || c === 'sha1' || c === 'sha256') b.hash(c, v, c);
  });
  b.entry.path = filename;
  b.entry.name = filename.split(/[\\/]/).pop()!;
}

/** The columns a hashdeep file of these entries can have: size and the hashes all of them carry. */
export function hashdeepColumns(entries: readonly HashSetEntry[]): Array<'size' | 'md5' | 'sha1' | 'sha256'> {
  const common = HASH_COLUMNS.filter((h) => entries.every((e) => e[h]));
  const noSize = entries.findIndex((e) => e.size === undefined);
  if (entries.length && (common.length === 0 || noSize >= 0)) {
    const lacking =
      common.length === 0
        ? 'no hash (MD5, SHA-1 or SHA-256) is carried by every entry'
        : `entry ${noSize + 1} (${entries[noSize]!.name ?? entries[noSize]!.md5 ?? ''}) has no size`;
    throw new VestigeError(
      'E_INPUT_UNSUPPORTED',
      `cannot write a hashdeep file: ${lacking}, and hashdeep rejects empty columns`,
      {
        hint: 'Export these entries as VICS JSON or CSV, or filter the set to entries that carry a size and a common hash.',
      },
    );
  }
  return ['size', ...(entries.length ? common : HASH_COLUMNS)];
}

export const hashdeepFormat: HashSetFormat = {
  id: 'hashdeep',
  title: 'hashdeep audit file (%%%% HASHDEEP-1.0)',
  extensions: ['.hashdeep', '.hsh', '.txt'],
  sniff: (head) => head.startsWith('%%%% HASHDEEP-1.0'),
  async *read(source, options = {}) {
    const file = options.file;
    let columns: string[] | undefined;
    let index = 0;
    for await (const l of textLines(source)) {
      if ('tooLong' in l) {
        yield lineTooLong(l.line, l.tooLong, index++, file, 'hashdeep');
        continue;
      }
      const line = l.text;
      if (l.line === 1) {
        if (!line.startsWith('%%%% HASHDEEP-1.0')) return yield fatal(file, ': first line is not "%%%% HASHDEEP-1.0"');
        continue;
      }
      if (line.startsWith('%%%%')) {
        columns = line
          .slice(4)
          .trim()
          .split(',')
          .map((c) => c.trim().toLowerCase());
        const unknown = columns.filter((c) => !KNOWN.has(c));
        if (unknown.length || columns[columns.length - 1] !== 'filename')
          return yield fatal(
            file,
            ` line ${l.line}: column line must list known columns ending in filename (${unknown.join(', ') || 'no filename'})`,
          );
        continue;
      }
      if (line.startsWith('##') || line.trim() === '') continue;
      if (!columns)
        return yield fatal(file, ` line ${l.line}: a data line comes before the "%%%% size,…,filename" column line`);
      const b = new EntryBuilder(index++, file, `${file ?? 'hashdeep'} line ${l.line}`);
      dataLine(line, columns, b);
      yield* b.finish();
    }
  },
  async *write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) {
    const all: HashSetEntry[] = [];
    for await (const e of entries) all.push(e);
    const columns = hashdeepColumns(all);
    yield `%%%% HASHDEEP-1.0\n%%%% ${columns.join(',')},filename\n## Written by Vestige: only the hashes every entry carries are listed\n## \n`;
    for (const e of all) yield `${columns.map((c) => e[c] ?? '').join(',')},${e.path ?? e.name ?? ''}\n`;
  },
};
