import type { CaseStore, Item } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence';
import { hexToBytes } from '../hex.ts';
import { PdqHashArray } from '../match/pdq-hashes.ts';
import { PdqIndex } from '../match/pdq-index.ts';
import { BatchedPdqSearch } from '../match/batched-search.ts';
import { basename } from 'node:path';
import { onlyForeignHashes } from '../sets/entry-builder.ts';
import { detectHashSetFormat, readHashSetFile, setVersionOf } from '../sets/registry.ts';
import type { HashSetEntry, HashSetFormat, HashSetRecord } from '../sets/types.ts';
import { ANNOTATION, RECORDS, type MatchAnnotationEntry, type PdqAnnotation } from './annotations.ts';
import { hashCaseImages, hashCaseVideos, type VpdqAnnotation } from './hash-items.ts';
import { CaseVideoMatcher } from './video-matching.ts';
import { VPDQ_MATCH_PERCENT } from '../video/vpdq-reference.ts';

export interface MatchCaseOptions {
  readonly operator: string;
  readonly setPath: string;
  readonly format?: HashSetFormat;
  /** Set name and version recorded with each match (default: file name; `sha256:` + 16 hex of the file). */
  readonly setName?: string;
  readonly setVersion?: string;
  /** PDQ Hamming radius; 31 is the threshold Meta publishes for PDQ matching. */
  readonly pdqRadius?: number;
  /** Case hashes below this PDQ quality are not matched perceptually (the reference suggests 50). */
  readonly minQuality?: number;
  /**
   * Treat the set as known-good (what a hit means: a known, innocuous file to filter out of review,
   * never a match). Default: the format's role — NSRL is known-good, everything else known-bad.
   */
  readonly knownGood?: boolean;
  /** Also match the frames of video items (vPDQ segments, and set entries' video hashes); default true. */
  readonly videos?: boolean;
  /** A set entry's video hash matches a case video when either vPDQ percentage reaches this (default 75). */
  readonly vpdqMatchPercent?: number;
  /** Called with the running entry count while the set streams. */
  readonly onProgress?: (entriesRead: number) => void;
  /** Wall-clock start/finish for the run record (passed in: matching itself is deterministic). */
  readonly now?: () => Date;
}

export interface ItemMatch {
  readonly itemId: string;
  readonly itemName: string;
  readonly matches: MatchAnnotationEntry[];
}

export interface MatchCaseReport {
  readonly set: { name: string; version: string; format: string; file: string };
  readonly pdqRadius: number;
  readonly entriesRead: number;
  readonly entriesRejected: number;
  readonly fieldsDropped: number;
  /** First problems, for display (all are counted above). */
  readonly issues: Array<{ entry: number; code: string; message: string }>;
  readonly fatal?: { code: string; message: string };
  readonly itemsChecked: number;
  /** Image hashes and video segments with a usable PDQ. */
  readonly itemsWithPdq: number;
  readonly matchedItems: ItemMatch[];
  readonly exactMatches: number;
  readonly pdqMatches: number;
  /** Set entries' video hashes (vPDQ) matched to case videos. */
  readonly vpdqMatches: number;
  /** `known-good`: hits are in knownGoodItems (filtered out of review), never in matchedItems. */
  readonly role: 'known-bad' | 'known-good';
  readonly knownGoodItems: Array<{ itemId: string; itemName: string; kind: 'md5' | 'sha1' | 'sha256' }>;
  /** Entries that carry only hashes Vestige does not compute (PhotoDNA, …): read and kept, but unmatchable here. */
  readonly entriesOnlyForeignHashes: number;
}

const MAX_MATCHES_PER_ITEM_PER_SET = 100;
const MAX_REPORTED_ISSUES = 200;

/**
 * Matches every item of a case against a hash set: exactly by MD5/SHA-1/SHA-256, and perceptually by
 * PDQ within a Hamming radius. The case side is indexed (exact maps plus a multi-index PDQ index) and
 * the set is streamed through it entry by entry, so a national set of millions of entries is never
 * held in memory and results are the same as comparing every pair. Matches are recorded on each
 * item under `hashing.matches`, keyed by set name, with the set's version; the run is a case record.
 */
