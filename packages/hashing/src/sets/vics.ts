import { VestigeError } from '@vestige/evidence';
import { parseUkCategory, ukProfileToUk, ukToUkProfile, ukToVics } from '../categorise/categories.ts';
import { formatVpdqJson, parseVpdqJson } from '../video/vpdq-format.ts';
import { EntryBuilder, describeType } from './entry-builder.ts';
import { utf8Bytes } from './text-source.ts';
import type { AlternativeHash, HashSetEntry, HashSetFormat, HashSetMeta, HashSetRecord, VicsProfile } from './types.ts';
import { VicsScanner } from './vics-scanner.ts';

/**
 * Project VIC "VICS" JSON (data model 2.0, and the 1.x files still in circulation): an OData
 * document whose `value` holds either Media records (`…$metadata#Media`, a hash database) or cases
 * (`…$metadata#Cases`: CaseID, CaseNumber, SourceApplicationName, … each with its own `Media`).
 * The path of the context names the profile: `/UK/` is CAID's, where Category is the UK grade;
 * `/US/` and `/Default/` use Project VIC's category numbers.
 *
 * Reading keeps every member: the ones Vestige uses become fields; SHA-256 and PDQ are also read
 * from `AlternativeHashes`; hashes Vestige does not compute (PhotoDNA and others) are kept as
 * `alternativeHashes`; everything else (MediaFiles with their timestamps, MediaMetadata, MimeType,
 * …) is kept in `extra`, and the case's members in `caseRef`. Writing puts all of it back.
 *
 * Writing follows what importers accept: one OData v4 dialect (`@odata.context`, no `odata.id`),
 * `Tags` as one string, flags as the strings "true"/"false", SHA-256, PDQ and vPDQ in
 * `AlternativeHashes`, PDQ quality in `MediaMetadata`, and the UK grade in `Category` under the UK
 * profile (a `uk:X` tag under the default one, which has no field for it).
 */
export const VICS_BASE = 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml';
export const VICS_CONTEXT = `${VICS_BASE}/Default/$metadata#Media`;
export const vicsContext = (profile: VicsProfile, shape: 'media' | 'cases'): string =>
  `${VICS_BASE}/${profile === 'uk' ? 'UK' : 'Default'}/$metadata#${shape === 'cases' ? 'Cases' : 'Media'}`;

const UK_TAG = /^uk:\s*(.+)$/i;
/** Members written from fields; anything else a record had goes to `extra`. */
const MAPPED = new Set([
  'mediaid',
  'category',
  'md5',
  'sha1',
  'sha256',
  'pdq',
  'pdqquality',
  'photodna',
  'mediasize',
  'name',
  'series',
  'victimidentified',
  'offenderidentified',
  'isdistributed',
  'comments',
  'tags',
  'alternativehashes',
  'hashes',
]);
/** AlternativeHashes names read into fields. */
const FIELD_HASHES: Record<string, 'md5' | 'sha1' | 'sha256' | 'pdq'> = {
  md5: 'md5',
  sha1: 'sha1',
  'sha-1': 'sha1',
  sha256: 'sha256',
  'sha-256': 'sha256',
  pdq: 'pdq',
};

type Media = Record<string, unknown>;

/**
 * Member names lower-cased, remembered: a set spells its members the same way in every record, so
 * a million records need a dozen toLowerCase calls, not ten million. Bounded, for hostile files.
 */
const lowerNames = new Map<string, string>();
function lowerName(k: string): string {
  let lower = lowerNames.get(k);
  if (lower === undefined) {
    lower = k.toLowerCase();
    if (lowerNames.size < 4096) lowerNames.set(k, lower);
  }
  return lower;
}

/** A member by its lower-cased name, for the small nested objects (MediaFiles, AlternativeHashes). */
function member(m: Media, lower: string): unknown {
  for (const k in m) if (k.length === lower.length && lowerName(k) === lower) return m[k];
  return undefined;
}

