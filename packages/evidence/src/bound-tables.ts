/**
 * The tables whose rows a court sees, and how each row is bound to the custody chain.
 *
 * Every row of these tables is *bound*: the custody event that wrote it carries the SHA-256 of the
 * row's canonical JSON (`rowCanonicalJson`), and the event that removed it carries `null`. `verify`
 * replays the chain and compares the state it yields with these tables row by row, both ways. A new
 * kind of record should use `records`, `annotations` or a derivation (already bound); a new table
 * needs one descriptor here, or `verify` reports it as `table-unbound` (docs/DESIGN.md, "Bound rows").
 */
export interface BoundTable {
  /** SQLite table name. */
  readonly table: string;
  /** Singular name used in problem kinds: `item-modified`, `annotation-missing` … */
  readonly entity: string;
  /** Primary-key columns, in key order. */
  readonly key: readonly string[];
  /** Every column of the table, any order (the canonical form sorts them). */
  readonly columns: readonly string[];
  /**
   * Blob addresses a row refers to; each must exist in the blob store. Given the row as
   * column → value. Kept in the binding, so a deleted row's blobs are still checked.
   */
  readonly blobRefs?: (row: Readonly<Record<string, unknown>>) => string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Blob references inside a JSON value: any object holding a hex `sha256` next to an integer `size`
 * (the scene manifest's `BlobRef` and inputs, a stored file's digests). A bare `sha256` is not enough:
 * hash-set entries and matches name hashes of files the case does not hold.
 */
export function jsonBlobRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) jsonBlobRefs(v, out);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.sha256 === 'string' && SHA256.test(o.sha256) && Number.isInteger(o.size)) out.push(o.sha256);
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object') jsonBlobRefs(v, out);
  }
  return out;
}

function parsedJson(text: unknown): unknown {
  try {
    return typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** A provenance record names its inputs and outputs by blob address (scene scans included). */
function provenanceBlobRefs(row: Readonly<Record<string, unknown>>): string[] {
  const record = parsedJson(row.record) as
    | { inputs?: Array<{ sha256?: unknown }>; outputs?: Array<{ sha256?: unknown }> }
    | undefined;
  const refs: string[] = [];
  for (const ref of [...(record?.inputs ?? []), ...(record?.outputs ?? [])]) {
    if (typeof ref?.sha256 === 'string' && SHA256.test(ref.sha256)) refs.push(ref.sha256);
  }
  return refs;
}

export const BOUND_TABLES: readonly BoundTable[] = [
  { table: 'meta', entity: 'case-meta', key: ['key'], columns: ['key', 'value'] },
  {
    table: 'items',
    entity: 'item',
    key: ['id'],
    columns: [
      'id',
      'seq',
      'kind',
      'sha256',
      'md5',
      'sha1',
      'size',
      'name',
      'media_type',
      'metadata',
      'provenance_id',
      'created_at',
    ],
    blobRefs: (row) => (typeof row.sha256 === 'string' ? [row.sha256] : []),
  },
  {
    table: 'ingests',
    entity: 'ingest',
    key: ['id'],
    columns: ['id', 'operator', 'started_at', 'finished_at', 'roots', 'summary'],
  },
  {
    table: 'sources',
    entity: 'source',
    key: ['id'],
    columns: ['id', 'item_id', 'path', 'path_bytes_hex', 'size', 'mtime', 'kind', 'link_target', 'ingest_id'],
  },
  {
    table: 'symlinks',
    entity: 'symlink',
    key: ['id'],
    columns: ['id', 'ingest_id', 'path', 'target', 'resolves_inside'],
  },
  { table: 'rejects', entity: 'reject', key: ['id'], columns: ['id', 'ingest_id', 'path', 'code', 'message'] },
  {
    table: 'provenance',
    entity: 'provenance',
    key: ['id'],
    columns: ['id', 'activity', 'record', 'hash'],
    blobRefs: provenanceBlobRefs,
  },
  {
    table: 'provenance_outputs',
    entity: 'provenance-output',
    key: ['provenance_id', 'item_id'],
    columns: ['provenance_id', 'item_id'],
  },
  {
    table: 'annotations',
    entity: 'annotation',
    key: ['item_id', 'namespace'],
    columns: ['item_id', 'namespace', 'value', 'updated_at'],
  },
  {
    table: 'records',
    entity: 'record',
    key: ['collection', 'id'],
    columns: ['collection', 'id', 'value', 'updated_at'],
    blobRefs: (row) => jsonBlobRefs(parsedJson(row.value)),
  },
];

/** Tables that are not state: the chain itself, and SQLite's own. */
export const UNBOUND_TABLES: ReadonlySet<string> = new Set(['custody_events']);

const BY_NAME = new Map(BOUND_TABLES.map((t) => [t.table, t]));

export function boundTable(name: string): BoundTable | undefined {
  return BY_NAME.get(name);
}

/** The order in which a table's columns appear in its canonical JSON. */
function sortedColumns(t: BoundTable): string[] {
  return [...t.columns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Builds rows' canonical JSON fast: `{"col":value,…}` with the columns in code-point order, exactly
 * what `canonicalJson` gives for the row as an object (tested), without building that object. Values
 * come from SQLite: text, integers, reals, null, and Buffers (shown as hex).
 */
export class RowSerialiser {
  /** Columns in canonical order; select them in this order. */
  readonly columns: readonly string[];
  private readonly prefixes: readonly string[];
  private readonly keyIndexes: readonly number[];

  constructor(readonly table: BoundTable) {
    this.columns = sortedColumns(table);
    this.prefixes = this.columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
    this.keyIndexes = table.key.map((k) => this.columns.indexOf(k));
  }

  /** The row's canonical JSON from its values in `columns` order (values past the last column are ignored). */
  canonical(values: readonly unknown[]): string {
    let out = '';
    for (let i = 0; i < this.prefixes.length; i++) out += this.prefixes[i]! + jsonValue(values[i]);
    return out + '}';
  }

  /** The key of a row as the binding writes it, from the values in `columns` order. */
  keyOf(values: readonly unknown[]): unknown[] {
    return this.keyIndexes.map((i) => values[i]);
  }

  asObject(values: readonly unknown[]): Record<string, unknown> {
    return Object.fromEntries(this.columns.map((c, i) => [c, values[i]]));
  }
}

function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`non-finite number in a bound row: ${v}`);
    return JSON.stringify(v);
  }
  if (typeof v === 'bigint') return JSON.stringify(v.toString());
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('hex'));
  throw new TypeError(`unexpected value in a bound row: ${typeof v}`);
}

/** The string a binding's key is compared by: table name and the key's JSON. */
export function bindingKey(table: string, key: readonly unknown[]): string {
  return `${table}\u0000${JSON.stringify(key)}`;
}
