import type Database from 'better-sqlite3';
import { BOUND_TABLES, UNBOUND_TABLES, boundTable, type BoundTable } from './bound-tables.ts';
import { sha256Hex } from './digests.ts';
import { quoteId, rowSerialiser, type RowBinding } from './row-binding.ts';

/** A difference between the state the custody chain yields and the tables, as `verify` reports it. */
export interface StateProblem {
  kind: string;
  subject: string;
  message: string;
  /** For a modified row: the event that last recorded it. */
  seq?: number;
}

const TABLES_WITH_BLOBS: ReadonlySet<string> = new Set(BOUND_TABLES.filter((t) => t.blobRefs).map((t) => t.table));

/** A row an event removed (its binding's hash is null). */
const REMOVED = '';

/**
 * The state of a case as its custody chain records it, rebuilt by applying each event's row bindings
 * in order (event sourcing: the tables are a cache of this state). Compared with the tables afterwards.
 * Only the hash of each row is kept (a million rows); which event bound a row is looked up when a
 * difference needs explaining (`findSeq`).
 */
export class ChainState {
  /** table → key JSON → SHA-256 of the row's canonical JSON, or REMOVED. */
  private readonly rows = new Map<string, Map<string, string>>(BOUND_TABLES.map((t) => [t.table, new Map()]));
  /** Rows that refer to blobs (row → its label and blob addresses), as their last binding says. */
  private readonly rowBlobs = new Map<string, { label: string; blobs: readonly string[] }>();
  /** table → key JSON → seq of the binding event; kept only when asked (bundles: small excerpts). */
  private readonly seqs: Map<string, number> | undefined;
  readonly problems: StateProblem[] = [];
  bindingEvents = 0;

  /** `findSeq(sha256)`: the event whose binding holds this row hash, for messages; `keepSeqs` records them instead. */
  constructor(private readonly options: { keepSeqs?: boolean; findSeq?: (sha256: string) => number | undefined } = {}) {
    this.seqs = options.keepSeqs ? new Map() : undefined;
  }

  /** Applies one stored event (details as stored text). Malformed bindings are reported, never thrown. */
  apply(seq: number, action: string, detailsText: string): void {
    // Only events with a `bound` member are parsed, and only that member (a million events are replayed).
    const text = topLevelMember(detailsText, 'bound');
    if (text === undefined) return;
    let bound: unknown;
    try {
      bound = JSON.parse(text);
    } catch {
      return; // an unparsable event is already reported by the chain walk as edited
    }
    this.bindingEvents++;
    if (!Array.isArray(bound)) {
      this.problems.push({
        kind: 'custody-binding-invalid',
        subject: `event ${seq}`,
        message: `event ${seq} (${action}) has row bindings that are not a list`,
      });
      return;
    }
    for (const b of bound as RowBinding[]) this.bind(seq, action, b);
  }

  private bind(seq: number, action: string, b: RowBinding): void {
    const table = typeof b?.table === 'string' ? this.rows.get(b.table) : undefined;
    if (
      !table ||
      !Array.isArray(b.key) ||
      !(b.sha256 === null || (typeof b.sha256 === 'string' && b.sha256 !== REMOVED))
    ) {
      this.problems.push({
        kind: 'custody-binding-invalid',
        subject: `event ${seq}`,
        message: `event ${seq} (${action}) binds a row of an unknown table or without key and hash: ${JSON.stringify(b).slice(0, 200)}`,
      });
      return;
    }
    const key = JSON.stringify(b.key);
    table.set(key, b.sha256 ?? REMOVED);
    this.seqs?.set(`${b.table}\u0000${key}`, seq);
    // Most rows (annotations) never name blobs: their bindings skip the reference bookkeeping.
    if (b.blobs === undefined && !TABLES_WITH_BLOBS.has(b.table)) return;
    const owner = `${b.table}\u0000${key}`;
    if (b.sha256 !== null && Array.isArray(b.blobs) && b.blobs.length > 0)
      this.rowBlobs.set(owner, {
        label: `${b.table}/${describeKey(b.table, b.key)}`,
        blobs: b.blobs.filter((x) => typeof x === 'string'),
      });
    else this.rowBlobs.delete(owner);
  }

  /** Blob address → a row that refers to it (the first found), for every row the chain holds. */
  referencedBlobs(): Map<string, string> {
    const out = new Map<string, string>();
    for (const { label, blobs } of this.rowBlobs.values())
      for (const sha of blobs) if (!out.has(sha)) out.set(sha, label);
    return out;
  }

  /** The row's hash as the chain left it (null: removed), and the event that bound it when known. */
  boundRow(table: string, key: readonly unknown[]): { sha256: string | null; seq: number | undefined } | undefined {
    const k = JSON.stringify(key);
    const sha = this.rows.get(table)?.get(k);
    if (sha === undefined) return undefined;
    return { sha256: sha === REMOVED ? null : sha, seq: this.seqOf(table, k, sha) };
  }

