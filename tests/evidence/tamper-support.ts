/** What the tamper suite needs: the CLI, copies of a case, and raw edits as someone with the files would make them. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { cliPath } from '../support.ts';

export const OPERATOR = 'PC 4711 Tamper';

export function vestige(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VESTIGE_OPERATOR: OPERATOR },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function json<T>(r: { code: number | null; stdout: string; stderr: string }, code = 0): T {
  expect(r.code, r.stderr).toBe(code);
  return JSON.parse(r.stdout) as T;
}

export interface Problem {
  kind: string;
  subject: string;
  message: string;
}

/** A copy of a folder (case or bundle) to tamper with; blobs keep their read-only mode. */
export function copyOf(src: string, dest: string): string {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}

/**
 * Runs SQL on case.sqlite as the sqlite3 tool would: a plain connection, the append-only triggers
 * dropped first (they guard honest code only), then restored so the edit leaves no trace of them.
 */
export function sql(caseDir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(join(caseDir, 'case.sqlite'));
  db.pragma('foreign_keys = OFF'); // as the sqlite3 tool has it
  try {
    const triggers = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'custody_events'")
      .pluck()
      .all() as string[];
    db.exec('DROP TRIGGER IF EXISTS custody_no_update; DROP TRIGGER IF EXISTS custody_no_delete;');
    edit(db);
    for (const t of triggers) db.exec(t);
  } finally {
    db.close();
  }
}

/** A blob file as a person would change it: chmod, then write. */
export function rewriteFile(path: string, content: Buffer | string): void {
  fs.chmodSync(path, 0o644);
  fs.writeFileSync(path, content);
}

export function blobPath(caseDir: string, sha256: string): string {
  return join(caseDir, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
}

/** `vestige verify --case --json`: exit 1 and the problems, or exit 0 and none. */
export function verifyProblems(caseDir: string, ...extra: string[]): Problem[] {
  const r = vestige('verify', '--case', caseDir, '--json', ...extra);
  const report = JSON.parse(r.stdout) as { ok: boolean; problems: Problem[] };
  expect(r.code, r.stderr).toBe(report.ok ? 0 : 1);
  return report.problems;
}

export function kinds(problems: Problem[]): string[] {
  return [...new Set(problems.map((p) => p.kind))].sort();
}

/** Regenerates a bundle's SHA256SUMS as a forger would, with coreutils. */
export function regenerateSums(bundle: string): void {
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      if (fs.statSync(p).isDirectory()) walk(p, r);
      else if (r !== 'SHA256SUMS' && r !== 'SIGNATURE.json') files.push(r);
    }
  };
  walk(bundle, '');
  const out = spawnSync('sha256sum', files, { cwd: bundle, encoding: 'utf8' });
  expect(out.status).toBe(0);
  fs.writeFileSync(join(bundle, 'SHA256SUMS'), out.stdout);
}
