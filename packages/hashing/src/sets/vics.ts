import { parseUkCategory, ukToVics } from '../categorise/categories.ts';
import { EntryBuilder, describeType } from './entry-builder.ts';
import { streamJsonEntries } from './json-stream.ts';
import { VestigeError } from '@vestige/evidence';
import type { HashSetEntry, HashSetFormat, HashSetRecord } from './types.ts';

/**
 * Project VIC "VICS" JSON: an OData document whose `value` array holds Media records (MediaID,
 * Category, MD5, SHA1, MediaSize, Series, VictimIdentified, … and MediaFiles with file names).
 * Read as a stream — national sets run to gigabytes — and written as a stream.
 *
 * Perceptual hashes: PhotoDNA is read from `PhotoDNA`; PDQ from a `PDQ` member, or from an
 * `AlternativeHashes`/`Hashes` list of { HashName|Name, HashValue|Value }. We write `PDQ`.
 */
export const VICS_CONTEXT = 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media';
const UK_TAG = /^uk:\s*(.+)$/i;

function lowerKeys(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) m.set(k.toLowerCase(), v);
  return m;
}

function alternativePdq(list: unknown): unknown {
  if (!Array.isArray(list)) return undefined;
  for (const h of list) {
    if (h && typeof h === 'object') {
      const m = lowerKeys(h as Record<string, unknown>);
      const name = m.get('hashname') ?? m.get('name') ?? m.get('type');
      if (typeof name === 'string' && name.toLowerCase() === 'pdq') return m.get('hashvalue') ?? m.get('value') ?? m.get('hash');
    }
  }
  return undefined;
}

