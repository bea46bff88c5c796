import type Database from 'better-sqlite3';
import { BOUND_TABLES, RowSerialiser, boundTable, type BoundTable } from './bound-tables.ts';
import { sha256Hex } from './digests.ts';

/** What a custody event says about one row it wrote or removed (`details.bound`). */
export interface RowBinding {
  readonly table: string;
  readonly key: readonly unknown[];
  /** SHA-256 of the row's canonical JSON after the event; `null` when the event removed the row. */
  readonly sha256: string | null;
  /** Blob addresses the row refers to, when it refers to any. */
  readonly blobs?: readonly string[];
}

const PENDING = 'vestige_pending_rows';

const serialisers = new Map<string, RowSerialiser>(BOUND_TABLES.map((t) => [t.table, new RowSerialiser(t)]));

export function rowSerialiser(table: string): RowSerialiser {
  const s = serialisers.get(table);
  if (!s) throw new Error(`${table} is not a bound table`);
  return s;
}

/** The binding for one row as it is now (or `null` content when it is gone). */
export function bindingFor(
  table: BoundTable,
  key: readonly unknown[],
  values: readonly unknown[] | undefined,
): RowBinding {
  if (!values) return { table: table.table, key, sha256: null };
  const s = rowSerialiser(table.table);
  const blobs = table.blobRefs?.(s.asObject(values)) ?? [];
  return {
    table: table.table,
    key,
    sha256: sha256Hex(s.canonical(values)),
    ...(blobs.length ? { blobs: [...new Set(blobs)] } : {}),
  };
}

/**
 * Notices every row a connection changes in the bound tables (TEMP triggers: they live in this
 * connection only and never in the case file) so the next custody event can carry their bindings.
 * Code that writes bound rows therefore needs nothing but "write, then append the event" inside one
 * transaction; a transaction that changes rows without an event is refused (`assertSettled`).
 */
export class RowBinder {
  private readonly pendingStmt: Database.Statement;
  private readonly clearStmt: Database.Statement;
  private readonly countStmt: Database.Statement;
  private readonly touchStmt: Database.Statement;
  private readonly rowStmts = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${PENDING} (n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, key TEXT NOT NULL)`);
    for (const t of BOUND_TABLES) db.exec(triggerSql(t));
    this.pendingStmt = db.prepare(`SELECT tbl, key FROM ${PENDING} ORDER BY n`).raw();
    this.clearStmt = db.prepare(`DELETE FROM ${PENDING}`);
    this.countStmt = db.prepare(`SELECT count(*) FROM ${PENDING}`).pluck();
    this.touchStmt = db.prepare(`INSERT INTO ${PENDING} (tbl, key) VALUES (?, ?)`);
  }

  /** Marks an existing row to be bound by the next event, unchanged (used by the schema migration). */
  touch(table: string, key: readonly unknown[]): void {
    this.touchStmt.run(table, JSON.stringify(key));
  }

  /** Bindings for every row changed (or touched) since the last event, in first-change order; clears them. */
  take(): RowBinding[] {
    const pending = this.pendingStmt.all() as Array<[string, string]>;
    if (pending.length === 0) return [];
    this.clearStmt.run();
    const seen = new Set<string>();
    const bindings: RowBinding[] = [];
    for (const [tbl, keyJson] of pending) {
      const id = `${tbl}\u0000${keyJson}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const table = boundTable(tbl)!;
      const key = JSON.parse(keyJson) as unknown[];
      bindings.push(bindingFor(table, key, this.rowStmt(table).get(...key) as unknown[] | undefined));
    }
    return bindings;
  }

  /** Rows changed since the last event. */
  pendingCount(): number {
    return this.countStmt.get() as number;
  }

  private rowStmt(table: BoundTable): Database.Statement {
    let stmt = this.rowStmts.get(table.table);
    if (!stmt) {
      const s = rowSerialiser(table.table);
      stmt = this.db
        .prepare(
          `SELECT ${s.columns.map(quoteId).join(', ')} FROM main.${quoteId(table.table)} WHERE ${table.key.map((k) => `${quoteId(k)} = ?`).join(' AND ')}`,
        )
        .raw();
      this.rowStmts.set(table.table, stmt);
    }
    return stmt;
  }
}

export function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function triggerSql(t: BoundTable): string {
  const keyOf = (row: 'NEW' | 'OLD') => `json_array(${t.key.map((k) => `${row}.${quoteId(k)}`).join(', ')})`;
  const name = (op: string) => quoteId(`vestige_bind_${t.table}_${op}`);
  const insert = (rows: string[]) =>
    `INSERT INTO ${PENDING} (tbl, key) VALUES ${rows.map((r) => `('${t.table}', ${r})`).join(', ')};`;
  const on = `main.${quoteId(t.table)}`;
  return [
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name('insert')} AFTER INSERT ON ${on} BEGIN ${insert([keyOf('NEW')])} END;`,
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name('update')} AFTER UPDATE ON ${on} BEGIN ${insert([keyOf('OLD'), keyOf('NEW')])} END;`,
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name('delete')} AFTER DELETE ON ${on} BEGIN ${insert([keyOf('OLD')])} END;`,
  ].join('\n');
}