export async function matchCase(store: CaseStore, options: MatchCaseOptions): Promise<MatchCaseReport> {
  const radius = options.pdqRadius ?? 31;
  if (!Number.isInteger(radius) || radius < 0 || radius > 128)
    throw new VestigeError('E_PARAM_INVALID', `--pdq-radius must be a whole number from 0 to 128, not ${radius}`);
  const minQuality = options.minQuality ?? 50;
  const format = options.format ?? (await detectHashSetFormat(options.setPath));
  const role = (options.knownGood ?? format.role === 'known-good') ? 'known-good' : 'known-bad';
  // The version (unless given) is the file's SHA-256, computed over the same reads as the parsing.
  const identity = { name: options.setName ?? basename(options.setPath), version: options.setVersion ?? '' };
  const startedAt = options.now?.() ?? new Date();

  // Perceptual hashes for any image not hashed yet (or hashed by an older version).
  await hashCaseImages(store, { operator: options.operator });
  if (options.videos !== false) await hashCaseVideos(store, { operator: options.operator });

  const items = store.items();
  const byDigest = digestIndex(items);
  const { pdqItems, pdqIndex } = casePdqIndex(store, options.videos !== false, minQuality);
  const videoMatcher =
    options.videos === false
      ? undefined
      : new CaseVideoMatcher(store, options.operator, {
          ...(options.vpdqMatchPercent !== undefined ? { matchPercent: options.vpdqMatchPercent } : {}),
        });

  const t = new SetMatches();
  const onDigest = (sha256: string) => (identity.version ||= setVersionOf(sha256));
  // The set's PDQs meet the case's index in batches (versions are filled in after the last entry).
  const pdqSearch = new BatchedPdqSearch<MatchAnnotationEntry['entry']>(
    pdqIndex,
    radius,
    (summary, index, distance) => {
      const { item, time } = pdqItems[index]!;
      t.record(item, {
        set: identity.name,
        version: identity.version,
        kind: 'pdq',
        distance,
        ...(time ? { time } : {}),
        entry: summary,
      });
      t.pdqMatches++;
    },
  );
  for await (const rec of readHashSetFile(options.setPath, format, onDigest) as AsyncGenerator<HashSetRecord>) {
    if (rec.kind === 'issue') {
      t.issue(rec);
      continue;
    }
    t.entriesRead++;
    if ((t.entriesRead & 0xffff) === 0) options.onProgress?.(t.entriesRead);
    const e = rec.entry;
    if (onlyForeignHashes(e)) t.entriesOnlyForeignHashes++;
    const summary = entrySummary(e);
    for (const { item, kind } of exactHits(e, byDigest)) {
      if (role === 'known-good') t.knownGood.set(item.id, { item, kind });
      else {
        t.record(item, { set: identity.name, version: identity.version, kind, entry: summary });
        t.exactMatches++;
      }
    }
    if (e.pdq && pdqIndex.size > 0 && role === 'known-bad') pdqSearch.add(e.pdq, summary);
    if (e.vpdq && videoMatcher && role === 'known-bad') {
      for (const m of await videoMatcher.match(e.vpdq)) {
        t.record(m.video, {
          set: identity.name,
          version: identity.version,
          kind: 'vpdq',
          queryMatchPercent: m.queryMatchPercent,
          comparedMatchPercent: m.comparedMatchPercent,
          entry: summary,
        });
        t.vpdqMatches++;
      }
    }
  }
  pdqSearch.flush();
  options.onProgress?.(t.entriesRead);
  t.stampVersion(identity.version);

  const run = {
    set: { ...identity, format: format.id },
    pdqRadius: radius,
    minQuality,
    entriesRead: t.entriesRead,
    entriesRejected: t.entriesRejected,
    fieldsDropped: t.fieldsDropped,
    fatal: t.fatal ?? null,
    role,
    matchedItems: t.found.size,
    knownGoodItems: t.knownGood.size,
    entriesOnlyForeignHashes: t.entriesOnlyForeignHashes,
    exactMatches: t.exactMatches,
    pdqMatches: t.pdqMatches,
    vpdqMatches: t.vpdqMatches,
    vpdqMatchPercent: options.vpdqMatchPercent ?? VPDQ_MATCH_PERCENT,
  };
  recordResults(store, {
    identity,
    radius,
    found: t.found,
    knownGood: t.knownGood,
    run,
    startedAt,
    operator: options.operator,
    ...(options.now ? { now: options.now } : {}),
  });

  return {
    set: { ...identity, format: format.id, file: options.setPath },
    pdqRadius: radius,
    entriesRead: t.entriesRead,
    entriesRejected: t.entriesRejected,
    fieldsDropped: t.fieldsDropped,
    issues: t.issues,
    ...(t.fatal ? { fatal: t.fatal } : {}),
    itemsChecked: items.length,
    itemsWithPdq: pdqItems.length,
    matchedItems: t.matchedItems(),
    exactMatches: t.exactMatches,
    pdqMatches: t.pdqMatches,
    vpdqMatches: t.vpdqMatches,
    role,
    knownGoodItems: t.knownGoodItems(),
    entriesOnlyForeignHashes: t.entriesOnlyForeignHashes,
  };
}

