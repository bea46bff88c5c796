import * as fs from 'node:fs';
import { join } from 'node:path';
import { BOUND_TABLES } from './bound-tables.ts';
import { canonicalJson } from './canonical-json.ts';
import { CASE_MARKER, CaseStore } from './case-store.ts';
import { verifyEventChain, type CustodyHead } from './custody-log.ts';
import { VestigeError } from './errors.ts';
import { legacyProblems } from './legacy-check.ts';
import { quoteId } from './row-binding.ts';
import { CASE_SCHEMA_VERSION } from './schema.ts';
import type { VerifyProblem } from './verify.ts';

export interface MigrationReport {
  from: number;
  to: number;
  /** Rows bound by the migration's events (0 when the case was already current). */
  rows: number;
  events: number;
  /** Problems found before migrating and accepted by the operator (recorded in the migration event). */
  accepted: VerifyProblem[];
  custodyHead: CustodyHead | undefined;
}

/** Rows bound per `case.rows.adopted` event: about 130 KB of details each. */
const ROWS_PER_EVENT = 1000;

/**
 * Brings a case of format 1 to the current format by recording, never by rewriting: the existing rows
 * are first checked against what their events named then (`legacyProblems`) and the chain against its
 * anchor; then, in one transaction, `case.migration.started`, one `case.rows.adopted` event per 1000
 * rows binding them as they are, and `case.migrated` (which also moves `schema_version`). A case that
 * fails its checks is refused unless the operator accepts the listed problems, which the migration
 * event then records.
 */
export function migrateCase(
  dir: string,
  options: { operator: string; acceptProblems?: boolean; now?: () => Date },
): MigrationReport {
  const store = CaseStore.open(dir, { migrating: true, ...(options.now ? { now: options.now } : {}) });
  const lock = store.lock('migrate');
  try {
    const from = store.schemaVersion;
    if (from >= CASE_SCHEMA_VERSION) {
      writeMarkerFromRecord(store);
      return { from, to: from, rows: 0, events: 0, accepted: [], custodyHead: store.custody.head() };
    }
    const anchor = store.custody.readAnchor();
    const chain = verifyEventChain(store.custody.events(), anchor.status === 'ok' ? anchor.head : undefined).map(
      (p) => ({ kind: `custody-${p.kind}`, subject: `event ${p.seq}`, message: p.message }),
    );
    const problems = [...chain, ...legacyProblems(store)];
    if (problems.length > 0 && !options.acceptProblems) {
      throw new VestigeError(
        'E_CASE_TAMPERED',
        `the case fails ${problems.length} check(s), so its rows were not bound:\n${problems
          .slice(0, 20)
          .map((p) => `  ${p.kind} [${p.subject}]: ${p.message}`)
          .join('\n')}`,
        {
          file: dir,
          hint: 'Restore the case from a backup or an export bundle; or, if the differences are understood, migrate with --accept-problems (they are then recorded in the custody log).',
          details: { problems },
        },
      );
    }
    let rows = 0;
    let events = 0;
    const db = store.database;
    store.transaction(() => {
      const counts = Object.fromEntries(
        BOUND_TABLES.map((t) => [
          t.table,
          db
            .prepare(`SELECT count(*) FROM ${quoteId(t.table)}`)
            .pluck()
            .get() as number,
        ]),
      );
      store.custody.append({
        operator: options.operator,
        action: 'case.migration.started',
        subject: store.info.id,
        details: { from, to: CASE_SCHEMA_VERSION, rows: counts, acceptedProblems: problems },
      });
      events++;
      for (const t of BOUND_TABLES) {
        const keys = db
          .prepare(`SELECT ${t.key.map(quoteId).join(', ')} FROM ${quoteId(t.table)} ORDER BY rowid`)
          .raw()
          .all() as unknown[][];
        for (let i = 0; i < keys.length; i += ROWS_PER_EVENT) {
          const chunk = keys.slice(i, i + ROWS_PER_EVENT);
          for (const key of chunk) store.bindExistingRow(t.table, key);
          store.custody.append({
            operator: options.operator,
            action: 'case.rows.adopted',
            subject: store.info.id,
            details: { table: t.table, first: i + 1, rows: chunk.length },
          });
          events++;
          rows += chunk.length;
        }
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(CASE_SCHEMA_VERSION));
      db.prepare("UPDATE meta SET value = ? WHERE key = 'case'").run(
        canonicalJson({ ...store.info, version: CASE_SCHEMA_VERSION }),
      );
      store.custody.append({
        operator: options.operator,
        action: 'case.migrated',
        subject: store.info.id,
        details: { from, to: CASE_SCHEMA_VERSION, rows },
      });
      events++;
    });
    writeMarkerFromRecord(store);
    return { from, to: CASE_SCHEMA_VERSION, rows, events, accepted: problems, custodyHead: store.custody.head() };
  } finally {
    lock.release();
    store.close();
  }
}

/** case.json follows the bound `case` row (a crash between the commit and this write is repaired by running again). */
function writeMarkerFromRecord(store: CaseStore): void {
  const recorded = store.database.prepare("SELECT value FROM meta WHERE key = 'case'").pluck().get() as
    | string
    | undefined;
  if (!recorded) return;
  const marker = join(store.dir, CASE_MARKER);
  const current = fs.existsSync(marker) ? canonicalJson(JSON.parse(fs.readFileSync(marker, 'utf8'))) : '';
  if (current === recorded) return;
  fs.writeFileSync(`${marker}.tmp`, JSON.stringify(JSON.parse(recorded), null, 2) + '\n');
  fs.renameSync(`${marker}.tmp`, marker);
}