/** OData annotations of either dialect (`odata.id`, `@odata.id`, `X@odata.navigationLink`) are not data. */
const isODataAnnotation = (key: string): boolean => key.startsWith('odata.') || key.includes('@odata.');

function readAlternativeHashes(list: unknown, b: EntryBuilder): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) return b.drop('AlternativeHashes', 'AlternativeHashes must be a list');
  const kept: AlternativeHash[] = [];
  for (const h of list) {
    if (!h || typeof h !== 'object') continue;
    const o = h as Media;
    // The spelling every producer found uses first, then any other.
    const name = o.HashName ?? member(o, 'hashname') ?? member(o, 'name') ?? member(o, 'type');
    const value = o.HashValue ?? member(o, 'hashvalue') ?? member(o, 'value') ?? member(o, 'hash');
    if (typeof name !== 'string' || typeof value !== 'string') {
      b.drop('AlternativeHashes', 'an AlternativeHashes item has no HashName/HashValue text');
      continue;
    }
    const field = FIELD_HASHES[name.trim().toLowerCase()];
    if (field) {
      if (!b.entry[field]) b.hash(field, value, `AlternativeHashes ${name}`);
    } else if (name.trim().toLowerCase() === 'vpdq') {
      try {
        b.entry.vpdq = parseVpdqJson(value);
      } catch (err) {
        b.drop('AlternativeHashes', `vPDQ value is not a vPDQ JSON list (${(err as Error).message})`);
      }
    } else kept.push({ name, value });
  }
  if (kept.length) b.entry.alternativeHashes = kept;
}

/** True when a MediaFiles list says no more than the entry's fields do (so it need not be kept). */
function filesAreFields(files: unknown, e: HashSetEntry): boolean {
  if (!Array.isArray(files) || files.length !== 1 || !files[0] || typeof files[0] !== 'object') return false;
  const f = files[0] as Media;
  for (const k in f) {
    const v = f[k];
    const same =
      k === 'FileName'
        ? v === e.name
        : k === 'FilePath'
          ? v === e.path
          : k === 'MD5'
            ? v === e.md5?.toUpperCase()
            : k === 'SHA1'
              ? v === e.sha1?.toUpperCase()
              : false;
    if (!same) return false;
  }
  return true;
}

function pdqQualityFrom(metadata: unknown): { quality?: number; onlyQuality: boolean } {
  if (!Array.isArray(metadata)) return { onlyQuality: false };
  let quality: number | undefined;
  for (const p of metadata) {
    if (p && typeof p === 'object' && member(p as Media, 'propertyname') === 'PDQQuality') {
      const v = Number(member(p as Media, 'propertyvalue'));
      if (Number.isInteger(v) && v >= 0 && v <= 100) quality = v;
    }
  }
  return { ...(quality !== undefined ? { quality } : {}), onlyQuality: quality !== undefined && metadata.length === 1 };
}

/** Reads Category; true when it is a UK-profile number with no UK grade (kept in `extra` as it was). */
function readCategory(raw: unknown, profile: VicsProfile, b: EntryBuilder): boolean {
  if (profile !== 'uk') {
    b.integer('vicsCategory', raw, 'Category', [0, 99]);
    return false;
  }
  if (raw === undefined || raw === null || raw === '') return false;
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  const grade = typeof n === 'number' ? ukProfileToUk(n) : typeof raw === 'string' ? parseUkCategory(raw) : undefined;
  if (!grade) return true;
  b.entry.ukCategory = grade;
  b.entry.vicsCategory = ukToVics(grade);
  return false;
}

