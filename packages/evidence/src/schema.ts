/**
 * The case database schema. Bump `CASE_SCHEMA_VERSION` and add a migration when this changes.
 * 2: every row of the bound tables is bound to the custody event that wrote it (`bound-tables.ts`);
 * the tables are unchanged from 1, so `migrateCase` only records bindings for the existing rows.
 */
export const CASE_SCHEMA_VERSION = 2;

export const CASE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('original', 'derived')),
  sha256 TEXT NOT NULL,
  md5 TEXT NOT NULL,
  sha1 TEXT NOT NULL,
  size INTEGER NOT NULL,
  name TEXT NOT NULL,
  media_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  provenance_id TEXT,
  created_at TEXT NOT NULL
);
-- One item per distinct content: duplicates found at other paths become extra sources.
CREATE UNIQUE INDEX IF NOT EXISTS items_by_sha256 ON items (sha256);
CREATE INDEX IF NOT EXISTS items_by_md5 ON items (md5);
CREATE INDEX IF NOT EXISTS items_by_sha1 ON items (sha1);

CREATE TABLE IF NOT EXISTS ingests (
  id TEXT PRIMARY KEY,
  operator TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  roots TEXT NOT NULL,
  summary TEXT
);

CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  item_id TEXT NOT NULL REFERENCES items (id),
  path TEXT NOT NULL,
  path_bytes_hex TEXT,
  size INTEGER NOT NULL,
  mtime TEXT NOT NULL,
  kind TEXT NOT NULL,
  link_target TEXT,
  ingest_id TEXT NOT NULL,
  UNIQUE (item_id, path, size, mtime)
);
CREATE INDEX IF NOT EXISTS sources_by_path ON sources (path);

-- Symbolic links are evidence of the seized layout: recorded, never followed out of the tree.
CREATE TABLE IF NOT EXISTS symlinks (
  id INTEGER PRIMARY KEY,
  ingest_id TEXT NOT NULL,
  path TEXT NOT NULL,
  target TEXT NOT NULL,
  resolves_inside INTEGER NOT NULL,
  UNIQUE (path, target)
);

-- Inputs an ingest could not store, with the reason; kept so the record of what was seen is complete.
CREATE TABLE IF NOT EXISTS rejects (
  id INTEGER PRIMARY KEY,
  ingest_id TEXT NOT NULL,
  path TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS provenance (
  id TEXT PRIMARY KEY,
  activity TEXT NOT NULL,
  record TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS provenance_outputs (
  provenance_id TEXT NOT NULL REFERENCES provenance (id),
  item_id TEXT NOT NULL REFERENCES items (id),
  PRIMARY KEY (provenance_id, item_id)
);

CREATE TABLE IF NOT EXISTS annotations (
  item_id TEXT NOT NULL REFERENCES items (id),
  namespace TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (item_id, namespace)
);
CREATE INDEX IF NOT EXISTS annotations_by_namespace ON annotations (namespace);

CREATE TABLE IF NOT EXISTS records (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (collection, id)
);

CREATE TABLE IF NOT EXISTS custody_events (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  operator TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Append-only at the database level too: honest code cannot rewrite history by mistake. (Someone with
-- the file can drop these triggers; the hash chain and the head anchor are what detect that.)
CREATE TRIGGER IF NOT EXISTS custody_no_update BEFORE UPDATE ON custody_events
  BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS custody_no_delete BEFORE DELETE ON custody_events
  BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END;
`;
