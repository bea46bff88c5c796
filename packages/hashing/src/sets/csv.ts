import { VestigeError } from '@vestige/evidence';
import { parseUkCategory } from '../categorise/categories.ts';
import { EntryBuilder } from './entry-builder.ts';
import { lineTooLong, MAX_LINE_BYTES, textLines, type TextLine } from './line-reader.ts';
import type { ByteSource, HashSetEntry, HashSetFormat, HashSetRecord } from './types.ts';

/**
 * A hash list as CSV with a header row naming the columns — the shape many lab tools and
 * spreadsheets export. It is *not* CAID's format (CAID distributes VICS JSON in the UK profile, see
 * vics.ts), hence the plain name. Columns are matched by name (case and spacing ignored, common
 * aliases accepted), so exports from different tools read; we write the canonical header below.
 * RFC 4180 quoting, including line breaks inside quotes — but a quote left open does not swallow
 * the rest of the file: a record may span at most MAX_RECORD_LINES lines and MAX_LINE_BYTES bytes,
 * past which (or at the end of the file) its first line is rejected and reading resumes on the next.
 */
const COLUMNS = [
  'MD5',
  'SHA1',
  'SHA256',
  'PDQ',
  'PDQQuality',
  'Category',
  'VICSCategory',
  'Name',
  'Path',
  'Size',
  'Series',
  'VictimIdentified',
  'OffenderIdentified',
  'IsDistributed',
  'Tags',
  'Comments',
  'MediaID',
  'PhotoDNA',
] as const;
type Column = (typeof COLUMNS)[number];

const ALIASES: Record<string, Column> = {
  md5: 'MD5',
  md5hash: 'MD5',
  hashmd5: 'MD5',
  sha1: 'SHA1',
  sha1hash: 'SHA1',
  hashsha1: 'SHA1',
  sha256: 'SHA256',
  sha256hash: 'SHA256',
  pdq: 'PDQ',
  pdqhash: 'PDQ',
  pdqquality: 'PDQQuality',
  category: 'Category',
  grade: 'Category',
  ukcategory: 'Category',
  caidcategory: 'Category',
  vicscategory: 'VICSCategory',
  projectviccategory: 'VICSCategory',
  name: 'Name',
  filename: 'Name',
  file: 'Name',
  path: 'Path',
  filepath: 'Path',
  fullpath: 'Path',
  size: 'Size',
  filesize: 'Size',
  mediasize: 'Size',
  bytes: 'Size',
  series: 'Series',
  seriesname: 'Series',
  victimidentified: 'VictimIdentified',
  offenderidentified: 'OffenderIdentified',
  isdistributed: 'IsDistributed',
  tags: 'Tags',
  comments: 'Comments',
  notes: 'Comments',
  mediaid: 'MediaID',
  id: 'MediaID',
  photodna: 'PhotoDNA',
};

function columnFor(header: string): Column | undefined {
  return ALIASES[header.toLowerCase().replace(/[\s_\-.]/g, '')];
}

/** Lines one quoted field may span before its opening quote is taken to be unterminated. */
export const MAX_RECORD_LINES = 64;

export type CsvRecord =
  | { readonly line: number; readonly fields: string[] }
  | { readonly line: number; readonly problem: 'unterminated-quote' | 'too-long'; readonly bytes?: number };

/** Fields of one record, or undefined while a quoted field is still open at the end of `text`. */
export function parseCsvRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 0x22 /* " */) {
      // Quoted field: runs to the next lone quote; "" is a literal quote.
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return undefined;
        field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    const comma = text.indexOf(',', i);
    const end = comma < 0 ? n : comma;
    field += text.slice(i, end);
    fields.push(field);
    if (comma < 0) return fields;
    field = '';
    i = comma + 1;
  }
}

/**
 * Streams CSV records with the line each began on; damaged records are reported, not fatal.
 * `fieldCount` (once the header is known) makes a record that spans lines count only if it has the
 * header's number of fields: an unclosed quote followed by lines that hold quotes of their own would
 * otherwise pair up with them and swallow good lines.
 */
export async function* csvRecords(
  source: ByteSource,
  options: { maxLineBytes?: number; fieldCount?: () => number | undefined } = {},
): AsyncGenerator<CsvRecord> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const pending: TextLine[] = [];
  const reader = textLines(source, maxLineBytes)[Symbol.asyncIterator]();
  let exhausted = false;
  // Lines read ahead for a record that turned out unterminated are parsed again from the second.
  const nextLine = async (): Promise<TextLine | undefined> => {
    if (pending.length) return pending.shift();
    if (exhausted) return undefined;
    const r = await reader.next();
    if (r.done) {
      exhausted = true;
      return undefined;
    }
    return r.value;
  };
  for (;;) {
    const first = await nextLine();
    if (!first) return;
    if ('tooLong' in first) {
      yield { line: first.line, problem: 'too-long', bytes: first.tooLong };
      continue;
    }
    if (first.text === '') continue;
    let text = first.text;
    let fields = parseCsvRecord(text);
    const spanned: Array<{ line: number; text: string }> = [];
    while (!fields) {
      const more = spanned.length + 1 < MAX_RECORD_LINES && text.length <= maxLineBytes ? await nextLine() : undefined;
      if (!more || 'tooLong' in more) {
        if (more) pending.unshift(more);
        break;
      }
      spanned.push(more);
      text += '\n' + more.text;
      fields = parseCsvRecord(text);
    }
    const want = spanned.length ? options.fieldCount?.() : undefined;
    if (fields && (want === undefined || fields.length === want)) yield { line: first.line, fields };
    else {
      yield { line: first.line, problem: 'unterminated-quote' };
      pending.unshift(...spanned);
    }
  }
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function headerProblem(file: string | undefined): HashSetRecord {
  return {
    kind: 'issue',
    index: -1,
    outcome: 'rejected',
    fatal: true,
    error: new VestigeError(
      'E_HASHSET_INVALID',
      `${file ?? 'CSV'}: the header row names no hash column (MD5, SHA1, SHA256 or PDQ)`,
      { ...(file ? { file } : {}), hint: 'The first row must be a header such as MD5,SHA1,Category,Name.' },
    ),
  };
}

