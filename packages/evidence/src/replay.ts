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

/** One bound row as the chain left it: the hash of its content and the event that bound it. */
interface BoundRow {
  sha256: string | null;
  seq: number;
  /** Set when the table's row was compared. */
  checked?: boolean;
}

/**
 * The state of a case as its custody chain records it, rebuilt by applying each event's row bindings
 * in order (event sourcing: the tables are a cache of this state). Compared with the tables afterwards.
 */
export class ChainState {
  /** table → key JSON → bound row. */
  private readonly rows = new Map<string, Map<string, BoundRow>>(BOUND_TABLES.map((t) => [t.table, new Map()]));
  /** Rows that refer to blobs (row → its label and blob addresses), as their last binding says. */
  private readonly rowBlobs = new Map<string, { label: string; blobs: readonly string[] }>();
  readonly problems: StateProblem[] = [];
  bindingEvents = 0;

  /** Applies one stored event (details as stored text). Malformed bindings are reported, never thrown. */
  apply(seq: number, action: string, detailsText: string): void {
    // Only events with a `bound` member are parsed: a quoted key can only appear as a key in JSON text.
    if (!detailsText.includes('"bound":')) return;
    let bound: unknown;
    try {
      bound = (JSON.parse(detailsText) as { bound?: unknown }).bound;
    } catch {
      return; // an unparsable event is already reported by the chain walk as edited
    }
    if (bound === undefined) return;
    this.bindingEvents++;
    if (!Array.isArray(bound)) {
      this.problems.push({ kind: 'custody-binding-invalid', subject: `event ${seq}`, message: `event ${seq} (${action}) has row bindings that are not a list` });
      return;
    }
    for (const b of bound as RowBinding[]) this.bind(seq, action, b);
  }

  private bind(seq: number, action: string, b: RowBinding): void {
    const table = typeof b?.table === 'string' ? this.rows.get(b.table) : undefined;
    if (!table || !Array.isArray(b.key) || !(b.sha256 === null || typeof b.sha256 === 'string')) {
      this.problems.push({ kind: 'custody-binding-invalid', subject: `event ${seq}`, message: `event ${seq} (${action}) binds a row of an unknown table or without key and hash: ${JSON.stringify(b).slice(0, 200)}` });
      return;
    }
    const key = JSON.stringify(b.key);
    table.set(key, { sha256: b.sha256, seq });
    const owner = `${b.table}\u0000${key}`;
    if (b.sha256 !== null && Array.isArray(b.blobs) && b.blobs.length > 0) this.rowBlobs.set(owner, { label: `${b.table}/${describeKey(b.table, b.key)}`, blobs: b.blobs.filter((x) => typeof x === 'string') });
    else this.rowBlobs.delete(owner);
  }

  /** Blob address → a row that refers to it (the first found), for every row the chain holds. */
  referencedBlobs(): Map<string, string> {
    const out = new Map<string, string>();
    for (const { label, blobs } of this.rowBlobs.values()) for (const sha of blobs) if (!out.has(sha)) out.set(sha, label);
    return out;
  }

  boundRow(table: string, key: readonly unknown[]): BoundRow | undefined {
    return this.rows.get(table)?.get(JSON.stringify(key));
  }

  /**
   * Compares one row of a bound table (values in `rowSerialiser(table).columns` order) with the state:
   * a row the chain never recorded is `-unrecorded`, one whose content differs from what its last
   * event recorded is `-modified`. Call `missingRows` after the table's last row.
   */
  checkRow(t: BoundTable, values: readonly unknown[]): StateProblem | undefined {
    const s = rowSerialiser(t.table);
    const keyValues = s.keyOf(values);
    const bound = this.rows.get(t.table)!.get(JSON.stringify(keyValues));
    if (bound) bound.checked = true;
    if (bound && bound.sha256 !== null && sha256Hex(s.canonical(values)) === bound.sha256) return undefined;
    const label = describeKey(t.table, keyValues);
    if (!bound || bound.sha256 === null) {
      return {
        kind: `${t.entity}-unrecorded`,
        subject: label,
        message: bound ? `${t.entity} ${label} was removed by custody event ${bound.seq}, but it is in the case again` : `${t.entity} ${label} is in the case, but no custody event recorded it`,
      };
    }
    return { kind: `${t.entity}-modified`, subject: label, message: `${t.entity} ${label} differs from what custody event ${bound.seq} recorded`, seq: bound.seq };
  }

  /** Rows the chain holds that the table no longer has (`-missing`). */
  missingRows(t: BoundTable): StateProblem[] {
    const problems: StateProblem[] = [];
    for (const [key, bound] of this.rows.get(t.table)!) {
      if (bound.sha256 === null || bound.checked) continue;
      const label = describeKey(t.table, JSON.parse(key) as unknown[]);
      problems.push({ kind: `${t.entity}-missing`, subject: label, message: `${t.entity} ${label}, recorded by custody event ${bound.seq}, is no longer in the case` });
    }
    return problems;
  }
}

/** How a row is named in messages: the item id, `I-000001/hashing.category`, `scenes/S-0001` … */
export function describeKey(table: string, key: readonly unknown[]): string {
  const text = key.map(String).join('/');
  return table === 'sources' || table === 'symlinks' || table === 'rejects' ? `#${text}` : text;
}

/** Tables in the case file that no descriptor binds, with rows in them. */
export function unboundTables(db: Database.Database): Array<{ table: string; rows: number }> {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
  const out: Array<{ table: string; rows: number }> = [];
  for (const name of names) {
    if (boundTable(name) || UNBOUND_TABLES.has(name)) continue;
    const rows = db.prepare(`SELECT count(*) FROM ${quoteId(name)}`).pluck().get() as number;
    if (rows > 0) out.push({ table: name, rows });
  }
  return out;
}

