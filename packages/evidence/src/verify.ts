import * as fs from 'node:fs';
import { join } from 'node:path';
import { BOUND_TABLES } from './bound-tables.ts';
import { canonicalJson } from './canonical-json.ts';
import type { CaseStore } from './case-store.ts';
import { readCaseSummaries } from './case-summaries.ts';
import { ChainWalk, rawEventHash, type ChainProblem, type CustodyHead, type RawEvent } from './custody-log.ts';
import { FileWorkerPool } from './file-worker-pool.ts';
import { legacyProblems } from './legacy-check.ts';
import { ChainState, unboundTables, type StateProblem } from './replay.ts';
import { quoteId, rowSerialiser } from './row-binding.ts';
import { CASE_SCHEMA_VERSION } from './schema.ts';

/**
 * One thing `verify` found. `kind` is one of (README, "Custody log and verify"):
 * - stored bytes: `blob-modified`, `blob-missing`;
 * - the chain: `custody-edited`, `custody-inserted`, `custody-deleted`, `custody-reordered`,
 *   `custody-truncated`, `custody-head-mismatch`, `custody-binding-invalid`;
 * - its anchors: `custody-anchor-missing`, `custody-anchor-invalid`, `custody-rolled-back`, `summary-invalid`;
 * - rows against the chain, `ENTITY-modified` / `ENTITY-missing` / `ENTITY-unrecorded` for each bound
 *   table's entity (`item`, `source`, `annotation`, `provenance`, `provenance-output`, `record`,
 *   `ingest`, `symlink`, `reject`, `case-meta`), and `table-unbound`, `case-marker-modified`;
 * - the case itself: `case-migration-needed`, `case-database-corrupt`;
 * - cases not yet migrated (format 1) only: `provenance-modified`, `provenance-dangling`.
 */
export interface VerifyProblem {
  kind: string;
  /** The item id, event (`event 12`), row (`I-000001/hashing.category`, `scenes/S-0001`) or file concerned. */
  subject: string;
  message: string;
}

/** A head recorded outside the database and whether the chain still reaches it. */
export interface AnchorCheck {
  source: string;
  head: CustodyHead;
  status: 'ok' | 'truncated' | 'mismatch';
}

export interface VerifyReport {
  ok: boolean;
  caseId: string;
  /** The case's format; 1 = rows not yet bound to the chain (`vestige case migrate`). */
  caseFormat: number;
  itemsChecked: number;
  blobsChecked: number;
  bytesChecked: number;
  eventsChecked: number;
  /** Rows of the bound tables compared with the state the chain records. */
  rowsChecked: number;
  provenanceChecked: number;
  custodyHead: CustodyHead | undefined;
  /** custody.head, the head given with --expect-head, and every ingest and export summary. */
  anchors: AnchorCheck[];
  problems: VerifyProblem[];
  /** Blobs that no row refers to (content left by an interrupted ingest); checked, informational. */
  unreferencedBlobs: number;
  /** Which digests were recomputed: the SHA-256 address only, or MD5, SHA-1 and SHA-256 (`allDigests`). */
  digests: 'sha256' | 'all';
  elapsedMs: number;
  /** Wall time of the two halves, which overlap: blobs re-hashed on worker threads; chain walked, replayed and compared on the main thread. */
  phases: { blobsMs: number; chainMs: number };
}

export interface VerifyOptions {
  /** A custody head the officer recorded earlier (printed by ingest and export); the log must still contain it. */
  expectHead?: CustodyHead;
  /** Where that head came from, for messages (`the head given`, a summary or bundle path). */
  expectHeadSource?: string;
  /**
   * Recompute MD5 and SHA-1 too and compare them with the items. Off by default: a blob whose SHA-256
   * matches its address holds the bytes ingest hashed, and the item's MD5 and SHA-1 are bound to the chain.
   */
  allDigests?: boolean;
  onProgress?: (done: number, total: number) => void;
  workers?: number;
}

/** Events read per page, and how long the main thread works before it lets the hashing workers' results in. */
const PAGE = 4096;
const SLICE_MS = 8;
const MMAP_BYTES = 4 * 2 ** 30;

/**
 * Verifies everything a court sees: every blob against its address; the whole custody chain and its
 * anchors; and every row of every bound table against the state the chain records (replayed event by
 * event). The blob hashing runs on worker threads while the main thread replays.
 */