function damagedRecord(
  r: Extract<CsvRecord, { problem: string }>,
  index: number,
  file: string | undefined,
): HashSetRecord {
  if (r.problem === 'too-long') return lineTooLong(r.line, r.bytes ?? 0, index, file, 'CSV');
  const where = `${file ?? 'CSV'} line ${r.line}`;
  const error = new VestigeError('E_HASHSET_INVALID', `${where}: a quoted field is never closed — line skipped`, {
    ...(file ? { file } : {}),
    hint: 'Close the quote (or double a quote inside a field as ""). The lines after it were read.',
    details: { entry: index, line: r.line, field: 'row' },
  });
  return { kind: 'issue', index, outcome: 'rejected', error };
}

function rowEntry(
  fields: string[],
  columns: (Column | undefined)[],
  index: number,
  line: number,
  file: string | undefined,
): HashSetRecord[] {
  const b = new EntryBuilder(index, file, `${file ?? 'CSV'} line ${line}`);
  if (fields.length !== columns.length)
    b.reject('row', `has ${fields.length} fields; the header has ${columns.length}`);
  const get = (c: Column): string | undefined => {
    const i = columns.indexOf(c);
    return i >= 0 ? fields[i] : undefined;
  };
  b.hash('md5', get('MD5'), 'MD5');
  b.hash('sha1', get('SHA1'), 'SHA1');
  b.hash('sha256', get('SHA256'), 'SHA256');
  b.hash('pdq', get('PDQ'), 'PDQ');
  b.integer('pdqQuality', get('PDQQuality'), 'PDQQuality', [0, 100]);
  const cat = get('Category');
  if (cat !== undefined && cat.trim() !== '') {
    const uk = parseUkCategory(cat);
    if (uk) b.entry.ukCategory = uk;
    else b.drop('Category', `Category "${cat}" is not A, B, C or not indecent`);
  }
  b.integer('vicsCategory', get('VICSCategory'), 'VICSCategory', [0, 99]);
  b.string('name', get('Name'), 'Name');
  b.string('path', get('Path'), 'Path');
  b.integer('size', get('Size'), 'Size', [0, Number.MAX_SAFE_INTEGER]);
  b.string('series', get('Series'), 'Series');
  b.boolean('victimIdentified', get('VictimIdentified'), 'VictimIdentified');
  b.boolean('offenderIdentified', get('OffenderIdentified'), 'OffenderIdentified');
  b.boolean('isDistributed', get('IsDistributed'), 'IsDistributed');
  b.tags(get('Tags'), 'Tags');
  b.string('comments', get('Comments'), 'Comments');
  b.string('mediaId', get('MediaID'), 'MediaID');
  b.string('photoDna', get('PhotoDNA'), 'PhotoDNA');
  return b.finish();
}

export const csvFormat: HashSetFormat = {
  id: 'csv',
  title: 'hash-list CSV with a header row (MD5, SHA1, SHA256, PDQ, Category A/B/C/N, …)',
  extensions: ['.csv'],
  sniff: (head) => {
    const first = head.split(/\r?\n/, 1)[0] ?? '';
    return (
      first.includes(',') &&
      first.split(',').some((h) => ['MD5', 'SHA1', 'PDQ'].includes(columnFor(h.replace(/"/g, '')) ?? ''))
    );
  },
  async *read(source, options = {}) {
    const file = options.file;
    let columns: (Column | undefined)[] | undefined;
    let index = 0;
    for await (const r of csvRecords(source, { fieldCount: () => columns?.length })) {
      if (!('fields' in r)) {
        yield damagedRecord(r, columns ? index++ : -1, file);
        continue;
      }
      if (!columns) {
        columns = r.fields.map((f) => columnFor(f));
        if (!columns.some((c) => c === 'MD5' || c === 'SHA1' || c === 'SHA256' || c === 'PDQ'))
          return yield headerProblem(file);
        continue;
      }
      yield* rowEntry(r.fields, columns, index++, r.line, file);
    }
  },
  async *write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) {
    yield COLUMNS.join(',') + '\r\n';
    for await (const e of entries) {
      const row: Record<Column, string | number | boolean | undefined> = {
        MD5: e.md5,
        SHA1: e.sha1,
        SHA256: e.sha256,
        PDQ: e.pdq,
        PDQQuality: e.pdqQuality,
        Category: e.ukCategory,
        VICSCategory: e.vicsCategory,
        Name: e.name,
        Path: e.path,
        Size: e.size,
        Series: e.series,
        VictimIdentified: e.victimIdentified,
        OffenderIdentified: e.offenderIdentified,
        IsDistributed: e.isDistributed,
        Tags: e.tags?.join(';'),
        Comments: e.comments,
        MediaID: e.mediaId,
        PhotoDNA: e.photoDna,
      };
      yield COLUMNS.map((c) => csvField(row[c])).join(',') + '\r\n';
    }
  },
};