export function vicsMediaToEntry(value: unknown, index: number, file: string | undefined): HashSetRecord[] {
  const b = new EntryBuilder(index, file, `${file ?? 'VICS'} entry ${index + 1}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    b.reject('entry', `is ${describeType(value)}, not a Media object`);
    return b.finish();
  }
  const m = lowerKeys(value as Record<string, unknown>);
  const files = m.get('mediafiles');
  const firstFile = Array.isArray(files) && files[0] && typeof files[0] === 'object' ? lowerKeys(files[0] as Record<string, unknown>) : undefined;
  b.hash('md5', m.get('md5') ?? firstFile?.get('md5'), 'MD5');
  b.hash('sha1', m.get('sha1') ?? firstFile?.get('sha1'), 'SHA1');
  b.hash('sha256', m.get('sha256') ?? firstFile?.get('sha256'), 'SHA256');
  b.hash('pdq', m.get('pdq') ?? alternativePdq(m.get('alternativehashes') ?? m.get('hashes')), 'PDQ');
  b.integer('pdqQuality', m.get('pdqquality'), 'PDQQuality', [0, 100]);
  b.string('photoDna', m.get('photodna'), 'PhotoDNA');
  b.string('mediaId', m.get('mediaid'), 'MediaID');
  b.integer('vicsCategory', m.get('category'), 'Category', [0, 99]);
  b.integer('size', m.get('mediasize') ?? firstFile?.get('filesize'), 'MediaSize', [0, Number.MAX_SAFE_INTEGER]);
  b.string('name', m.get('name') ?? firstFile?.get('filename'), 'Name');
  b.string('path', firstFile?.get('filepath'), 'MediaFiles[0].FilePath');
  b.string('series', m.get('series'), 'Series');
  b.boolean('victimIdentified', m.get('victimidentified'), 'VictimIdentified');
  b.boolean('offenderIdentified', m.get('offenderidentified'), 'OffenderIdentified');
  b.boolean('isDistributed', m.get('isdistributed'), 'IsDistributed');
  b.string('comments', m.get('comments'), 'Comments');
  b.tags(m.get('tags'), 'Tags');
  // The UK grade travels as a `uk:X` tag (VICS has no field for it).
  if (b.entry.tags) {
    const rest: string[] = [];
    for (const t of b.entry.tags) {
      const uk = UK_TAG.exec(t);
      const grade = uk ? parseUkCategory(uk[1]!) : undefined;
      if (grade) b.entry.ukCategory = grade;
      else rest.push(t);
    }
    if (rest.length) b.entry.tags = rest;
    else delete b.entry.tags;
  }
  return b.finish();
}

export function entryToVicsMedia(e: HashSetEntry, index: number): Record<string, unknown> {
  const id = e.mediaId !== undefined && /^\d+$/.test(e.mediaId) ? Number(e.mediaId) : index + 1;
  const category = e.vicsCategory ?? (e.ukCategory ? ukToVics(e.ukCategory) : undefined);
  const tags = [...(e.ukCategory ? [`uk:${e.ukCategory}`] : []), ...(e.tags ?? [])];
  const media: Record<string, unknown> = { MediaID: id };
  if (category !== undefined) media.Category = category;
  if (e.md5) media.MD5 = e.md5.toUpperCase();
  if (e.sha1) media.SHA1 = e.sha1.toUpperCase();
  if (e.sha256) media.SHA256 = e.sha256.toUpperCase();
  if (e.size !== undefined) media.MediaSize = e.size;
  if (e.name !== undefined) media.Name = e.name;
  if (category !== undefined) media.IsPrecategorized = true;
  if (e.series !== undefined) media.Series = e.series;
  if (e.victimIdentified !== undefined) media.VictimIdentified = e.victimIdentified;
  if (e.offenderIdentified !== undefined) media.OffenderIdentified = e.offenderIdentified;
  if (e.isDistributed !== undefined) media.IsDistributed = e.isDistributed;
  if (tags.length) media.Tags = tags;
  if (e.comments !== undefined) media.Comments = e.comments;
  if (e.photoDna !== undefined) media.PhotoDNA = e.photoDna;
  if (e.pdq) media.PDQ = e.pdq;
  if (e.pdqQuality !== undefined) media.PDQQuality = e.pdqQuality;
  if (e.name !== undefined || e.path !== undefined) {
    media.MediaFiles = [{ ...(e.name !== undefined ? { FileName: e.name } : {}), ...(e.path !== undefined ? { FilePath: e.path } : {}), ...(e.md5 ? { MD5: e.md5.toUpperCase() } : {}), ...(e.sha1 ? { SHA1: e.sha1.toUpperCase() } : {}) }];
  }
  return media;
}

export const vicsFormat: HashSetFormat = {
  id: 'vics',
  title: 'Project VIC VICS JSON (OData Media)',
  extensions: ['.json'],
  sniff: (head) => /^\s*[{[]/.test(head) && /"(odata\.metadata|@odata\.context|value)"\s*:/i.test(head) && /projectvic|vics|"MD5"|"MediaID"/i.test(head),
  async *read(source, options = {}) {
    const file = options.file;
    let sawEntries = false;
    try {
      for await (const ev of streamJsonEntries(source, { ...(file ? { file } : {}) })) {
        if (ev.kind !== 'element') continue;
        sawEntries = true;
        yield* vicsMediaToEntry(ev.value, ev.index, file);
      }
    } catch (err) {
      if (err instanceof VestigeError) {
        yield { kind: 'issue', index: -1, error: err, outcome: 'rejected', fatal: true };
        return;
      }
      throw err;
    }
    if (!sawEntries) {
      yield {
        kind: 'issue',
        index: -1,
        outcome: 'rejected',
        error: new VestigeError('E_HASHSET_INVALID', `${file ?? 'VICS JSON'}: no "value" array of Media records was found`, { ...(file ? { file } : {}), hint: 'A VICS file is a JSON object with a "value" array.' }),
      };
    }
  },
  async *write(entries) {
    yield `{"@odata.context":${JSON.stringify(VICS_CONTEXT)},"value":[`;
    let i = 0;
    for await (const e of entries) {
      const media = entryToVicsMedia(e, i);
      yield `${i === 0 ? '\n' : ',\n'}${JSON.stringify({ 'odata.id': `Media(${media.MediaID as number})`, ...media })}`;
      i++;
    }
    yield '\n]}\n';
  },
};
