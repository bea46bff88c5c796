import { BOUND_TABLES } from './bound-tables.ts';
import { canonicalJson } from './canonical-json.ts';
import { anchorProblems, collectAnchors, markerProblems, type Anchor } from './verify-anchors.ts';
import { blobProblems, hashBlobs, itemBlobs } from './verify-blobs.ts';
import type { CaseStore } from './case-store.ts';
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
  /**
   * Wall time of the two halves, which overlap: blobs re-hashed on worker threads; chain walked, replayed and compared
   * on the main thread.
   */
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
    const compared =
      store.schemaVersion >= CASE_SCHEMA_VERSION
        ? await compareTables(store, state)
        : { rows: 0, problems: legacyUnbound(store) };
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

/** Walks the chain and replays it, a page of events at a time, yielding so the hashing workers stay fed. */
async function replayChain(
  store: CaseStore,
  anchors: Anchor[],
): Promise<{ walk: ChainWalk; state: ChainState; events: number }> {
  const walk = new ChainWalk(
    anchors.map((a) => a.head),
    (hash) => store.custody.seqOfHash(hash),
  );
  // A row's binding hash is unique to its content: the event holding it is found by searching for it.
  const findSeq = store.database
    .prepare('SELECT seq FROM custody_events WHERE instr(details, ?) > 0 ORDER BY seq DESC LIMIT 1')
    .pluck();
  const state = new ChainState({ findSeq: (sha256) => findSeq.get(`"sha256":"${sha256}"`) as number | undefined });
  const page = store.database
    .prepare(
      'SELECT seq, time, operator, action, subject, details, prev, hash FROM custody_events WHERE seq > ? ORDER BY seq LIMIT ?',
    )
    .raw();
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
async function compareTables(
  store: CaseStore,
  state: ChainState,
): Promise<{ rows: number; problems: VerifyProblem[] }> {
  const db = store.database;
  const problems: VerifyProblem[] = [];
  let rows = 0;
  let sliceStart = performance.now();
  for (const t of BOUND_TABLES) {
    const s = rowSerialiser(t.table);
    // The rowid comes last, after the columns in canonical order, so each row is compared as read.
    const page = db
      .prepare(
        `SELECT ${s.columns.map(quoteId).join(', ')}, rowid FROM ${quoteId(t.table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      )
      .raw();
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
    problems.push({
      kind: 'table-unbound',
      subject: table,
      message: `table ${table} holds ${n} row(s) that no custody event binds: verify cannot vouch for them (docs/DESIGN.md, "Bound rows")`,
    });
  }
  return { rows, problems };
}

/**
 * Says which fields of a modified row differ from the event that recorded it, where the event names
 * them (`item.added` names digests, size, name and media type; `annotation.set` the value …).
 */
function explain(store: CaseStore, problem: StateProblem, table: string, values: unknown[]): VerifyProblem {
  if (problem.seq === undefined) return problem;
  const event = store.database.prepare('SELECT details FROM custody_events WHERE seq = ?').pluck().get(problem.seq) as
    | string
    | undefined;
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
    if (canonicalJson(recorded ?? null) !== canonicalJson(now ?? null))
      differences.push(`${name} is ${shorten(now)}, the log recorded ${shorten(recorded)}`);
  }
  return {
    kind: problem.kind,
    subject: problem.subject,
    message: differences.length ? `${problem.message}: ${differences.join('; ')}` : problem.message,
  };
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
  return out.sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject, undefined, { numeric: true }),
  );
}

function yieldToWorkers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