export async function verifyCase(store: CaseStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const problems: VerifyProblem[] = [];
  const db = store.database;
  const anchors = collectAnchors(store, options, problems);
  const onDisk = [...store.blobs.list()];
  const pool = new FileWorkerPool(options.workers);
  const blobs = hashBlobs(store, pool, onDisk, options);
  // Pages are read through a memory map: about half the CPU of read() calls for a log of a million events.
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  // One read snapshot for the chain and the tables: an ingest committing meanwhile cannot make them disagree.
  const snapshot = !db.inTransaction;
  if (snapshot) db.exec('BEGIN');
  try {
    const chainStarted = performance.now();
    const { walk, state, events } = await replayChain(store, anchors);
    problems.push(...walk.problems.map(chainToProblem), ...state.problems);
    const anchorChecks = anchors.map((a) => ({ source: a.source, head: a.head, status: walk.reaches(a.head) }));
    problems.push(...anchorChecks.flatMap((a, i) => anchorProblems(a, anchors[i]!.role, walk.lastSeq)));
    const compared = store.schemaVersion >= CASE_SCHEMA_VERSION ? await compareTables(store, state) : { rows: 0, problems: legacyUnbound(store) };
    problems.push(...compared.problems, ...markerProblems(store));
    const chainMs = performance.now() - chainStarted;

    const hashed = await blobs;
    const referenced = store.schemaVersion >= CASE_SCHEMA_VERSION ? state.referencedBlobs() : itemBlobs(store);
    problems.push(...blobProblems(store, hashed.results, referenced, options.allDigests ?? false));
    let unreferencedBlobs = 0;
    for (const sha of onDisk) if (!referenced.has(sha)) unreferencedBlobs++;

    const unique = dedupe(problems);
    return {
      ok: unique.length === 0,
      caseId: store.info.id,
      caseFormat: store.schemaVersion,
      itemsChecked: store.itemCount(),
      blobsChecked: new Set([...onDisk, ...referenced.keys()]).size,
      bytesChecked: hashed.bytes,
      eventsChecked: events,
      rowsChecked: compared.rows,
      provenanceChecked: db.prepare('SELECT count(*) FROM provenance').pluck().get() as number,
      custodyHead: store.custody.head(),
      anchors: anchorChecks,
      problems: unique,
      unreferencedBlobs,
      digests: options.allDigests ? 'all' : 'sha256',
      elapsedMs: Math.round(performance.now() - started),
      phases: { blobsMs: Math.round(hashed.ms), chainMs: Math.round(chainMs) },
    };
  } finally {
    if (snapshot && db.inTransaction) db.exec('ROLLBACK');
    await blobs.catch(() => undefined);
    await pool.close();
  }
}

interface Anchor {
  source: string;
  head: CustodyHead;
  /** `end`: custody.head or the head the officer gave, which must be the log's end or before it; `summary`: a summary file. */
  role: 'end' | 'summary';
}

function collectAnchors(store: CaseStore, options: VerifyOptions, problems: VerifyProblem[]): Anchor[] {
  const anchors: Anchor[] = [];
  const hasEvents = store.custody.head() !== undefined;
  const read = store.custody.readAnchor();
  if (read.status === 'ok') anchors.push({ source: 'custody.head', head: read.head, role: 'end' });
  else if (read.status === 'invalid') {
    problems.push({ kind: 'custody-anchor-invalid', subject: 'custody.head', message: `custody.head cannot be read as a head (${read.reason}): the log's end is not anchored` });
  } else if (hasEvents) {
    problems.push({ kind: 'custody-anchor-missing', subject: 'custody.head', message: 'custody.head is missing: the log has events but nothing anchors its end (it is rewritten after every change, so it was removed)' });
  }
  if (options.expectHead) anchors.push({ source: options.expectHeadSource ?? 'the head given', head: options.expectHead, role: 'end' });
  for (const s of readCaseSummaries(store.dir)) {
    if (s.error !== undefined) problems.push({ kind: 'summary-invalid', subject: s.path, message: `summary ${s.path} cannot be read: ${s.error}` });
    else if (s.summary.caseId !== store.info.id) problems.push({ kind: 'summary-invalid', subject: s.path, message: `summary ${s.path} belongs to case ${s.summary.caseId}, not this one` });
    else anchors.push({ source: s.path, head: s.summary.custodyHead, role: 'summary' });
  }
  return anchors;
}

function anchorProblems(a: AnchorCheck, role: Anchor['role'], lastSeq: number): VerifyProblem[] {
  if (a.status === 'ok') return [];
  if (role === 'end') {
    return a.status === 'truncated'
      ? [{ kind: 'custody-truncated', subject: `event ${lastSeq + 1}`, message: `the log ends at event ${lastSeq}, but ${a.source} records event ${a.head.seq}: events were removed from the end` }]
      : [{ kind: 'custody-head-mismatch', subject: `event ${a.head.seq}`, message: `event ${a.head.seq} no longer has the hash ${a.source} recorded (${a.head.hash.slice(0, 16)}…)` }];
  }
  const what = a.status === 'truncated' ? `the log now ends at event ${lastSeq}` : `event ${a.head.seq} now has another hash`;
  return [
    {
      kind: 'custody-rolled-back',
      subject: a.source,
      message: `${a.source} recorded custody head ${a.head.seq} ${a.head.hash.slice(0, 16)}…, but ${what}: the log was rolled back or rewritten after that point`,
    },
  ];
}

