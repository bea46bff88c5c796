import * as fs from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from './case-store.ts';
import { canonicalJson } from './canonical-json.ts';
import { custodyEventHash } from './custody-log.ts';
import { makeTempDir, steppingClock } from './test-support.ts';
import { verifyCase } from './verify.ts';

let dir: string;
let caseDir: string;

beforeEach(() => {
  dir = makeTempDir();
  caseDir = join(dir, 'case');
  const store = CaseStore.init(caseDir, { operator: 'PC 1', now: steppingClock() });
  for (let i = 1; i <= 5; i++)
    store.appendEvent({ operator: 'PC 1', action: 'note', subject: `S-${i}`, details: { n: i } });
  store.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Edits the database the way someone with the file and the sqlite3 tool could: triggers dropped first. */
function tamper(sql: (db: Database.Database) => void): void {
  const db = new Database(join(caseDir, 'case.sqlite'));
  db.exec('DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;');
  sql(db);
  db.close();
}

async function problems() {
  const store = CaseStore.open(caseDir, { readOnly: true });
  try {
    return (await verifyCase(store)).problems;
  } finally {
    store.close();
  }
}

describe('custody log', () => {
  it('chains each event to the one before with the SHA-256 of its canonical JSON', () => {
    const store = CaseStore.open(caseDir, { readOnly: true });
    const events = [...store.custody.events()];
    store.close();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[0]!.prev).toBe('0'.repeat(64));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prev).toBe(events[i - 1]!.hash);
    const e = events[3]!;
    expect(e.hash).toBe(custodyEventHash(e));
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });

  it('verifies an untouched log', async () => {
    expect(await problems()).toEqual([]);
  });

  it('refuses updates and deletes through SQL while the triggers stand', () => {
    const db = new Database(join(caseDir, 'case.sqlite'));
    expect(() => db.prepare("UPDATE custody_events SET operator = 'X' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM custody_events WHERE seq = 2').run()).toThrow(/append-only/);
    db.close();
  });

  it('detects an edited event', async () => {
    tamper((db) => db.prepare(`UPDATE custody_events SET details = '{"n":99}' WHERE seq = 3`).run());
    const found = await problems();
    expect(found).toContainEqual(expect.objectContaining({ kind: 'custody-edited', subject: 'event 3' }));
  });

  it('detects an edited event whose hash was recomputed (the next link breaks)', async () => {
    tamper((db) => {
      const row = db.prepare('SELECT * FROM custody_events WHERE seq = 3').get() as Record<string, unknown>;
      const forged = { ...row, operator: 'Someone else', details: JSON.parse(row.details as string) } as never;
      db.prepare('UPDATE custody_events SET operator = ?, hash = ? WHERE seq = 3').run(
        'Someone else',
        custodyEventHash(forged),
      );
    });
    const found = await problems();
    expect(found.some((p) => p.subject === 'event 4' && p.kind.startsWith('custody-'))).toBe(true);
  });

  it('detects a deleted event in the middle', async () => {
    tamper((db) => db.prepare('DELETE FROM custody_events WHERE seq = 4').run());
    const found = await problems();
    expect(found).toContainEqual(expect.objectContaining({ kind: 'custody-deleted', subject: 'event 4' }));
  });

  it('detects events deleted from the end (against the head anchor)', async () => {
    tamper((db) => db.prepare('DELETE FROM custody_events WHERE seq >= 5').run());
    const found = await problems();
    expect(found).toContainEqual(expect.objectContaining({ kind: 'custody-truncated' }));
  });

  it('detects an inserted event', async () => {
    tamper((db) => {
      db.exec('CREATE TABLE c2 AS SELECT * FROM custody_events; DELETE FROM custody_events;');
      const rows = db.prepare('SELECT * FROM c2 ORDER BY seq').all() as Array<Record<string, unknown>>;
      const insert = db.prepare(
        'INSERT INTO custody_events (seq, time, operator, action, subject, details, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      let seq = 0;
      for (const r of rows) {
        seq++;
        if (seq === 3) {
          const fake = {
            seq,
            time: '2026-01-01T00:00:00.000Z',
            operator: 'X',
            action: 'note',
            subject: 'fake',
            details: null,
            prev: rows[1]!.hash as string,
          };
          insert.run(
            seq,
            fake.time,
            fake.operator,
            fake.action,
            fake.subject,
            'null',
            fake.prev,
            custodyEventHash(fake),
          );
          seq++;
        }
        insert.run(seq, r.time, r.operator, r.action, r.subject, r.details, r.prev, r.hash);
      }
    });
    const found = await problems();
    expect(found.some((p) => p.kind === 'custody-inserted' || p.kind === 'custody-edited')).toBe(true);
    expect(found.some((p) => p.subject === 'event 4')).toBe(true);
  });

  it('detects two swapped events', async () => {
    tamper((db) => {
      const a = db.prepare('SELECT * FROM custody_events WHERE seq = 3').get() as Record<string, unknown>;
      const b = db.prepare('SELECT * FROM custody_events WHERE seq = 4').get() as Record<string, unknown>;
      const set = db.prepare(
        'UPDATE custody_events SET time = ?, operator = ?, action = ?, subject = ?, details = ?, prev = ?, hash = ? WHERE seq = ?',
      );
      set.run(b.time, b.operator, b.action, b.subject, b.details, b.prev, b.hash, 3);
      set.run(a.time, a.operator, a.action, a.subject, a.details, a.prev, a.hash, 4);
    });
    const found = await problems();
    expect(found.some((p) => p.subject === 'event 3')).toBe(true);
    expect(found.some((p) => p.subject === 'event 4')).toBe(true);
  });

  it('detects a replaced anchor when the officer gives the head they noted', async () => {
    const store = CaseStore.open(caseDir, { readOnly: true });
    const noted = store.custody.head()!;
    store.close();
    tamper((db) => db.prepare('DELETE FROM custody_events WHERE seq = 6').run());
    const anchorPath = join(caseDir, 'custody.head');
    const fiveHash = (() => {
      const db = new Database(join(caseDir, 'case.sqlite'), { readonly: true });
      const h = (db.prepare('SELECT hash FROM custody_events WHERE seq = 5').get() as { hash: string }).hash;
      db.close();
      return h;
    })();
    fs.writeFileSync(anchorPath, JSON.stringify({ seq: 5, hash: fiveHash }));
    expect(await problems()).toEqual([]);
    const reopened = CaseStore.open(caseDir, { readOnly: true });
    const report = await verifyCase(reopened, { expectHead: noted });
    reopened.close();
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'custody-truncated' }));
  });
});
