import * as fs from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { canonicalJson } from './canonical-json.ts';
import { sha256Hex } from './digests.ts';
import type { RowBinder, RowBinding } from './row-binding.ts';
import type { CustodyEvent } from './types.ts';

export const GENESIS_PREV = '0'.repeat(64);

export interface NewCustodyEvent {
  operator: string;
  action: string;
  subject: string;
  details?: unknown;
}

/** The hash of an event: SHA-256 of the canonical JSON of every field but `hash`, `prev` included. */
export function custodyEventHash(event: Omit<CustodyEvent, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: event.seq,
      time: event.time,
      operator: event.operator,
      action: event.action,
      subject: event.subject,
      details: event.details ?? null,
      prev: event.prev,
    }),
  );
}

export interface CustodyHead {
  seq: number;
  hash: string;
}

export type ChainProblemKind = 'edited' | 'inserted' | 'deleted' | 'reordered' | 'truncated' | 'head-mismatch';

export interface ChainProblem {
  kind: ChainProblemKind;
  seq: number;
  message: string;
}

interface EventRow {
  seq: number;
  time: string;
  operator: string;
  action: string;
  subject: string;
  details: string;
  prev: string;
  hash: string;
}

/**
 * The case's chain of custody: an append-only, hash-chained event list in SQLite, anchored by
 * `custody.head` (the last committed seq and hash) so that removing events from the end is detectable too.
 */
export class CustodyLog {
  private readonly headPath: string;
  private readonly lastStmt: Database.Statement;
  private readonly insertStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    caseDir: string,
    private readonly now: () => Date,
    /** Present on a writable store: the rows changed since the last event, bound into the next one. */
    private readonly binder?: RowBinder,
  ) {
    this.headPath = join(caseDir, 'custody.head');
    this.lastStmt = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.readonly
      ? this.lastStmt
      : db.prepare(
          'INSERT INTO custody_events (seq, time, operator, action, subject, details, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
  }

  /**
   * Appends one event. Call inside the caller's transaction, after the rows the event records were
   * written: their bindings (`details.bound`, see `RowBinding`) are added to the event.
   */
  append(input: NewCustodyEvent): CustodyEvent {
    const last = this.lastStmt.get() as { seq: number; hash: string } | undefined;
    const base = {
      seq: (last?.seq ?? 0) + 1,
      time: this.now().toISOString(),
      operator: input.operator,
      action: input.action,
      subject: input.subject,
      details: withBindings(input, this.binder?.take() ?? []),
      prev: last?.hash ?? GENESIS_PREV,
    };
    const event: CustodyEvent = { ...base, hash: custodyEventHash(base) };
    this.insertStmt.run(
      event.seq,
      event.time,
      event.operator,
      event.action,
      event.subject,
      canonicalJson(event.details),
      event.prev,
      event.hash,
    );
    return event;
  }

  /** Writes the head anchor after a commit. A crash before this leaves the anchor behind, which is safe. */
  syncHead(): CustodyHead | undefined {
    const head = this.head();
    if (!head) return undefined;
    const tmp = `${this.headPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(head) + '\n');
    fs.renameSync(tmp, this.headPath);
    return head;
  }

  head(): CustodyHead | undefined {
    const row = this.lastStmt.get() as CustodyHead | undefined;
    return row ? { seq: row.seq, hash: row.hash } : undefined;
  }

  /** The on-disk anchor: absent, unreadable or malformed is reported, never thrown. */
  readAnchor(): AnchorRead {
    let text: string;
    try {
      text = fs.readFileSync(this.headPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', path: this.headPath };
      return { status: 'invalid', path: this.headPath, reason: (err as Error).message };
    }
    const head = parseHead(text);
    return head
      ? { status: 'ok', path: this.headPath, head }
      : { status: 'invalid', path: this.headPath, reason: 'not {"seq": N, "hash": "64 hex digits"}' };
  }

  *events(filter: { subject?: string; fromSeq?: number } = {}): Generator<CustodyEvent> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.subject !== undefined) {
      where.push('subject = ?');
      args.push(filter.subject);
    }
    if (filter.fromSeq !== undefined) {
      where.push('seq >= ?');
      args.push(filter.fromSeq);
    }
    const sql = `SELECT * FROM custody_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
    for (const row of this.db.prepare(sql).iterate(...args) as Iterable<EventRow>) yield rowToEvent(row);
  }

  /** Every event as stored, without parsing `details`: the verifier's fast path. */
  rawEvents(): IterableIterator<RawEvent> {
    return this.db
      .prepare('SELECT seq, time, operator, action, subject, details, prev, hash FROM custody_events ORDER BY seq')
      .raw()
      .iterate() as IterableIterator<RawEvent>;
  }

  /** The seq of the stored event with this hash (only asked when a link is broken). */
  seqOfHash(hash: string): number | undefined {
    if (!this.hashIndex) {
      this.hashIndex = new Map();
      for (const [seq, h] of this.db.prepare('SELECT seq, hash FROM custody_events').raw().iterate() as Iterable<
        [number, string]
      >)
        this.hashIndex.set(h, seq);
    }
    return this.hashIndex.get(hash);
  }

  private hashIndex: Map<string, number> | undefined;
}