type DigestKind = 'md5' | 'sha1' | 'sha256';

/**
 * What streaming one set through the case finds: the matches per item, known-good hits, counts and the first issues.
 */
class SetMatches {
  readonly found = new Map<string, { item: Item; matches: Mutable<MatchAnnotationEntry>[] }>();
  readonly knownGood = new Map<string, { item: Item; kind: DigestKind }>();
  readonly issues: Array<{ entry: number; code: string; message: string }> = [];
  fatal: { code: string; message: string } | undefined;
  entriesRead = 0;
  entriesRejected = 0;
  fieldsDropped = 0;
  exactMatches = 0;
  pdqMatches = 0;
  vpdqMatches = 0;
  entriesOnlyForeignHashes = 0;

  /** One match of an item; an item keeps its first MAX_MATCHES_PER_ITEM_PER_SET per set. */
  record(item: Item, m: Mutable<MatchAnnotationEntry>): void {
    let slot = this.found.get(item.id);
    if (!slot) this.found.set(item.id, (slot = { item, matches: [] }));
    if (slot.matches.length < MAX_MATCHES_PER_ITEM_PER_SET) slot.matches.push(m);
  }

  /** A problem the reader met: always counted, kept for display while there are few. */
  issue(rec: Extract<HashSetRecord, { kind: 'issue' }>): void {
    if (rec.outcome === 'rejected') this.entriesRejected += rec.index >= 0 ? 1 : 0;
    else this.fieldsDropped++;
    if (rec.fatal) this.fatal = { code: rec.error.code, message: rec.error.message };
    if (this.issues.length < MAX_REPORTED_ISSUES)
      this.issues.push({ entry: rec.index, code: rec.error.code, message: rec.error.message });
  }

  /** The set's version is known only after its last byte (its SHA-256 unless given): every match gets it then. */
  stampVersion(version: string): void {
    for (const { matches } of this.found.values()) for (const m of matches) m.version = version;
  }

  matchedItems(): ItemMatch[] {
    return [...this.found.values()]
      .map(({ item, matches }) => ({ itemId: item.id, itemName: item.name, matches }))
      .sort(byItemId);
  }

  knownGoodItems(): MatchCaseReport['knownGoodItems'] {
    return [...this.knownGood.values()]
      .map(({ item, kind }) => ({ itemId: item.id, itemName: item.name, kind }))
      .sort(byItemId);
  }
}

const byItemId = (a: { itemId: string }, b: { itemId: string }) => a.itemId.localeCompare(b.itemId);

/** The case's items by each of their digests (`md5:…`, `sha1:…`, `sha256:…`). */
function digestIndex(items: Item[]): Map<string, Item[]> {
  const byDigest = new Map<string, Item[]>();
  for (const item of items) {
    for (const key of [`md5:${item.md5}`, `sha1:${item.sha1}`, `sha256:${item.sha256}`]) {
      const list = byDigest.get(key);
      if (list) list.push(item);
      else byDigest.set(key, [item]);
    }
  }
  return byDigest;
}

/** The items a set entry's digests name, each once, with the first digest that named it (SHA-256, SHA-1, MD5). */
function exactHits(e: HashSetEntry, byDigest: ReadonlyMap<string, Item[]>): Array<{ item: Item; kind: DigestKind }> {
  const hits = new Map<string, { item: Item; kind: DigestKind }>();
  for (const kind of ['sha256', 'sha1', 'md5'] as const) {
    const hex = e[kind];
    if (!hex) continue;
    for (const item of byDigest.get(`${kind}:${hex}`) ?? []) if (!hits.has(item.id)) hits.set(item.id, { item, kind });
  }
  return [...hits.values()];
}

/**
 * Writes a run's results in one transaction: this set's matches replaced on every item that had or
 * has any (re-running a newer version of a set must not leave stale matches behind), known-good
 * marks, and the run record.
 */