  /**
   * Compares one row of a bound table (values in `rowSerialiser(table).columns` order) with the state:
   * a row the chain never recorded is `-unrecorded`, one whose content differs from what its last
   * event recorded is `-modified`. A matching row is taken out of the state, so that after the table's
   * last row `missingRows` finds what the table lacks.
   */
  checkRow(t: BoundTable, values: readonly unknown[]): StateProblem | undefined {
    const s = rowSerialiser(t.table);
    const keyValues = s.keyOf(values);
    const key = JSON.stringify(keyValues);
    const rows = this.rows.get(t.table)!;
    const bound = rows.get(key);
    if (bound === undefined || bound === REMOVED) {
      rows.delete(key);
      const label = describeKey(t.table, keyValues);
      return {
        kind: `${t.entity}-unrecorded`,
        subject: label,
        message:
          bound === REMOVED
            ? `${t.entity} ${label} was removed by a custody event, but it is in the case again`
            : `${t.entity} ${label} is in the case, but no custody event recorded it`,
      };
    }
    rows.delete(key);
    if (sha256Hex(s.canonical(values)) === bound) return undefined;
    const label = describeKey(t.table, keyValues);
    const seq = this.seqOf(t.table, key, bound);
    return {
      kind: `${t.entity}-modified`,
      subject: label,
      message: `${t.entity} ${label} differs from what custody event ${seq ?? '(see log)'} recorded`,
      ...(seq === undefined ? {} : { seq }),
    };
  }

  /** Rows the chain holds that the table no longer has (`-missing`). */
  missingRows(t: BoundTable): StateProblem[] {
    const problems: StateProblem[] = [];
    for (const [key, bound] of this.rows.get(t.table)!) {
      if (bound === REMOVED) continue;
      const label = describeKey(t.table, JSON.parse(key) as unknown[]);
      const seq = this.seqOf(t.table, key, bound);
      problems.push({
        kind: `${t.entity}-missing`,
        subject: label,
        message: `${t.entity} ${label}, recorded by custody event ${seq ?? '(see log)'}, is no longer in the case`,
      });
    }
    return problems;
  }

  private explained = 0;

  /** Which event bound a row: kept for small states, looked up for the first differences of a large one. */
  private seqOf(table: string, key: string, sha256: string): number | undefined {
    if (this.seqs) return this.seqs.get(`${table}\u0000${key}`);
    if (sha256 === REMOVED || !this.options.findSeq || this.explained >= MAX_EXPLAINED) return undefined;
    this.explained++;
    return this.options.findSeq(sha256);
  }
}

/** Differences explained with the event that recorded them; each lookup scans the log once. */
const MAX_EXPLAINED = 50;

/**
 * The text of one member of a JSON object's top level, or undefined. Scans the text instead of parsing
 * it: an annotation's value can be large, and only the bindings are needed. A quoted `"name":` can only be
 * a key, so the scan starts at each occurrence and checks it sits at depth 1.
 */
export function topLevelMember(json: string, name: string): string | undefined {
  const needle = `"${name}":`;
  for (let at = json.indexOf(needle); at >= 0; at = json.indexOf(needle, at + 1)) {
    if (depthAt(json, at) !== 1) continue;
    const start = at + needle.length;
    const end = valueEnd(json, start);
    return end > start ? json.slice(start, end) : undefined;
  }
  return undefined;
}

/** Nesting depth at `pos` (outside strings), scanning from the start. */
function depthAt(json: string, pos: number): number {
  let depth = 0;
  for (let i = 0; i < pos; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) i = stringEnd(json, i);
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}

/** Index of the closing quote of the string that opens at `i`. */
function stringEnd(json: string, i: number): number {
  for (let j = i + 1; j < json.length; j++) {
    const c = json.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j;
  }
  return json.length;
}

/** End (exclusive) of the value starting at `start`: a nested object or array, a string, or a scalar. */
function valueEnd(json: string, start: number): number {
  let depth = 0;
  for (let i = start; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(json, i);
      if (depth === 0) return i + 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && c === 0x2c) return i;
  }
  return json.length;
}

/** How a row is named in messages: the item id, `I-000001/hashing.category`, `scenes/S-0001` … */
export function describeKey(table: string, key: readonly unknown[]): string {
  const text = key.map(String).join('/');
  return table === 'sources' || table === 'symlinks' || table === 'rejects' ? `#${text}` : text;
}

/** Tables in the case file that no descriptor binds, with rows in them. */
export function unboundTables(db: Database.Database): Array<{ table: string; rows: number }> {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  const out: Array<{ table: string; rows: number }> = [];
  for (const name of names) {
    if (boundTable(name) || UNBOUND_TABLES.has(name)) continue;
    const rows = db
      .prepare(`SELECT count(*) FROM ${quoteId(name)}`)
      .pluck()
      .get() as number;
    if (rows > 0) out.push({ table: name, rows });
  }
  return out;
}