function splitUkTag(b: EntryBuilder): void {
  if (!b.entry.tags) return;
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

export interface VicsReadContext {
  readonly file?: string;
  readonly profile?: VicsProfile;
  readonly caseRef?: Record<string, unknown>;
}

/** One Media record as an entry (plus its problems). */
export function vicsMediaToEntry(value: unknown, index: number, context: VicsReadContext = {}): HashSetRecord[] {
  const file = context.file;
  const b = new EntryBuilder(index, file, () => `${file ?? 'VICS'} entry ${index + 1}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    b.reject('entry', `is ${describeType(value)}, not a Media object`);
    return b.finish();
  }
  // Members by lower-cased name, gathered in one pass (files differ in case: MD5, Md5, md5), and
  // everything without a field set aside for `extra`.
  const m: Media = {};
  const extraKeys: string[] = [];
  for (const k in value as Media) {
    const lower = lowerName(k);
    m[lower] = (value as Media)[k];
    if (!MAPPED.has(lower) && !isODataAnnotation(k)) extraKeys.push(k);
  }
  const files = m.mediafiles;
  const first = Array.isArray(files) && files[0] && typeof files[0] === 'object' ? (files[0] as Media) : undefined;
  b.hash('md5', m.md5 ?? (first && member(first, 'md5')), 'MD5');
  b.hash('sha1', m.sha1 ?? (first && member(first, 'sha1')), 'SHA1');
  b.hash('sha256', m.sha256, 'SHA256');
  b.hash('pdq', m.pdq, 'PDQ');
  readAlternativeHashes(m.alternativehashes ?? m.hashes, b);
  b.integer('pdqQuality', m.pdqquality, 'PDQQuality', [0, 100]);
  const meta = pdqQualityFrom(m.mediametadata);
  if (meta.quality !== undefined) b.entry.pdqQuality ??= meta.quality;
  b.string('photoDna', m.photodna, 'PhotoDNA');
  b.string('mediaId', m.mediaid, 'MediaID');
  const uncategorised = readCategory(m.category, context.profile ?? 'default', b);
  b.integer('size', m.mediasize ?? (first && member(first, 'filesize')), 'MediaSize', [0, Number.MAX_SAFE_INTEGER]);
  b.string('name', (first && member(first, 'filename')) ?? m.name, 'Name');
  b.string('path', first && member(first, 'filepath'), 'MediaFiles[0].FilePath');
  b.string('series', m.series, 'Series');
  b.boolean('victimIdentified', m.victimidentified, 'VictimIdentified');
  b.boolean('offenderIdentified', m.offenderidentified, 'OffenderIdentified');
  b.boolean('isDistributed', m.isdistributed, 'IsDistributed');
  b.string('comments', m.comments, 'Comments');
  b.tags(m.tags, 'Tags');
  splitUkTag(b);
  const e = b.entry;
  // Everything without a field goes to `extra`, in the record's order — but not a MediaFiles that
  // only repeats the fields, nor a MediaMetadata that only holds the PDQ quality.
  const extra: Media = {};
  let kept = 0;
  if (uncategorised) extra.Category = m.category; // a number the UK profile does not define: kept as it was
  for (const k of extraKeys) {
    if ((k === 'MediaFiles' && filesAreFields(files, e)) || (k === 'MediaMetadata' && meta.onlyQuality)) continue;
    extra[k] = (value as Media)[k];
    kept++;
  }
  if (kept || uncategorised) e.extra = extra;
  if (context.caseRef) e.caseRef = context.caseRef;
  return b.finish({
    alsoMatchable: e.alternativeHashes !== undefined || e.vpdq !== undefined || e.photoDna !== undefined,
  });
}

const flag = (v: boolean): string => (v ? 'true' : 'false');

/** An entry as a VICS Media record in the given profile. */
export function entryToVicsMedia(e: HashSetEntry, index: number, profile: VicsProfile = 'default'): Media {
  const id = e.mediaId === undefined ? index + 1 : /^\d+$/.test(e.mediaId) ? Number(e.mediaId) : e.mediaId;
  const category =
    profile === 'uk'
      ? e.ukCategory
        ? ukToUkProfile(e.ukCategory)
        : e.vicsCategory === 0
          ? 0
          : undefined
      : (e.vicsCategory ?? (e.ukCategory ? ukToVics(e.ukCategory) : undefined));
  const tags = [...(e.ukCategory && profile !== 'uk' ? [`uk:${e.ukCategory}`] : []), ...(e.tags ?? [])];
  const extra = e.extra ?? {};
  const media: Media = { MediaID: id };
  if (category !== undefined) media.Category = category;
  if (e.md5) media.MD5 = e.md5.toUpperCase();
  if (e.sha1) media.SHA1 = e.sha1.toUpperCase();
  if (e.size !== undefined) media.MediaSize = e.size;
  if (e.series !== undefined) media.Series = e.series;
  if (e.victimIdentified !== undefined) media.VictimIdentified = flag(e.victimIdentified);
  if (e.offenderIdentified !== undefined) media.OffenderIdentified = flag(e.offenderIdentified);
  if (e.isDistributed !== undefined) media.IsDistributed = flag(e.isDistributed);
  if (tags.length) media.Tags = tags.join(';');
  if (e.comments !== undefined) media.Comments = e.comments;
  if (e.photoDna !== undefined) media.PhotoDNA = e.photoDna;
  const alternative: Array<{ HashName: string; HashValue: string }> = [];
  if (e.sha256) alternative.push({ HashName: 'SHA256', HashValue: e.sha256.toUpperCase() });
  if (e.pdq) alternative.push({ HashName: 'PDQ', HashValue: e.pdq });
  if (e.vpdq) alternative.push({ HashName: 'vPDQ', HashValue: formatVpdqJson(e.vpdq) });
  for (const h of e.alternativeHashes ?? []) alternative.push({ HashName: h.name, HashValue: h.value });
  if (alternative.length) media.AlternativeHashes = alternative;
  if (!('MediaFiles' in extra) && (e.name !== undefined || e.path !== undefined)) {
    media.MediaFiles = [
      {
        ...(e.name !== undefined ? { FileName: e.name } : {}),
        ...(e.path !== undefined ? { FilePath: e.path } : {}),
        ...(e.md5 ? { MD5: e.md5.toUpperCase() } : {}),
        ...(e.sha1 ? { SHA1: e.sha1.toUpperCase() } : {}),
      },
    ];
  }
  const metadata = Array.isArray(extra.MediaMetadata) ? [...(extra.MediaMetadata as unknown[])] : [];
  if (
    e.pdqQuality !== undefined &&
    !metadata.some((p) => p && typeof p === 'object' && member(p as Media, 'propertyname') === 'PDQQuality')
  )
    metadata.push({ PropertyName: 'PDQQuality', PropertyValue: String(e.pdqQuality) });
  if (metadata.length) media.MediaMetadata = metadata;
  for (const [k, v] of Object.entries(extra)) if (!(k in media) && k !== 'MediaMetadata') media[k] = v;
  return media;
}

/** The profile a document's context names (`/UK/` → uk). */
export function vicsProfileOf(context: unknown): VicsProfile {
  return typeof context === 'string' && /\/UK\//i.test(context) ? 'uk' : 'default';
}

/** Streams a VICS document's records. */
async function* readVics(
  source: Parameters<HashSetFormat['read']>[0],
  file: string | undefined,
): AsyncGenerator<HashSetRecord> {
  const scanner = new VicsScanner(file ? { file } : {});
  let profile: VicsProfile = 'default';
  let caseRef: Record<string, unknown> | undefined;
  let index = 0;
  let sawEntries = false;
  // The read context changes only with the profile or the case: made then, not per record.
  const contextFor = (ref: Record<string, unknown> | undefined): VicsReadContext => ({
    ...(file ? { file } : {}),
    profile,
    ...(ref ? { caseRef: ref } : {}),
  });
  let plain = contextFor(undefined);
  let inCase = plain;
  function* drain(): Generator<HashSetRecord> {
    for (const ev of scanner.events) {
      if (ev.kind === 'root') {
        if (ev.key === '@odata.context' || ev.key === 'odata.metadata') {
          profile = vicsProfileOf(ev.value);
          plain = contextFor(undefined);
        }
      } else if (ev.kind === 'case') {
        caseRef = { ...ev.fields }; // the members before the Media array; one case at a time
        inCase = contextFor(caseRef);
      } else {
        sawEntries = true;
        const records = mediaOrCase(ev.value, index, ev.caseIndex !== undefined ? inCase : plain);
        for (const r of records) {
          if (r.kind === 'entry' || r.outcome === 'rejected') index++;
          yield r;
        }
      }
    }
    scanner.events.length = 0;
  }
  try {
    for await (const chunk of utf8Bytes(source)) {
      scanner.push(chunk);
      yield* drain();
    }
    scanner.end();
    yield* drain();
  } catch (err) {
    yield* drain();
    if (err instanceof VestigeError)
      return yield { kind: 'issue', index: -1, error: err, outcome: 'rejected', fatal: true };
    throw err;
  }
  if (!sawEntries) {
    yield {
      kind: 'issue',
      index: -1,
      outcome: 'rejected',
      error: new VestigeError(
        'E_HASHSET_INVALID',
        `${file ?? 'VICS JSON'}: no "value" array of Media records was found`,
        { ...(file ? { file } : {}), hint: 'A VICS file is a JSON object with a "value" array.' },
      ),
    };
  }
}

/** A record of a `value` array: a Media record, or a case with its Media (a #Cases file without its context). */
function mediaOrCase(value: unknown, index: number, context: VicsReadContext): HashSetRecord[] {
  // A Media record has no Media member; look for one only in objects that could be a case.
  const media =
    value && typeof value === 'object' && !Array.isArray(value) && !('MD5' in value)
      ? member(value as Media, 'media')
      : undefined;
  if (!Array.isArray(media)) return vicsMediaToEntry(value, index, context);
  const caseRef: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Media)) if (k.toLowerCase() !== 'media') caseRef[k] = v;
  return media.flatMap((m, i) => vicsMediaToEntry(m, index + i, { ...context, caseRef }));
}

function sameCase(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

async function* writeVics(
  entries: Iterable<HashSetEntry> | AsyncIterable<HashSetEntry>,
  meta: HashSetMeta = {},
): AsyncGenerator<string> {
  const profile = meta.profile ?? 'default';
  const iterator =
    (entries as AsyncIterable<HashSetEntry>)[Symbol.asyncIterator]?.() ??
    (entries as Iterable<HashSetEntry>)[Symbol.iterator]();
  let next = await iterator.next();
  const cases = meta.shape === 'cases' || (meta.shape === undefined && !next.done && next.value.caseRef !== undefined);
  yield `{"@odata.context":${JSON.stringify(vicsContext(profile, cases ? 'cases' : 'media'))},"value":[`;
  let i = 0;
  let openCase: Record<string, unknown> | undefined;
  let caseCount = 0;
  while (!next.done) {
    const e = next.value;
    let lead = i === 0 ? '\n' : ',\n';
    if (cases) {
      const ref = e.caseRef ?? meta.caseFields ?? { CaseNumber: meta.name ?? 'Vestige export' };
      if (caseCount === 0 || !sameCase(ref, openCase)) {
        const head = JSON.stringify(ref).slice(0, -1);
        yield `${caseCount ? '\n]},' : ''}\n${head}${head.length > 1 ? ',' : ''}"Media":[`;
        openCase = ref;
        caseCount++;
        lead = '\n';
      }
    }
    yield lead + JSON.stringify(entryToVicsMedia(e, i, profile));
    i++;
    next = await iterator.next();
  }
  if (cases)
    yield caseCount
      ? '\n]}'
      : `\n${JSON.stringify({ ...(meta.caseFields ?? { CaseNumber: meta.name ?? 'Vestige export' }), Media: [] })}`;
  yield '\n]}\n';
}

export const vicsFormat: HashSetFormat = {
  id: 'vics',
  title: 'Project VIC VICS JSON (OData #Media or #Cases; Default, US or UK profile)',
  extensions: ['.json'],
  sniff: (head) =>
    /^\s*[{[]/.test(head) &&
    /"(odata\.metadata|@odata\.context|value)"\s*:/i.test(head) &&
    /projectvic|vics|"MD5"|"MediaID"|"CaseID"/i.test(head),
  read: (source, options = {}) => readVics(source, options.file),
  write: writeVics,
};