/** Walks the chain and replays it, a page of events at a time, yielding so the hashing workers stay fed. */
async function replayChain(store: CaseStore, anchors: Anchor[]): Promise<{ walk: ChainWalk; state: ChainState; events: number }> {
  const walk = new ChainWalk(
    anchors.map((a) => a.head),
    (hash) => store.custody.seqOfHash(hash),
  );
  // A row's binding hash is unique to its content: the event holding it is found by searching for it.
  const findSeq = store.database.prepare('SELECT seq FROM custody_events WHERE instr(details, ?) > 0 ORDER BY seq DESC LIMIT 1').pluck();
  const state = new ChainState({ findSeq: (sha256) => findSeq.get(`"sha256":"${sha256}"`) as number | undefined });
  const page = store.database.prepare('SELECT seq, time, operator, action, subject, details, prev, hash FROM custody_events WHERE seq > ? ORDER BY seq LIMIT ?').raw();
  let after = -Infinity;
  let events = 0;
  let sliceStart = performance.now();
  for (;;) {
    const rows = page.all(after, PAGE) as RawEvent[];
    if (rows.length === 0) break;
    for (const e of rows) {
      walk.add(e[0], e[6], e[7], rawEventHash(e) === e[7], () => `${e[3]} ${e[4]}`);
      state.apply(e[0], e[3], e[5]);
    }
    events += rows.length;
    after = rows[rows.length - 1]![0];
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToWorkers();
      sliceStart = performance.now();
    }
  }
  return { walk, state, events };
}

/** Compares every bound table with the replayed state, page by page (rowid order), both ways. */
async function compareTables(store: CaseStore, state: ChainState): Promise<{ rows: number; problems: VerifyProblem[] }> {
  const db = store.database;
  const problems: VerifyProblem[] = [];
  let rows = 0;
  let sliceStart = performance.now();
  for (const t of BOUND_TABLES) {
    const s = rowSerialiser(t.table);
    // The rowid comes last, after the columns in canonical order, so each row is compared as read.
    const page = db.prepare(`SELECT ${s.columns.map(quoteId).join(', ')}, rowid FROM ${quoteId(t.table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
    const rowid = s.columns.length;
    let after = -Infinity;
    for (;;) {
      const batch = page.all(after, PAGE) as unknown[][];
      if (batch.length === 0) break;
      for (const r of batch) {
        const problem = state.checkRow(t, r);
        if (problem) problems.push(explain(store, problem, t.table, r.slice(0, rowid)));
      }
      rows += batch.length;
      after = batch[batch.length - 1]![rowid] as number;
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToWorkers();
        sliceStart = performance.now();
      }
    }
    problems.push(...state.missingRows(t));
  }
  for (const { table, rows: n } of unboundTables(db)) {
    problems.push({ kind: 'table-unbound', subject: table, message: `table ${table} holds ${n} row(s) that no custody event binds: verify cannot vouch for them (docs/DESIGN.md, "Bound rows")` });
  }
  return { rows, problems };
}

/**
 * Says which fields of a modified row differ from the event that recorded it, where the event names
 * them (`item.added` names digests, size, name and media type; `annotation.set` the value …).
 */
function explain(store: CaseStore, problem: StateProblem, table: string, values: unknown[]): VerifyProblem {
  if (problem.seq === undefined) return problem;
  const event = store.database.prepare('SELECT details FROM custody_events WHERE seq = ?').pluck().get(problem.seq) as string | undefined;
  let details: Record<string, unknown> = {};
  try {
    details = (event ? JSON.parse(event) : {}) as Record<string, unknown>;
  } catch {
    /* reported by the chain walk */
  }
  const row = rowSerialiser(table).asObject(values);
  const differences: string[] = [];
  for (const [column, value] of Object.entries(row)) {
    const name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in details) || name === 'id') continue;
    const recorded = details[name];
    const now = column === 'value' && typeof value === 'string' ? safeParse(value) : value;
    if (canonicalJson(recorded ?? null) !== canonicalJson(now ?? null)) differences.push(`${name} is ${shorten(now)}, the log recorded ${shorten(recorded)}`);
  }
  return { kind: problem.kind, subject: problem.subject, message: differences.length ? `${problem.message}: ${differences.join('; ')}` : problem.message };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** case.json is what reports show; it must say what the bound `case` row says. */
function markerProblems(store: CaseStore): VerifyProblem[] {
  const recorded = store.database.prepare("SELECT value FROM meta WHERE key = 'case'").pluck().get() as string | undefined;
  let marker: unknown;
  try {
    marker = JSON.parse(fs.readFileSync(join(store.dir, 'case.json'), 'utf8'));
  } catch {
    marker = undefined;
  }
  if (recorded !== undefined && canonicalJson(marker ?? null) === recorded) return [];
  return [{ kind: 'case-marker-modified', subject: 'case.json', message: 'case.json (the case name and reference shown on reports) differs from the case record in the database' }];
}

/** A case of format 1: what the events of that format name is still checked; the rest needs the migration. */
function legacyUnbound(store: CaseStore): VerifyProblem[] {
  return [
    {
      kind: 'case-migration-needed',
      subject: store.dir,
      message: `this case was written by an earlier Vestige (format ${store.schemaVersion}): its rows are not bound to the custody log, so only what its events name can be checked. Run \`vestige case migrate\``,
    },
    ...legacyProblems(store),
  ];
}

