import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOUND_TABLES, RowSerialiser, jsonBlobRefs } from './bound-tables.ts';
import { canonicalJson } from './canonical-json.ts';
import { CaseStore } from './case-store.ts';
import { topLevelMember } from './replay.ts';
import { makeTempDir, steppingClock } from './test-support.ts';
import { verifyCase } from './verify.ts';

let dir: string;
let store: CaseStore;

beforeEach(() => {
  dir = makeTempDir();
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1', now: steppingClock() });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('bound rows', () => {
  it("a row's canonical form is canonicalJson of the row as an object, built without the object", () => {
    for (const t of BOUND_TABLES) {
      const s = new RowSerialiser(t);
      const values = s.columns.map((c, i) => (i % 3 === 0 ? `v"\u0001\n${c}é` : i % 3 === 1 ? i * 1000 + 0.5 : null));
      expect(s.canonical(values)).toBe(canonicalJson(s.asObject(values)));
    }
  });

  it('every event that writes rows carries their hashes, and a removal carries null', () => {
    store.putRecord('notes', 'N-1', { text: 'first' }, 'PC 1');
    store.deleteRecord('notes', 'N-1', 'PC 1');
    const events = [...store.custody.events()].slice(-2);
    const bound = events.map(
      (e) => (e.details as { bound: Array<{ table: string; key: unknown[]; sha256: string | null }> }).bound,
    );
    expect(bound[0]).toEqual([
      { table: 'records', key: ['notes', 'N-1'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(bound[1]).toEqual([{ table: 'records', key: ['notes', 'N-1'], sha256: null }]);
  });

  it('refuses a transaction that changes rows without a custody event recording them', () => {
    expect(() =>
      store.transaction(() =>
        store.database
          .prepare("INSERT INTO records (collection, id, value, updated_at) VALUES ('x', 'y', '1', 't')")
          .run(),
      ),
    ).toThrow(/without a custody event/);
    expect(store.listRecords('x')).toEqual([]);
  });

  it('binds blobs named by a record, so a deleted record still has its blobs checked', async () => {
    const digests = await store.blobs.putBuffer(Buffer.from('a mesh'));
    store.putRecord('meshes', 'M-1', { name: 'room', file: { sha256: digests.sha256, size: digests.size } }, 'PC 1');
    fs.chmodSync(store.blobs.pathOf(digests.sha256), 0o644);
    fs.rmSync(store.blobs.pathOf(digests.sha256));
    expect((await verifyCase(store)).problems).toEqual([
      expect.objectContaining({
        kind: 'blob-missing',
        subject: digests.sha256,
        message: expect.stringContaining('records/meshes/M-1'),
      }),
    ]);
    expect(jsonBlobRefs({ a: [{ sha256: digests.sha256, size: 6 }], b: { sha256: digests.sha256 } })).toEqual([
      digests.sha256,
    ]);
  });

  it('reads one top-level member of canonical JSON without parsing the rest', () => {
    expect(topLevelMember('{"a":{"bound":[9]},"bound":[{"k":"]\\"}"}],"z":1}', 'bound')).toBe('[{"k":"]\\"}"}]');
    expect(topLevelMember('{"a":{"bound":[9]}}', 'bound')).toBeUndefined();
    expect(topLevelMember('{"bound":"x,y"}', 'bound')).toBe('"x,y"');
  });
});
