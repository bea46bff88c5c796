import * as fs from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { canonicalJson } from './canonical-json.ts';
import { sha256Hex } from './digests.ts';
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
  ) {
    this.headPath = join(caseDir, 'custody.head');
    this.lastStmt = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.readonly
      ? this.lastStmt
      : db.prepare('INSERT INTO custody_events (seq, time, operator, action, subject, details, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  }

  /** Appends one event. Call inside the caller's transaction when the event records a database change. */
  append(input: NewCustodyEvent): CustodyEvent {
    const last = this.lastStmt.get() as
      | { seq: number; hash: string }
      | undefined;
    const base = {
      seq: (last?.seq ?? 0) + 1,
      time: this.now().toISOString(),
      operator: input.operator,
      action: input.action,
      subject: input.subject,
      details: input.details ?? null,
      prev: last?.hash ?? GENESIS_PREV,
    };
    const event: CustodyEvent = { ...base, hash: custodyEventHash(base) };
    this.insertStmt.run(event.seq, event.time, event.operator, event.action, event.subject, canonicalJson(event.details), event.prev, event.hash);
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

  readAnchor(): CustodyHead | undefined {
    if (!fs.existsSync(this.headPath)) return undefined;
    return JSON.parse(fs.readFileSync(this.headPath, 'utf8')) as CustodyHead;
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

  /**
   * Walks the whole chain. Reports each event whose content no longer matches its hash (edited), whose
   * link to its predecessor is broken (deleted, inserted or reordered), and a chain shorter than its anchor.
   */
  verifyChain(expectedHead?: CustodyHead): ChainProblem[] {
    return verifyEventChain(this.events(), expectedHead ?? this.readAnchor());
  }
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

/** Chain verification shared by the case store and export bundles. */
export function verifyEventChain(events: Iterable<CustodyEvent>, anchor?: CustodyHead): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let expectedPrev = GENESIS_PREV;
  let expectedSeq = 1;
  let lastSeq = 0;
  const seenHashes = new Map<string, number>();
  for (const event of events) {
    const recomputed = custodyEventHash(event);
    if (recomputed !== event.hash) {
      problems.push({ kind: 'edited', seq: event.seq, message: `event ${event.seq} (${event.action} ${event.subject}) was changed after it was written: its content no longer matches its hash` });
    }
    if (event.seq !== expectedSeq) {
      problems.push(
        event.seq > expectedSeq
          ? { kind: 'deleted', seq: expectedSeq, message: `event(s) ${expectedSeq}…${event.seq - 1} are missing from the log` }
          : { kind: 'inserted', seq: event.seq, message: `event ${event.seq} appears out of sequence` },
      );
    }
    if (event.prev !== expectedPrev) {
      const earlier = seenHashes.get(event.prev);
      problems.push(
        earlier !== undefined
          ? { kind: 'reordered', seq: event.seq, message: `event ${event.seq} follows event ${earlier} in the chain but is stored after event ${lastSeq}: events were reordered or removed` }
          : { kind: 'inserted', seq: event.seq, message: `event ${event.seq} does not link to the event before it: an event was inserted, removed or rewritten before it` },
      );
    }
    seenHashes.set(event.hash, event.seq);
    expectedPrev = event.hash;
    expectedSeq = event.seq + 1;
    lastSeq = event.seq;
  }
  if (anchor) {
    if (lastSeq < anchor.seq) {
      problems.push({ kind: 'truncated', seq: lastSeq + 1, message: `the log ends at event ${lastSeq}, but event ${anchor.seq} was recorded: events were removed from the end` });
    } else {
      const atAnchor = seenHashes.get(anchor.hash);
      if (atAnchor !== anchor.seq) {
        problems.push({ kind: 'head-mismatch', seq: anchor.seq, message: `event ${anchor.seq} no longer has the hash recorded when it was written (${anchor.hash.slice(0, 16)}…)` });
      }
    }
  }
  return problems;
}
