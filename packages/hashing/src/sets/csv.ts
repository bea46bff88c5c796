import { StringDecoder } from 'node:string_decoder';
import { VestigeError } from '@vestige/evidence';
import { parseUkCategory } from '../categorise/categories.ts';
import { EntryBuilder } from './entry-builder.ts';
import type { HashSetEntry, HashSetFormat } from './types.ts';

/**
 * CAID-style CSV: one row per known image with a header row naming the columns. Columns are matched
 * by name (case and spacing ignored, common aliases accepted), so exports from different tools read;
 * we write the canonical header below. RFC 4180 quoting, including line breaks inside quotes.
 */
const COLUMNS = ['MD5', 'SHA1', 'SHA256', 'PDQ', 'PDQQuality', 'Category', 'VICSCategory', 'Name', 'Path', 'Size', 'Series', 'VictimIdentified', 'OffenderIdentified', 'IsDistributed', 'Tags', 'Comments', 'MediaID', 'PhotoDNA'] as const;
type Column = (typeof COLUMNS)[number];

const ALIASES: Record<string, Column> = {
  md5: 'MD5', md5hash: 'MD5', hashmd5: 'MD5',
  sha1: 'SHA1', sha1hash: 'SHA1', hashsha1: 'SHA1',
  sha256: 'SHA256', sha256hash: 'SHA256',
  pdq: 'PDQ', pdqhash: 'PDQ', pdqquality: 'PDQQuality',
  category: 'Category', grade: 'Category', ukcategory: 'Category', caidcategory: 'Category',
  vicscategory: 'VICSCategory', projectviccategory: 'VICSCategory',
  name: 'Name', filename: 'Name', file: 'Name',
  path: 'Path', filepath: 'Path', fullpath: 'Path',
  size: 'Size', filesize: 'Size', mediasize: 'Size', bytes: 'Size',
  series: 'Series', seriesname: 'Series',
  victimidentified: 'VictimIdentified', offenderidentified: 'OffenderIdentified', isdistributed: 'IsDistributed',
  tags: 'Tags', comments: 'Comments', notes: 'Comments', mediaid: 'MediaID', id: 'MediaID', photodna: 'PhotoDNA',
};

function columnFor(header: string): Column | undefined {
  return ALIASES[header.toLowerCase().replace(/[\s_\-.]/g, '')];
}

/** Streams CSV records (arrays of fields) with the line each began on. */
export async function* csvRecords(source: AsyncIterable<Buffer | string>): AsyncGenerator<{ fields: string[]; line: number }> {
  const decoder = new StringDecoder('utf8');
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside quotes: either the end or the first of a pair
  let line = 1;
  let recordLine = 1;
  let any = false;
  const chunks = async function* () {
    for await (const c of source) yield typeof c === 'string' ? c : decoder.write(c);
    yield decoder.end();
  };
  for await (const text of chunks()) {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quotePending) {
        quotePending = false;
        if (ch === '"') {
          field += '"';
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        if (ch === '"') quotePending = true;
        else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === '"' && field === '') {
        inQuotes = true;
        any = true;
      } else if (ch === ',') {
        fields.push(field);
        field = '';
        any = true;
      } else if (ch === '\n') {
        fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
        if (any || fields.length > 1 || fields[0] !== '') yield { fields, line: recordLine };
        fields = [];
        field = '';
        any = false;
        line++;
        recordLine = line;
      } else {
        field += ch;
        any = true;
      }
    }
  }
  if (any || field !== '' || fields.length) {
    fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
    yield { fields, line: recordLine };
  }
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const caidCsvFormat: HashSetFormat = {
  id: 'caid-csv',
  title: 'CAID-style CSV (header row; MD5, SHA1, PDQ, Category A/B/C/N, …)',
  extensions: ['.csv'],
  sniff: (head) => {
    const first = head.split(/\r?\n/, 1)[0] ?? '';
    return first.includes(',') && first.split(',').some((h) => columnFor(h.replace(/"/g, '')) === 'MD5' || columnFor(h.replace(/"/g, '')) === 'SHA1' || columnFor(h.replace(/"/g, '')) === 'PDQ');
  },
  async *read(source, options = {}) {
    const file = options.file;
    let columns: (Column | undefined)[] | undefined;
    let index = 0;
    for await (const { fields, line } of csvRecords(source as AsyncIterable<Buffer | string>)) {
      if (!columns) {
        columns = fields.map((f) => columnFor(f.replace(/^\uFEFF/, '')));
        if (!columns.some((c) => c === 'MD5' || c === 'SHA1' || c === 'SHA256' || c === 'PDQ')) {
          yield {
            kind: 'issue', index: -1, outcome: 'rejected', fatal: true,
            error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'CSV'}: the header row names no hash column (MD5, SHA1, SHA256 or PDQ)`, { ...(file ? { file } : {}), hint: 'The first row must be a header such as MD5,SHA1,Category,Name.' }),
          };
          return;
        }
        continue;
      }
      const b = new EntryBuilder(index, file, `${file ?? 'CSV'} line ${line}`);
      if (fields.length !== columns.length) b.reject('row', `has ${fields.length} fields; the header has ${columns.length}`);
      const get = (c: Column): string | undefined => {
        const i = columns!.indexOf(c);
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
      yield* b.finish();
      index++;
    }
  },
  async *write(entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>) {
    yield COLUMNS.join(',') + '\r\n';
    for await (const e of entries) {
      const row: Record<Column, string | number | boolean | undefined> = {
        MD5: e.md5, SHA1: e.sha1, SHA256: e.sha256, PDQ: e.pdq, PDQQuality: e.pdqQuality, Category: e.ukCategory, VICSCategory: e.vicsCategory,
        Name: e.name, Path: e.path, Size: e.size, Series: e.series, VictimIdentified: e.victimIdentified, OffenderIdentified: e.offenderIdentified,
        IsDistributed: e.isDistributed, Tags: e.tags?.join(';'), Comments: e.comments, MediaID: e.mediaId, PhotoDNA: e.photoDna,
      };
      yield COLUMNS.map((c) => csvField(row[c])).join(',') + '\r\n';
    }
  },
};