function recordResults(
  store: CaseStore,
  r: {
    identity: { name: string; version: string };
    radius: number;
    found: ReadonlyMap<string, { item: Item; matches: MatchAnnotationEntry[] }>;
    knownGood: ReadonlyMap<string, { item: Item; kind: 'md5' | 'sha1' | 'sha256' }>;
    run: Record<string, unknown>;
    startedAt: Date;
    operator: string;
    now?: () => Date;
  },
): void {
  const { identity, found, operator } = r;
  const previous = store.annotated(ANNOTATION.matches);
  store.transaction(() => {
    for (const { item, value } of previous) {
      const bySet = { ...(value as Record<string, unknown>) };
      if (identity.name in bySet && !found.has(item.id)) {
        delete bySet[identity.name];
        store.setAnnotation(item.id, ANNOTATION.matches, bySet, operator);
      }
    }
    for (const { item, kind } of r.knownGood.values()) {
      const old = (store.annotations(item.id)[ANNOTATION.knownGood] ?? {}) as Record<string, unknown>;
      store.setAnnotation(
        item.id,
        ANNOTATION.knownGood,
        { ...old, [identity.name]: { version: identity.version, kind } },
        operator,
      );
    }
    for (const { item, matches } of found.values()) {
      const old = (previous.find((p) => p.item.id === item.id)?.value ?? {}) as Record<string, unknown>;
      const sorted = [...matches].sort(
        (a, b) =>
          KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
          (a.distance ?? 0) - (b.distance ?? 0) ||
          (b.queryMatchPercent ?? 0) - (a.queryMatchPercent ?? 0),
      );
      store.setAnnotation(
        item.id,
        ANNOTATION.matches,
        { ...old, [identity.name]: { version: identity.version, pdqRadius: r.radius, matches: sorted } },
        operator,
      );
    }
    const finishedAt = r.now?.() ?? new Date();
    store.putRecord(
      RECORDS.matchRuns,
      `${identity.name}@${identity.version}`,
      { ...r.run, startedAt: r.startedAt.toISOString(), finishedAt: finishedAt.toISOString() },
      operator,
      'hashing.matched',
    );
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Order of an item's matches: exact, then video hash, then PDQ (nearest first). */
const KIND_ORDER: Record<MatchAnnotationEntry['kind'], number> = { md5: 0, sha1: 0, sha256: 0, vpdq: 1, pdq: 2 };

/**
 * The case's perceptual side: one PDQ index over every image hash and every video segment of
 * usable quality, and what each indexed hash belongs to (with its time span for a video).
 */
function casePdqIndex(
  store: CaseStore,
  withVideos: boolean,
  minQuality: number,
): { pdqItems: Array<{ item: Item; time?: readonly [number, number] }>; pdqIndex: PdqIndex } {
  const pdqItems: Array<{ item: Item; time?: readonly [number, number] }> = [];
  const images = store.annotated(ANNOTATION.pdq);
  const videos = withVideos ? store.annotated(ANNOTATION.vpdq) : [];
  const pdqStore = new PdqHashArray(
    images.length + videos.reduce((s, v) => s + (v.value as VpdqAnnotation).segments.length, 0),
  );
  for (const { item, value } of images) {
    const v = value as PdqAnnotation;
    if (v.quality < minQuality) continue;
    pdqItems.push({ item });
    pdqStore.push(hexToBytes(v.hex));
  }
  for (const { item, value } of videos) {
    for (const seg of (value as VpdqAnnotation).segments) {
      if (seg.quality < minQuality) continue;
      pdqItems.push({ item, time: [seg.start, seg.end] });
      pdqStore.push(hexToBytes(seg.hex));
    }
  }
  return { pdqItems, pdqIndex: PdqIndex.build(pdqStore) };
}

function entrySummary(e: HashSetEntry): MatchAnnotationEntry['entry'] {
  const s: Record<string, unknown> = {};
  if (e.mediaId !== undefined) s.mediaId = e.mediaId;
  if (e.name !== undefined) s.name = e.name;
  if (e.vicsCategory !== undefined) s.vicsCategory = e.vicsCategory;
  if (e.ukCategory !== undefined) s.ukCategory = e.ukCategory;
  if (e.series !== undefined) s.series = e.series;
  if (e.victimIdentified !== undefined) s.victimIdentified = e.victimIdentified;
  if (e.tags !== undefined) s.tags = e.tags;
  const caseRef = e.caseRef?.CaseNumber ?? e.caseRef?.CaseID;
  if (caseRef !== undefined) s.case = String(caseRef);
  return s as MatchAnnotationEntry['entry'];
}
