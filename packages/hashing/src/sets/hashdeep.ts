import { VestigeError } from '@vestige/evidence';
import { EntryBuilder, lines } from './entry-builder.ts';
import type { HashSetEntry, HashSetFormat } from './types.ts';

/**
 * hashdeep / md5deep audit files (also the NSRL-style text exports many labs use):
 *   %%%% HASHDEEP-1.0
 *   %%%% size,md5,sha256,filename
 *   ## comments
 *   1234,<md5>,<sha256>,/path/to/file
 * The column line decides the order. The file name is the last column and may itself contain commas.
 */
const KNOWN = new Set(['size', 'md5', 'sha1', 'sha256', 'tiger', 'whirlpool', 'filename']);

export const hashdeepFormat: HashSetFormat = {
  id: 'hashdeep',
  title: 'hashdeep audit file (%%%% HASHDEEP-1.0)',
  extensions: ['.hashdeep', '.hsh', '.txt'],
  sniff: (head) => head.startsWith('%%%% HASHDEEP-1.0'),
  async *read(source, options = {}) {
    const file = options.file;
    let columns: string[] | undefined;
    let lineNo = 0;
    let index = 0;
    for await (const line of lines(source as AsyncIterable<Buffer | string>)) {
      lineNo++;
      if (lineNo === 1) {
        if (!line.startsWith('%%%% HASHDEEP-1.0')) {
          yield { kind: 'issue', index: -1, outcome: 'rejected', fatal: true, error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'hashdeep'}: first line is not "%%%% HASHDEEP-1.0"`, { ...(file ? { file } : {}) }) };
          return;
        }
        continue;
      }
      if (line.startsWith('%%%%')) {
        columns = line.slice(4).trim().split(',').map((c) => c.trim().toLowerCase());
        const unknown = columns.filter((c) => !KNOWN.has(c));
        if (unknown.length || columns[columns.length - 1] !== 'filename') {
          yield { kind: 'issue', index: -1, outcome: 'rejected', fatal: true, error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'hashdeep'} line ${lineNo}: column line must list known columns ending in filename (${unknown.join(', ') || 'no filename'})`, { ...(file ? { file } : {}) }) };
          return;
        }
        continue;
      }
      if (line.startsWith('##') || line.trim() === '') continue;
      if (!columns) {
        yield { kind: 'issue', index: -1, outcome: 'rejected', fatal: true, error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'hashdeep'} line ${lineNo}: a data line comes before the "%%%% size,…,filename" column line`, { ...(file ? { file } : {}) }) };
        return;
      }
      const b = new EntryBuilder(index++, file, `${file ?? 'hashdeep'} line ${lineNo}`);
      const parts = line.split(',');
      if (parts.length < columns.length) b.reject('line', `has ${parts.length} fields; expected ${columns.length}`);
      else {
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
      yield* b.finish();
    }
  },
  async *write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) {
    yield '%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,filename\n## Written by Vestige\n##\n';
    for await (const e of entries) yield `${e.size ?? ''},${e.md5 ?? ''},${e.sha1 ?? ''},${e.sha256 ?? ''},${e.path ?? e.name ?? ''}\n`;
  },
};
