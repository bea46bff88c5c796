/**
 * Cases from an earlier Vestige are migrated by recorded events, never rewritten; a damaged case.sqlite
 * is named as such (no stack trace) and verify still checks what it can.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../support.ts';
import { blobPath, copyOf, json, kinds, rewriteFile, sql, verifyProblems, vestige } from './tamper-support.ts';

const FORMAT_1 = join(repoRoot, 'tests', 'fixtures', 'cases', 'format-1');
let root: string;

beforeAll(() => {
  root = makeTempDir('vestige-case-format-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface LoggedEvent {
  seq: number;
  action: string;
  hash: string;
  details: { acceptedProblems?: unknown[] };
}

function events(caseDir: string): LoggedEvent[] {
  return vestige('log', '--case', caseDir, '--json')
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LoggedEvent);
}

describe('a case written by format 1', () => {
  it('verifies what its events named, says it needs migrating, and refuses changes until then', () => {
    const c = copyOf(FORMAT_1, join(root, 'old'));
    expect(kinds(verifyProblems(c))).toEqual(['case-migration-needed']);
    const r = vestige('ingest', FORMAT_1, '--case', c);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_CASE_MIGRATION_NEEDED');
    expect(r.stderr).toContain('vestige case migrate');
  });

  it('is migrated by events appended to its log, leaving every earlier event as it was', () => {
    const c = copyOf(FORMAT_1, join(root, 'migrated'));
    const before = events(c);
    const report = json<{ from: number; to: number; rows: number }>(vestige('case', 'migrate', '--case', c, '--json'));
    expect(report).toMatchObject({ from: 1, to: 2 });
    expect(report.rows).toBeGreaterThan(5);
    const after = events(c);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => e.action)).toEqual([
      'case.migration.started',
      ...Array(after.length - before.length - 2).fill('case.rows.adopted'),
      'case.migrated',
    ]);
    expect(verifyProblems(c)).toEqual([]);
    // From now on every row is bound: an edit made after the migration is found like any other.
    sql(c, (db) => db.prepare('UPDATE annotations SET value = \'{"category":"A","previous":null}\'').run());
    expect(kinds(verifyProblems(c))).toEqual(['annotation-modified']);
    // Running it again changes nothing.
    expect(json<{ rows: number }>(vestige('case', 'migrate', '--case', join(root, 'migrated'), '--json')).rows).toBe(0);
  });

  it('refuses to bind rows that already differ from their events, unless the operator accepts and records that', () => {
    const c = copyOf(FORMAT_1, join(root, 'tampered-old'));
    sql(c, (db) => db.prepare('UPDATE annotations SET value = \'{"category":"A","previous":null}\'').run());
    const refused = vestige('case', 'migrate', '--case', c);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('E_CASE_TAMPERED');
    expect(refused.stderr).toContain('annotation-modified');
    expect(
      json<{ accepted: unknown[] }>(vestige('case', 'migrate', '--case', c, '--accept-problems', '--json')).accepted,
    ).toHaveLength(1);
    expect(events(c).find((e) => e.action === 'case.migration.started')!.details.acceptedProblems).toEqual([
      expect.objectContaining({ kind: 'annotation-modified' }),
    ]);
  });
});

describe('a damaged case.sqlite', () => {
  let good: string;
  beforeAll(() => {
    good = join(root, 'good');
    fs.mkdirSync(join(root, 'exhibit'));
    for (let i = 0; i < 4; i++) fs.writeFileSync(join(root, 'exhibit', `file-${i}.bin`), Buffer.alloc(5000 + i, i + 1));
    expect(vestige('case', 'init', good).code).toBe(0);
    expect(vestige('ingest', join(root, 'exhibit'), '--case', good).code).toBe(0);
  });

  it('is E_CASE_CORRUPT naming the file, with what to do and no stack trace', () => {
    const c = copyOf(good, join(root, 'garbage'));
    rewriteFile(join(c, 'case.sqlite'), Buffer.alloc(64 * 1024, 0x5a));
    for (const args of [
      ['items', '--case', c],
      ['ingest', join(root, 'exhibit'), '--case', c],
    ]) {
      const r = vestige(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('E_CASE_CORRUPT');
      expect(r.stderr).toContain(join(c, 'case.sqlite'));
      expect(r.stderr).toContain('what to do');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('still lets verify check the stored files against the ingest summary', () => {
    const c = copyOf(good, join(root, 'garbage-verify'));
    rewriteFile(join(c, 'case.sqlite'), Buffer.alloc(64 * 1024, 0x5a));
    const sha = (
      JSON.parse(vestige('items', '--case', good, '--json').stdout) as Array<{ id: string; sha256: string }>
    )[1]!;
    rewriteFile(blobPath(c, sha.sha256), 'changed');
    const r = vestige('verify', '--case', c, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { blobsChecked: number; problems: Array<{ kind: string; subject: string }> };
    expect(report.blobsChecked).toBe(4);
    expect(report.problems.map((p) => [p.kind, p.subject])).toEqual([
      ['case-database-corrupt', join(c, 'case.sqlite')],
      ['blob-modified', sha.id],
    ]);
    expect(vestige('verify', '--case', c).stderr).not.toMatch(/\n\s+at /);
  });

  it('damaged part-way through (pages overwritten) is reported, never a crash', () => {
    const c = copyOf(good, join(root, 'pages'));
    const path = join(c, 'case.sqlite');
    const bytes = fs.readFileSync(path);
    bytes.fill(0xa5, 4096, bytes.length); // every page after the first
    rewriteFile(path, bytes);
    const r = vestige('verify', '--case', c, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(
      kinds((JSON.parse(r.stdout) as { problems: Array<{ kind: string; subject: string; message: string }> }).problems),
    ).toContain('case-database-corrupt');
  });
});
