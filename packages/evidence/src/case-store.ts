import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BlobStore } from './blob-store.ts';
import { canonicalJson } from './canonical-json.ts';
import { CaseLock } from './case-lock.ts';
import { CustodyLog, type NewCustodyEvent } from './custody-log.ts';
import { RowBinder } from './row-binding.ts';
import { sha256Hex } from './digests.ts';
import { VestigeError } from './errors.ts';
import { CASE_SCHEMA_SQL, CASE_SCHEMA_VERSION } from './schema.ts';
import type { Digests, Item, ItemKind, ProvenanceInput, ProvenanceRecord, ProvenanceStep, Source } from './types.ts';
import { softwareVersions } from './versions.ts';

export const CASE_MARKER = 'case.json';
const CASE_FORMAT = 'vestige-case';

export interface CaseInfo {
  readonly format: typeof CASE_FORMAT;
  readonly version: number;
  readonly id: string;
  readonly name: string;
  readonly reference: string;
  readonly createdAt: string;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Opens a case of an earlier format for writing; only `migrateCase` does this. */
  migrating?: boolean;
  /** Clock for event times; tests pass a fixed clock. */
  now?: () => Date;
}

export interface InitOptions extends OpenOptions {
  operator: string;
  name?: string;
  /** The force's case or operation reference, shown on every report and screenshot. */
  reference?: string;
}

export interface DerivationOutput {
  digests: Digests;
  name: string;
  mediaType: string;
  metadata?: Record<string, unknown>;
}

export interface DerivationInput {
  activity: string;
  inputs: ProvenanceInput[];
  steps: ProvenanceStep[];
  outputs: DerivationOutput[];
  /** Versions of the libraries and tools the operation used; merged with Vestige/Node/platform. */
  libraries?: Record<string, string>;
  operator: string;
  startedAt: Date;
  finishedAt: Date;
}

interface ItemRow {
  id: string;
  seq: number;
  kind: ItemKind;
  sha256: string;
  md5: string;
  sha1: string;
  size: number;
  name: string;
  media_type: string;
  metadata: string;
  provenance_id: string | null;
  created_at: string;
}

/**
 * One case on disk: `case.json` (marker), `case.sqlite` (metadata, WAL), `blobs/` (content-addressed,
 * read-only), `custody.head` (anchor of the custody chain) and `tmp/` (writes in progress).
 */
export class CaseStore {
  readonly dir: string;
  readonly info: CaseInfo;
  readonly blobs: BlobStore;
  readonly custody: CustodyLog;
  readonly readOnly: boolean;
  private readonly db!: Database.Database;
  private readonly clock: () => Date;

  private constructor(dir: string, info: CaseInfo, options: OpenOptions) {
    this.dir = dir;
    this.info = info;
    this.readOnly = options.readOnly ?? false;
    this.clock = options.now ?? (() => new Date());
    const dbPath = join(dir, 'case.sqlite');
    try {
      this.db = new Database(dbPath, { readonly: this.readOnly, fileMustExist: true });
      this.db.pragma('busy_timeout = 15000');
      if (!this.readOnly) {
        this.db.pragma('journal_mode = WAL');
        // FULL: a committed custody event survives power loss, not just a killed process.
        this.db.pragma('synchronous = FULL');
        this.db.pragma('foreign_keys = ON');
      }
      this.schemaVersion = Number(
        (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined) ??
          1,
      );
    } catch (err) {
      if (this.db?.open) this.db.close();
      throw asCaseError(err, dbPath);
    }
    this.blobs = new BlobStore(dir, this.readOnly);
    if (!this.readOnly && this.schemaVersion < CASE_SCHEMA_VERSION && !options.migrating) {
      this.db.close();
      throw new VestigeError(
        'E_CASE_MIGRATION_NEEDED',
        `this case was written by an earlier Vestige (case format ${this.schemaVersion}); its rows must be bound to the custody log before it can be changed`,
        {
          file: dir,
          hint: 'Run `vestige case migrate --case DIR --operator NAME` once (it checks the case and records the migration in the custody log).',
        },
      );
    }
    this.binder = this.readOnly ? undefined : new RowBinder(this.db);
    this.custody = new CustodyLog(this.db, dir, this.clock, this.binder);
  }

