import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { fsyncDir } from './blob-store.ts';
import { parseHead, type CustodyHead } from './custody-log.ts';
import { VestigeError } from './errors.ts';

/**
 * Summary files: each ingest and export leaves one in `summaries/`, outside the database, naming the
 * custody head it reached and the blobs it stored or sent. They are the case's second anchor: a
 * database rolled back to an earlier, valid state no longer reaches the heads they name, and when the
 * database itself is damaged they still say which blobs the case should hold.
 */
export const SUMMARY_DIR = 'summaries';
const SUMMARY_FORMAT = 'vestige-summary';

export interface SummaryItem {
  id: string;
  sha256: string;
  size: number;
}

export interface CaseSummary {
  format: typeof SUMMARY_FORMAT;
  version: 1;
  kind: 'ingest' | 'export';
  /** The ingest id, or the export's id. */
  id: string;
  caseId: string;
  operator: string;
  writtenAt: string;
  /** The custody head right after the ingest or export was recorded. */
  custodyHead: CustodyHead;
  items: SummaryItem[];
  details?: Record<string, unknown>;
}

export type SummaryRead =
  | { path: string; summary: CaseSummary; error?: undefined }
  | { path: string; error: string; summary?: undefined };

/** Writes a summary durably (temp file, fsync, rename, directory fsync) and returns its path. */
export function writeCaseSummary(caseDir: string, summary: Omit<CaseSummary, 'format' | 'version'>): string {
  const dir = join(caseDir, SUMMARY_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const name = `${summary.writtenAt.replace(/[-:.]/g, '')}-${summary.kind}-${summary.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
  const path = join(dir, name);
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, JSON.stringify({ format: SUMMARY_FORMAT, version: 1, ...summary }, null, 1) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  fsyncDir(dir);
  return path;
}

/** Every summary in the case, oldest first; unreadable ones are returned with the reason. */
export function readCaseSummaries(caseDir: string): SummaryRead[] {
  const dir = join(caseDir, SUMMARY_DIR);
  if (!fs.existsSync(dir)) return [];
  const out: SummaryRead[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const path = join(dir, name);
    try {
      const value = JSON.parse(fs.readFileSync(path, 'utf8')) as CaseSummary;
      const head = parseHead(value?.custodyHead);
      if (value?.format !== SUMMARY_FORMAT || !head || !Array.isArray(value.items))
        throw new Error('not a Vestige summary with a custody head and items');
      out.push({ path, summary: { ...value, custodyHead: head } });
    } catch (err) {
      out.push({ path, error: (err as Error).message });
    }
  }
  return out;
}

/**
 * A head the officer noted, for `verify --expect-head`: `SEQ:HASH` as ingest and export print it, or a
 * file that records one (a summary, a bundle's manifest.json, or the bundle folder itself).
 */
export function readHeadNote(note: string): { head: CustodyHead; source: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(note.trim());
  if (m) return { head: { seq: Number(m[1]), hash: m[2]! }, source: 'the head given' };
  const path = resolve(note);
  const file = fs.existsSync(path) && fs.statSync(path).isDirectory() ? join(path, 'manifest.json') : path;
  if (!fs.existsSync(file)) {
    throw new VestigeError(
      'E_USAGE',
      `--expect-head must be SEQ:HASH (as ingest and export print it) or a summary or bundle that records one; ${JSON.stringify(note)} is neither`,
      {
        hint: 'Copy the "custody head" line printed by ingest or export, or name the export bundle.',
      },
    );
  }
  let value: { custodyHead?: unknown; custody?: { head?: unknown } };
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof value;
  } catch (err) {
    throw new VestigeError('E_USAGE', `${note} is not JSON that records a custody head`, { file, cause: err });
  }
  const head = parseHead(value.custodyHead ?? value.custody?.head);
  if (!head)
    throw new VestigeError('E_USAGE', `${note} records no custody head`, {
      file,
      hint: 'Name an ingest or export summary, or an export bundle.',
    });
  return { head, source: file };
}
