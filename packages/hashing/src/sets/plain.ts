import { VestigeError } from '@vestige/evidence';
import { EntryBuilder } from './entry-builder.ts';
import { lineTooLong, textLines } from './line-reader.ts';
import type { HashSetEntry, HashSetFormat } from './types.ts';

/**
 * Plain `hash  path` lines as md5sum/sha1sum/sha256sum print them (`*` before the path marks binary
 * mode), or a bare hash per line. The algorithm follows from the length: 32 hex MD5, 40 SHA-1, 64
 * SHA-256. Lines starting with `#` are comments.
 */
const LINE = /^([0-9A-Fa-f]+)(?:\s+\*?(.*))?$/;
const BY_LENGTH = { 32: 'md5', 40: 'sha1', 64: 'sha256' } as const;

export const plainFormat: HashSetFormat = {
  id: 'plain',
  title: 'plain "hash  path" lines (md5sum / sha1sum / sha256sum)',
  extensions: ['.md5', '.sha1', '.sha256', '.txt'],
  sniff: (head) => {
    const first = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#'));
    return first !== undefined && /^[0-9A-Fa-f]{32}(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})?(\s|$)/.test(first);
  },
  async *read(source, options = {}) {
    const file = options.file;
    let lineNo = 0;
    let index = 0;
    for await (const l of textLines(source)) {
      lineNo = l.line;
      if ('tooLong' in l) {
        yield lineTooLong(l.line, l.tooLong, index++, file, 'hash list');
        continue;
      }
      const line = l.text.trim();
      if (line === '' || line.startsWith('#')) continue;
      const b = new EntryBuilder(index++, file, `${file ?? 'hash list'} line ${lineNo}`);
      const m = LINE.exec(line);
      const kind = m ? BY_LENGTH[m[1]!.length as keyof typeof BY_LENGTH] : undefined;
      if (!m) b.reject('line', `"${line.slice(0, 60)}" is not "HASH  PATH"`);
      else if (!kind)
        b.reject('hash', `hash has ${m[1]!.length} hex digits; expected 32 (MD5), 40 (SHA-1) or 64 (SHA-256)`);
      else {
        b.hash(kind, m[1], kind.toUpperCase());
        if (m[2]) {
          b.entry.path = m[2];
          b.entry.name = m[2].split(/[\\/]/).pop()!;
        }
      }
      yield* b.finish();
    }
    if (index === 0)
      yield {
        kind: 'issue',
        index: -1,
        outcome: 'rejected',
        error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'hash list'}: no hashes found`, {
          ...(file ? { file } : {}),
        }),
      };
  },
  async *write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) {
    for await (const e of entries) {
      const hash = e.sha256 ?? e.sha1 ?? e.md5;
      if (hash) yield `${hash}  ${e.path ?? e.name ?? ''}`.trimEnd() + '\n';
    }
  },
};