  /** Case format of the database: 1 = rows not yet bound to the custody chain (see `migrateCase`). */
  readonly schemaVersion!: number;
  private readonly binder: RowBinder | undefined;

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared statements are cached: preparing one costs more than running it. */
  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  static isCase(dir: string): boolean {
    return fs.existsSync(join(dir, CASE_MARKER)) && fs.existsSync(join(dir, 'case.sqlite'));
  }

  static init(dirArg: string, options: InitOptions): CaseStore {
    const dir = resolve(dirArg);
    if (fs.existsSync(join(dir, CASE_MARKER))) {
      throw new VestigeError('E_CASE_EXISTS', `a case already exists at ${dirArg}`, {
        file: dirArg,
        hint: 'Open it with --case, or choose a new folder.',
      });
    }
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new VestigeError('E_CASE_EXISTS', `${dirArg} is not empty; a new case needs an empty or new folder`, {
        file: dirArg,
        hint: 'Choose a new folder for the case.',
      });
    }
    fs.mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    fs.mkdirSync(join(dir, 'tmp'), { recursive: true });
    const now = (options.now ?? (() => new Date()))();
    const info: CaseInfo = {
      format: CASE_FORMAT,
      version: CASE_SCHEMA_VERSION,
      id: randomUUID(),
      name: options.name ?? dir.split('/').pop() ?? 'case',
      reference: options.reference ?? '',
      createdAt: now.toISOString(),
    };
    const db = new Database(join(dir, 'case.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec(CASE_SCHEMA_SQL);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(CASE_SCHEMA_VERSION));
    db.close();
    const store = new CaseStore(dir, info, options);
    // The case's own description is a bound row like any other, written with the first event.
    store.transaction(() => {
      store.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('case', canonicalJson(info));
      store.db.prepare("UPDATE meta SET value = value WHERE key = 'schema_version'").run();
      store.custody.append({
        operator: options.operator,
        action: 'case.created',
        subject: info.id,
        details: { name: info.name, reference: info.reference },
      });
    });
    // The marker is written last: a folder without it is not a case, so a crash mid-init leaves no half case.
    fs.writeFileSync(join(dir, CASE_MARKER), JSON.stringify(info, null, 2) + '\n');
    return store;
  }

  static open(dirArg: string, options: OpenOptions = {}): CaseStore {
    const dir = resolve(dirArg);
    if (!CaseStore.isCase(dir)) {
      throw new VestigeError('E_NOT_A_CASE', `${dirArg} is not a Vestige case (no ${CASE_MARKER} and case.sqlite)`, {
        file: dirArg,
        hint: 'Check the --case path, or create a case with `vestige case init DIR`.',
      });
    }
    let info: CaseInfo;
    try {
      info = JSON.parse(fs.readFileSync(join(dir, CASE_MARKER), 'utf8')) as CaseInfo;
    } catch (err) {
      throw new VestigeError('E_NOT_A_CASE', `${dirArg}/${CASE_MARKER} is not readable JSON`, {
        file: join(dirArg, CASE_MARKER),
        cause: err,
      });
    }
    if (info.format !== CASE_FORMAT) {
      throw new VestigeError('E_NOT_A_CASE', `${dirArg}/${CASE_MARKER} does not describe a Vestige case`, {
        file: join(dirArg, CASE_MARKER),
      });
    }
    if (info.version > CASE_SCHEMA_VERSION) {
      throw new VestigeError(
        'E_NOT_A_CASE',
        `case format ${info.version} is newer than this Vestige understands (${CASE_SCHEMA_VERSION})`,
        { file: dirArg, hint: 'Upgrade Vestige.' },
      );
    }
    return new CaseStore(dir, info, options);
  }

  close(): void {
    this.db.close();
  }

  now(): Date {
    return this.clock();
  }

  /** Takes the case's exclusive write lock for a long job (ingest). */
  lock(purpose: string): CaseLock {
    this.assertWritable();
    return CaseLock.acquire(this.dir, purpose);
  }

  /** Runs `fn` in one SQLite transaction; custody events appended inside commit or roll back with it. */
  transaction<T>(fn: () => T): T {
    this.assertWritable();
    const outermost = !this.db.inTransaction;
    const result = this.db.transaction(() => {
      const value = fn();
      // Every changed row must be recorded by an event before the commit (see RowBinder).
      if (outermost && this.binder!.pendingCount() > 0) {
        throw new Error(
          'rows of the case were changed without a custody event recording them; append the event after the writes, inside the same transaction',
        );
      }
      return value;
    })();
    // Only the outermost commit moves the anchor: an anchor must never point at uncommitted events.
    if (!this.db.inTransaction) this.custody.syncHead();
    return result;
  }

  appendEvent(event: NewCustodyEvent) {
    return this.transaction(() => this.custody.append(event));
  }

  // ---- items -------------------------------------------------------------------------------

  item(id: string): Item {
    const row = this.sql('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    if (!row)
      throw new VestigeError('E_ITEM_NOT_FOUND', `no item ${id} in this case`, {
        hint: 'List items with `vestige items --case DIR`.',
      });
    return rowToItem(row);
  }

  findItem(id: string): Item | undefined {
    const row = this.sql('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    return row ? rowToItem(row) : undefined;
  }

  itemsBySha256(sha256: string): Item[] {
    return (this.sql('SELECT * FROM items WHERE sha256 = ? ORDER BY seq').all(sha256) as ItemRow[]).map(rowToItem);
  }

  itemByDigest(algorithm: 'md5' | 'sha1' | 'sha256', hex: string): Item | undefined {
    const row = this.sql(`SELECT * FROM items WHERE ${algorithm} = ? ORDER BY seq LIMIT 1`).get(hex.toLowerCase()) as
      | ItemRow
      | undefined;
    return row ? rowToItem(row) : undefined;
  }

  items(filter: { kind?: ItemKind; mediaTypePrefix?: string } = {}): Item[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    if (filter.mediaTypePrefix) {
      where.push('media_type LIKE ?');
      args.push(`${filter.mediaTypePrefix}%`);
    }
    const sql = `SELECT * FROM items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
    return (this.sql(sql).all(...args) as ItemRow[]).map(rowToItem);
  }

  itemCount(): number {
    return (this.sql('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  }

  sources(itemId: string): Source[] {
    const rows = this.sql('SELECT * FROM sources WHERE item_id = ? ORDER BY id').all(itemId) as Array<{
      id: number;
      path_bytes_hex: string | null;
      item_id: string;
      path: string;
      size: number;
      mtime: string;
      kind: 'file' | 'symlink';
      link_target: string | null;
      ingest_id: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      pathBytesHex: r.path_bytes_hex,
      itemId: r.item_id,
      path: r.path,
      size: r.size,
      mtime: r.mtime,
      kind: r.kind,
      linkTarget: r.link_target,
      ingestId: r.ingest_id,
    }));
  }

  private nextItemId(): { id: string; seq: number } {
    const row = this.sql('SELECT coalesce(max(seq), 0) + 1 AS seq FROM items').get() as { seq: number };
    return { id: `I-${String(row.seq).padStart(6, '0')}`, seq: row.seq };
  }

  /**
   * Inserts an original item for new content, or returns the existing item with the same SHA-256.
   * Must run inside `transaction`.
   */
  upsertOriginal(args: {
    digests: Digests;
    name: string;
    mediaType: string;
    metadata: Record<string, unknown>;
    operator: string;
    ingestId: string;
  }): { item: Item; created: boolean } {
    const existing = this.itemsBySha256(args.digests.sha256)[0];
    if (existing) return { item: existing, created: false };
    const { id, seq } = this.nextItemId();
    const createdAt = this.clock().toISOString();
    this.db
      .prepare(
        'INSERT INTO items (id, seq, kind, sha256, md5, sha1, size, name, media_type, metadata, provenance_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)',
      )
      .run(
        id,
        seq,
        'original',
        args.digests.sha256,
        args.digests.md5,
        args.digests.sha1,
        args.digests.size,
        args.name,
        args.mediaType,
        canonicalJson(args.metadata),
        createdAt,
      );
    const item = this.item(id);
    this.custody.append({
      operator: args.operator,
      action: 'item.added',
      subject: id,
      details: {
        ingest: args.ingestId,
        sha256: item.sha256,
        md5: item.md5,
        sha1: item.sha1,
        size: item.size,
        name: item.name,
        mediaType: item.mediaType,
      },
    });
    return { item, created: true };
  }

  /**
   * Records where a blob was found. Returns false when that exact source was already recorded. Inside `transaction`.
   */
  addSource(args: {
    itemId: string;
    path: string;
    pathBytesHex?: string | null;
    size: number;
    mtime: string;
    kind: 'file' | 'symlink';
    linkTarget?: string | null;
    ingestId: string;
    operator: string;
  }): boolean {
    const info = this.db
      .prepare(
        'INSERT OR IGNORE INTO sources (item_id, path, path_bytes_hex, size, mtime, kind, link_target, ingest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        args.itemId,
        args.path,
        args.pathBytesHex ?? null,
        args.size,
        args.mtime,
        args.kind,
        args.linkTarget ?? null,
        args.ingestId,
      );
    if (info.changes === 0) return false;
    this.custody.append({
      operator: args.operator,
      action: 'source.recorded',
      subject: args.itemId,
      details: { ingest: args.ingestId, path: args.path, size: args.size, mtime: args.mtime },
    });
    return true;
  }

  sourceKnown(path: string, size: number, mtime: string): Item | undefined {
    const row = this.sql('SELECT item_id FROM sources WHERE path = ? AND size = ? AND mtime = ? LIMIT 1').get(
      path,
      size,
      mtime,
    ) as { item_id: string } | undefined;
    return row ? this.item(row.item_id) : undefined;
  }

  // ---- ingest bookkeeping ------------------------------------------------------------------

  beginIngest(args: { operator: string; roots: string[] }): string {
    const id = `ING-${this.clock()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
    this.transaction(() => {
      this.sql('INSERT INTO ingests (id, operator, started_at, roots) VALUES (?, ?, ?, ?)').run(
        id,
        args.operator,
        this.clock().toISOString(),
        JSON.stringify(args.roots),
      );
      this.custody.append({
        operator: args.operator,
        action: 'ingest.started',
        subject: id,
        details: { roots: args.roots },
      });
    });
    return id;
  }

  finishIngest(id: string, operator: string, summary: Record<string, unknown>): void {
    this.transaction(() => {
      this.sql('UPDATE ingests SET finished_at = ?, summary = ? WHERE id = ?').run(
        this.clock().toISOString(),
        canonicalJson(summary),
        id,
      );
      this.custody.append({ operator, action: 'ingest.finished', subject: id, details: summary });
    });
  }

  recordSymlink(args: {
    ingestId: string;
    path: string;
    target: string;
    resolvesInside: boolean;
    operator: string;
  }): void {
    const info = this.sql(
      'INSERT OR IGNORE INTO symlinks (ingest_id, path, target, resolves_inside) VALUES (?, ?, ?, ?)',
    ).run(args.ingestId, args.path, args.target, args.resolvesInside ? 1 : 0);
    if (info.changes > 0) {
      this.custody.append({
        operator: args.operator,
        action: 'symlink.recorded',
        subject: args.ingestId,
        details: { path: args.path, target: args.target, resolvesInside: args.resolvesInside },
      });
    }
  }

  recordReject(args: { ingestId: string; path: string; code: string; message: string; operator: string }): void {
    this.sql('INSERT INTO rejects (ingest_id, path, code, message) VALUES (?, ?, ?, ?)').run(
      args.ingestId,
      args.path,
      args.code,
      args.message,
    );
    this.custody.append({
      operator: args.operator,
      action: 'input.rejected',
      subject: args.ingestId,
      details: { path: args.path, code: args.code, message: args.message },
    });
  }

  symlinks(): Array<{ path: string; target: string; resolvesInside: boolean }> {
    return (
      this.sql('SELECT path, target, resolves_inside FROM symlinks ORDER BY id').all() as Array<{
        path: string;
        target: string;
        resolves_inside: number;
      }>
    ).map((r) => ({
      path: r.path,
      target: r.target,
      resolvesInside: r.resolves_inside === 1,
    }));
  }

  // ---- derivations and provenance ----------------------------------------------------------

  /**
   * Records the outputs of an operation (already in the blob store) with their provenance, in one
   * transaction with one custody event. An output whose bytes already exist as an item is linked, not
   * duplicated: repeating a recipe yields the same item.
   */
  recordDerivation(input: DerivationInput): { provenance: ProvenanceRecord; items: Item[] } {
    for (const out of input.outputs) {
      if (!this.blobs.has(out.digests.sha256)) {
        throw new VestigeError(
          'E_BLOB_MISSING',
          `output ${out.name} (${out.digests.sha256}) was not stored before it was recorded`,
          { hint: 'Store outputs with store.blobs.put* first.' },
        );
      }
    }
    return this.transaction(() => {
      const provenanceId = `P-${String((this.sql('SELECT count(*) AS n FROM provenance').get() as { n: number }).n + 1).padStart(6, '0')}`;
      const items: Item[] = [];
      for (const out of input.outputs) {
        const existing = this.itemsBySha256(out.digests.sha256)[0];
        if (existing) {
          items.push(existing);
          continue;
        }
        const { id, seq } = this.nextItemId();
        this.db
          .prepare(
            'INSERT INTO items (id, seq, kind, sha256, md5, sha1, size, name, media_type, metadata, provenance_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            id,
            seq,
            'derived',
            out.digests.sha256,
            out.digests.md5,
            out.digests.sha1,
            out.digests.size,
            out.name,
            out.mediaType,
            canonicalJson(out.metadata ?? {}),
            provenanceId,
            this.clock().toISOString(),
          );
        items.push(this.item(id));
      }
      const record: ProvenanceRecord = {
        id: provenanceId,
        activity: input.activity,
        inputs: input.inputs,
        steps: input.steps,
        outputs: items.map((item, i) => ({ sha256: item.sha256, itemId: item.id, name: input.outputs[i]!.name })),
        software: softwareVersions(input.libraries),
        operator: input.operator,
        startedAt: input.startedAt.toISOString(),
        finishedAt: input.finishedAt.toISOString(),
      };
      const json = canonicalJson(record);
      const hash = sha256Hex(json);
      this.sql('INSERT INTO provenance (id, activity, record, hash) VALUES (?, ?, ?, ?)').run(
        provenanceId,
        input.activity,
        json,
        hash,
      );
      const link = this.sql('INSERT OR IGNORE INTO provenance_outputs (provenance_id, item_id) VALUES (?, ?)');
      for (const item of items) link.run(provenanceId, item.id);
      this.custody.append({
        operator: input.operator,
        action: 'derivation.recorded',
        subject: provenanceId,
        details: {
          activity: input.activity,
          provenanceSha256: hash,
          inputs: input.inputs.map((i) => i.sha256),
          outputs: record.outputs,
        },
      });
      return { provenance: record, items };
    });
  }

  provenance(id: string): ProvenanceRecord {
    const row = this.sql('SELECT record FROM provenance WHERE id = ?').get(id) as { record: string } | undefined;
    if (!row) throw new VestigeError('E_ITEM_NOT_FOUND', `no provenance record ${id} in this case`);
    return JSON.parse(row.record) as ProvenanceRecord;
  }

  /** Provenance records that produced an item (first derivation first). */
  provenanceOf(itemId: string): ProvenanceRecord[] {
    const rows = this.sql(
      'SELECT p.record FROM provenance_outputs o JOIN provenance p ON p.id = o.provenance_id WHERE o.item_id = ? ORDER BY p.id',
    ).all(itemId) as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as ProvenanceRecord);
  }

  provenanceRecords(): Array<{ record: ProvenanceRecord; hash: string; json: string }> {
    return (
      this.sql('SELECT record, hash FROM provenance ORDER BY id').all() as Array<{ record: string; hash: string }>
    ).map((r) => ({
      record: JSON.parse(r.record) as ProvenanceRecord,
      hash: r.hash,
      json: r.record,
    }));
  }

  // ---- annotations (per item) and records (per case) ---------------------------------------

  setAnnotation(itemId: string, namespace: string, value: unknown, operator: string): void {
    this.item(itemId);
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO annotations (item_id, namespace, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (item_id, namespace) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        )
        .run(itemId, namespace, canonicalJson(value ?? null), this.clock().toISOString());
      this.custody.append({
        operator,
        action: 'annotation.set',
        subject: itemId,
        details: { namespace, value: value ?? null },
      });
    });
  }

  annotations(itemId: string): Record<string, unknown> {
    const rows = this.sql('SELECT namespace, value FROM annotations WHERE item_id = ? ORDER BY namespace').all(
      itemId,
    ) as Array<{ namespace: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.namespace, JSON.parse(r.value) as unknown]));
  }

  annotated(namespace: string): Array<{ item: Item; value: unknown }> {
    const rows = this.sql(
      'SELECT a.value AS annotation, i.* FROM annotations a JOIN items i ON i.id = a.item_id WHERE a.namespace = ? ORDER BY i.seq',
    ).all(namespace) as Array<ItemRow & { annotation: string }>;
    return rows.map((r) => ({ item: rowToItem(r), value: JSON.parse(r.annotation) as unknown }));
  }

  putRecord(collection: string, id: string, value: unknown, operator: string, action = 'record.saved'): void {
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO records (collection, id, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        )
        .run(collection, id, canonicalJson(value ?? null), this.clock().toISOString());
      this.custody.append({
        operator,
        action,
        subject: `${collection}/${id}`,
        details: { collection, id, sha256: sha256Hex(canonicalJson(value ?? null)), value },
      });
    });
  }

  getRecord<T = unknown>(collection: string, id: string): T | undefined {
    const row = this.sql('SELECT value FROM records WHERE collection = ? AND id = ?').get(collection, id) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  listRecords<T = unknown>(collection: string): Array<{ id: string; value: T; updatedAt: string }> {
    const rows = this.sql('SELECT id, value, updated_at FROM records WHERE collection = ? ORDER BY id').all(
      collection,
    ) as Array<{ id: string; value: string; updated_at: string }>;
    return rows.map((r) => ({ id: r.id, value: JSON.parse(r.value) as T, updatedAt: r.updated_at }));
  }

  deleteRecord(collection: string, id: string, operator: string): boolean {
    return this.transaction(() => {
      const info = this.sql('DELETE FROM records WHERE collection = ? AND id = ?').run(collection, id);
      if (info.changes > 0)
        this.custody.append({
          operator,
          action: 'record.deleted',
          subject: `${collection}/${id}`,
          details: { collection, id },
        });
      return info.changes > 0;
    });
  }

  /**
   * Marks an existing row to be bound, unchanged, by the next custody event: only the migration of a
   * format-1 case needs this (every other row is bound by the event that writes it). Inside `transaction`.
   */
  bindExistingRow(table: string, key: readonly unknown[]): void {
    this.assertWritable();
    this.binder!.touch(table, key);
  }

  /** Raw access for the verifier and migrations only. */
  get database(): Database.Database {
    return this.db;
  }

  private assertWritable(): void {
    if (this.readOnly) throw new VestigeError('E_CASE_READ_ONLY', 'the case was opened read-only', { file: this.dir });
  }
}

/** SQLite result codes that mean the file is not (or no longer) a sound database. */
const CORRUPT_CODES = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_VTAB',
]);

/**
 * A damaged case.sqlite becomes E_CASE_CORRUPT naming the file (never a stack trace); anything else
 * passes through unchanged.
 */
export function asCaseError(err: unknown, dbPath: string): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && CORRUPT_CODES.has(code)) {
    return new VestigeError(
      'E_CASE_CORRUPT',
      `${dbPath} is damaged and cannot be read as a database (${(err as Error).message})`,
      {
        file: dbPath,
        hint: 'Restore case.sqlite from a backup. `vestige verify --case` still checks the stored files against the last ingest and export summaries.',
        cause: err,
      },
    );
  }
  return err;
}

function rowToItem(row: ItemRow): Item {
  return {
    id: row.id,
    seq: row.seq,
    kind: row.kind,
    sha256: row.sha256,
    md5: row.md5,
    sha1: row.sha1,
    size: row.size,
    name: row.name,
    mediaType: row.media_type,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    provenanceId: row.provenance_id,
    createdAt: row.created_at,
  };
}