export function rowToEvent(row: EventRow): CustodyEvent {
  return {
    seq: row.seq,
    time: row.time,
    operator: row.operator,
    action: row.action,
    subject: row.subject,
    details: JSON.parse(row.details) as unknown,
    prev: row.prev,
    hash: row.hash,
  };
}

/** `[seq, time, operator, action, subject, details (JSON text), prev, hash]` as stored. */
export type RawEvent = [number, string, string, string, string, string, string, string];

/**
 * The hash of a stored event computed from its columns as they are: the canonical JSON is assembled
 * around the stored `details` text instead of parsing and re-serialising it (the verifier reads a
 * million events). Equal to `custodyEventHash` for every event `append` wrote, whose details are stored
 * canonical; any other text, even an equivalent one, no longer matches, as an edit should not.
 */
export function rawEventHash(e: RawEvent): string {
  return sha256Hex(
    `{"action":${JSON.stringify(e[3])},"details":${e[5]},"operator":${JSON.stringify(e[2])},"prev":${JSON.stringify(e[6])},"seq":${JSON.stringify(e[0])},"subject":${JSON.stringify(e[4])},"time":${JSON.stringify(e[1])}}`,
  );
}

export type AnchorRead =
  | { status: 'ok'; path: string; head: CustodyHead }
  | { status: 'missing'; path: string }
  | { status: 'invalid'; path: string; reason: string };