function itemBlobs(store: CaseStore): Map<string, string> {
  return new Map(store.items().map((i) => [i.sha256, `items/${i.id}`]));
}

interface HashedBlobs {
  results: Map<string, { sha256: string; size: number; md5?: string; sha1?: string } | null>;
  bytes: number;
  ms: number;
}

/** Re-hashes every blob on disk on the worker threads, in batches (one message for many small blobs). */
async function hashBlobs(store: CaseStore, pool: FileWorkerPool, addresses: string[], options: VerifyOptions): Promise<HashedBlobs> {
  const started = performance.now();
  const results: HashedBlobs['results'] = new Map();
  let bytes = 0;
  let done = 0;
  if (options.allDigests) {
    store.blobs.usePool(pool);
    try {
      await Promise.all(
        addresses.map(async (sha) => {
          const d = await store.blobs.rehash(sha);
          results.set(sha, d);
          bytes += d?.size ?? 0;
          options.onProgress?.(++done, addresses.length);
        }),
      );
    } finally {
      store.blobs.usePool(undefined);
    }
    return { results, bytes, ms: performance.now() - started };
  }
  const BATCH = 64;
  const batches: Promise<void>[] = [];
  for (let i = 0; i < addresses.length; i += BATCH) {
    const slice = addresses.slice(i, i + BATCH);
    batches.push(
      pool.hashAddresses(slice.map((sha) => store.blobs.pathOf(sha))).then((hashed) => {
        hashed.forEach((h, k) => {
          results.set(slice[k]!, h.error ? null : h);
          bytes += h.error ? 0 : h.size;
        });
        done += slice.length;
        options.onProgress?.(done, addresses.length);
      }),
    );
  }
  await Promise.all(batches);
  return { results, bytes, ms: performance.now() - started };
}

function blobProblems(store: CaseStore, hashed: HashedBlobs['results'], referenced: Map<string, string>, allDigests: boolean): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const byItem = store.database.prepare('SELECT id, name, md5, sha1, size FROM items WHERE sha256 = ?');
  const label = (sha: string): { subject: string; text: string } => {
    const item = byItem.get(sha) as { id: string; name: string } | undefined;
    if (item) return { subject: item.id, text: `item ${item.id} (${item.name})` };
    const owner = referenced.get(sha);
    return owner ? { subject: sha, text: `blob ${sha} (named by ${owner})` } : { subject: sha, text: `blob ${sha}` };
  };
  for (const [sha, d] of hashed) {
    if (d === null) {
      const l = label(sha);
      problems.push({ kind: 'blob-missing', subject: l.subject, message: `${l.text}: its stored file ${sha} could not be read` });
      continue;
    }
    let changed = d.sha256 !== sha;
    if (!changed && allDigests) {
      const item = byItem.get(sha) as { md5: string; sha1: string; size: number } | undefined;
      changed = item !== undefined && (item.md5 !== d.md5 || item.sha1 !== d.sha1 || item.size !== d.size);
    }
    if (changed) {
      const l = label(sha);
      problems.push({ kind: 'blob-modified', subject: l.subject, message: `${l.text}: stored bytes changed — SHA-256 is now ${d.sha256}, recorded ${sha}` });
    }
  }
  for (const sha of referenced.keys()) {
    if (hashed.has(sha)) continue;
    const l = label(sha);
    problems.push({ kind: 'blob-missing', subject: l.subject, message: `${l.text}: its stored file ${sha} is missing` });
  }
  return problems;
}

function chainToProblem(p: ChainProblem): VerifyProblem {
  return { kind: `custody-${p.kind}`, subject: `event ${p.seq}`, message: p.message };
}

function dedupe(problems: VerifyProblem[]): VerifyProblem[] {
  const seen = new Set<string>();
  const out = problems.filter((p) => {
    const k = `${p.kind}\u0000${p.subject}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject, undefined, { numeric: true }));
}

function yieldToWorkers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