/** Parses a head as `custody.head` and summaries hold it: `{"seq": N, "hash": "…"}`; undefined when malformed. */
export function parseHead(text: string | unknown): CustodyHead | undefined {
  let value: unknown = text;
  if (typeof text === 'string') {
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  const h = value as Partial<CustodyHead> | null;
  if (
    !h ||
    typeof h !== 'object' ||
    !Number.isSafeInteger(h.seq) ||
    (h.seq as number) < 1 ||
    typeof h.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(h.hash)
  )
    return undefined;
  return { seq: h.seq as number, hash: h.hash };
}

/**
 * Walks a chain one event at a time (the case's whole log, or a bundle's skeleton): reports each event
 * whose content no longer matches its hash (edited), whose link to its predecessor is broken (deleted,
 * inserted or reordered), and, at the end, heads recorded elsewhere that the chain no longer reaches.
 */
export class ChainWalk {
  readonly problems: ChainProblem[] = [];
  private expectedPrev = GENESIS_PREV;
  private expectedSeq = 1;
  private last = 0;
  /** Hashes at the seqs some anchor names, recorded as the walk passes them. */
  private readonly wanted = new Map<number, string | undefined>();

  /** `seqOfHash` finds an earlier event by its hash, to tell a reordering from an insertion. */
  constructor(
    anchors: Iterable<CustodyHead>,
    private readonly seqOfHash: (hash: string) => number | undefined,
  ) {
    for (const a of anchors) this.wanted.set(a.seq, undefined);
  }

  get lastSeq(): number {
    return this.last;
  }

  /** One event, in stored order; `label` names it in messages (`item.added I-000001`) and is only called then. */
  add(seq: number, prev: string, hash: string, intact: boolean, label: () => string): void {
    if (!intact)
      this.problems.push({
        kind: 'edited',
        seq,
        message: `event ${seq} (${label()}) was changed after it was written: its content no longer matches its hash`,
      });
    if (seq !== this.expectedSeq) {
      this.problems.push(
        seq > this.expectedSeq
          ? {
              kind: 'deleted',
              seq: this.expectedSeq,
              message: `event(s) ${this.expectedSeq}…${seq - 1} are missing from the log`,
            }
          : { kind: 'inserted', seq, message: `event ${seq} appears out of sequence` },
      );
    }
    if (prev !== this.expectedPrev) {
      const earlier = this.seqOfHash(prev);
      this.problems.push(
        earlier !== undefined && earlier < seq
          ? {
              kind: 'reordered',
              seq,
              message: `event ${seq} follows event ${earlier} in the chain but is stored after event ${this.last}: events were reordered or removed`,
            }
          : {
              kind: 'inserted',
              seq,
              message: `event ${seq} does not link to the event before it: an event was inserted, removed or rewritten before it`,
            },
      );
    }
    if (this.wanted.has(seq)) this.wanted.set(seq, hash);
    this.expectedPrev = hash;
    this.expectedSeq = seq + 1;
    this.last = seq;
  }

  /**
   * Whether a head recorded elsewhere is still part of this chain: `ok`, `truncated` (the chain ends before it) or
   * `mismatch`.
   */
  reaches(head: CustodyHead): 'ok' | 'truncated' | 'mismatch' {
    if (this.last < head.seq) return 'truncated';
    return this.wanted.get(head.seq) === head.hash ? 'ok' : 'mismatch';
  }

  /** The classic anchor check as problems (`truncated`, `head-mismatch`). */
  checkAnchor(head: CustodyHead): ChainProblem[] {
    switch (this.reaches(head)) {
      case 'ok':
        return [];
      case 'truncated':
        return [
          {
            kind: 'truncated',
            seq: this.last + 1,
            message: `the log ends at event ${this.last}, but event ${head.seq} was recorded: events were removed from the end`,
          },
        ];
      case 'mismatch':
        return [
          {
            kind: 'head-mismatch',
            seq: head.seq,
            message: `event ${head.seq} no longer has the hash recorded when it was written (${head.hash.slice(0, 16)}…)`,
          },
        ];
    }
  }
}

/** Chain verification of parsed events (export bundles and tests). */
export function verifyEventChain(events: Iterable<CustodyEvent>, anchor?: CustodyHead): ChainProblem[] {
  const list = [...events];
  const bySeq = new Map(list.map((e) => [e.hash, e.seq]));
  const walk = new ChainWalk(anchor ? [anchor] : [], (h) => bySeq.get(h));
  for (const e of list)
    walk.add(e.seq, e.prev, e.hash, custodyEventHash(e) === e.hash, () => `${e.action} ${e.subject}`);
  return [...walk.problems, ...(anchor ? walk.checkAnchor(anchor) : [])];
}

/** Adds the bindings of the rows an event records to its details. */
function withBindings(input: NewCustodyEvent, bound: RowBinding[]): unknown {
  const details = input.details ?? null;
  if (bound.length === 0) return details;
  if (details !== null && (typeof details !== 'object' || Array.isArray(details) || 'bound' in details)) {
    throw new Error(
      `custody event ${input.action}: details must be an object without a "bound" member to carry row bindings`,
    );
  }
  return { ...(details as object), bound };
}
