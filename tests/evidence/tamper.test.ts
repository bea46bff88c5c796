/**
 * The hostile tester's list (issue 15, "Why"): each change made to a copy of a real case with raw SQL or
 * file edits, as someone holding the files would, must be reported by `vestige verify` with its own
 * problem kind; the untouched case must still verify.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { addMarker, addMeasurement } from '@vestige/scene';
import { generateImagingSample } from '@vestige/samples/imaging/generate.ts';
import { makeTempDir, repoRoot } from '../support.ts';
import {
  OPERATOR,
  blobPath,
  copyOf,
  json,
  kinds,
  rewriteFile,
  sql,
  verifyProblems,
  vestige,
} from './tamper-support.ts';

let root: string;
let clean: string;
let ids: Record<string, string>;
let provenanceId: string;
let sceneId: string;
let scanSha: string;

beforeAll(async () => {
  root = makeTempDir('vestige-tamper-');
  const sample = await generateImagingSample(join(root, 'sample'));
  const exhibits = join(root, 'exhibits');
  fs.mkdirSync(exhibits);
  fs.copyFileSync(sample.image, join(exhibits, 'cctv-still.jpg'));
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#806040' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'Acme', Model: 'Phone 1' }, IFD2: { DateTimeOriginal: '2026:03:14 21:04:11' } } as never)
    .toBuffer();
  fs.writeFileSync(join(exhibits, 'photo.jpg'), photo);
  fs.writeFileSync(join(exhibits, 'statement.txt'), 'witness statement\n');
  fs.writeFileSync(join(exhibits, 'notes.txt'), 'officer notes\n');

  clean = join(root, 'clean');
  expect(vestige('case', 'init', clean, '--reference', 'OP TAMPER').code).toBe(0);
  const ingest = json<{ files: Array<{ path: string; itemId: string }> }>(
    vestige('ingest', exhibits, '--case', clean, '--json'),
  );
  ids = Object.fromEntries(ingest.files.map((f) => [f.path.split('/').pop()!, f.itemId]));
  expect(vestige('categorise', ids['photo.jpg']!, '--category', 'C', '--case', clean).code).toBe(0);
  provenanceId = json<{ provenanceId: string }>(
    vestige('enhance', ids['cctv-still.jpg']!, '--recipe', sample.recipe, '--case', clean, '--json'),
  ).provenanceId;
  const scene = json<{ id: string; manifest: { inputs: Array<{ sha256: string }> } }>(
    vestige('scene', 'build', join(repoRoot, 'tests/fixtures/3d/las/simple.las'), '--case', clean, '--json'),
  );
  sceneId = scene.id;
  scanSha = scene.manifest.inputs[0]!.sha256;
  const store = CaseStore.open(clean);
  try {
    addMarker(store, sceneId, { label: 'A', position: [637_000, 851_000, 420], itemId: ids['photo.jpg']! }, OPERATOR);
    addMeasurement(
      store,
      sceneId,
      {
        label: 'door to marker',
        kind: 'distance',
        points: [
          [637_000, 851_000, 420],
          [637_010, 851_000, 420],
        ],
      },
      OPERATOR,
    );
  } finally {
    store.close();
  }
  // The last thing done to the case is an export: its summary in the case is a second anchor.
  expect(
    vestige('export', '--case', clean, '--items', ids['photo.jpg']!, '--out', join(root, 'bundle'), '--json').code,
  ).toBe(0);
}, 300_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const copy = (name: string) => copyOf(clean, join(root, name));

describe('verify on a case tampered with raw SQL and file edits', () => {
  it('verifies the untouched case, every row compared with the chain', () => {
    const r = json<{ ok: boolean; rowsChecked: number; anchors: Array<{ status: string }> }>(
      vestige('verify', '--case', clean, '--json'),
    );
    expect(r.ok).toBe(true);
    expect(r.rowsChecked).toBeGreaterThan(20);
    expect(r.anchors.length).toBeGreaterThanOrEqual(3); // custody.head, the ingest summary, the export summary
    expect(r.anchors.every((a) => a.status === 'ok')).toBe(true);
  });

  it('a category changed from C to A', () => {
    const c = copy('category');
    sql(c, (db) =>
      db
        .prepare(
          "UPDATE annotations SET value = replace(value, '\"C\"', '\"A\"') WHERE item_id = ? AND namespace = 'category'",
        )
        .run(ids['photo.jpg']),
    );
    const problems = verifyProblems(c);
    expect(kinds(problems)).toEqual(['annotation-modified']);
    expect(problems[0]!.subject).toBe(`${ids['photo.jpg']}/category`);
  });

  it('a provenance record deleted', () => {
    const c = copy('provenance');
    sql(c, (db) => db.prepare('DELETE FROM provenance WHERE id = ?').run(provenanceId));
    expect(kinds(verifyProblems(c))).toEqual(['provenance-missing']);
  });

  it('an item deleted with its sources and its blob', () => {
    const c = copy('item-deleted');
    const id = ids['statement.txt']!;
    const sha = (JSON.parse(vestige('show', id, '--case', c, '--json').stdout) as { sha256: string }).sha256;
    sql(c, (db) => {
      db.prepare('DELETE FROM sources WHERE item_id = ?').run(id);
      db.prepare('DELETE FROM items WHERE id = ?').run(id);
    });
    rewriteFile(blobPath(c, sha), '');
    fs.rmSync(blobPath(c, sha));
    const problems = verifyProblems(c);
    expect(kinds(problems)).toEqual(['blob-missing', 'item-missing', 'source-missing']);
    expect(problems.find((p) => p.kind === 'item-missing')!.subject).toBe(id);
  });

  it("an item's name, EXIF date or source path edited", () => {
    const c = copy('item-edits');
    const [named, dated] = [ids['cctv-still.jpg']!, ids['photo.jpg']!];
    sql(c, (db) => {
      db.prepare("UPDATE items SET name = 'holiday.jpg' WHERE id = ?").run(named);
      const changed = db
        .prepare("UPDATE items SET metadata = replace(metadata, '2026-03-14', '2025-03-14') WHERE id = ?")
        .run(dated);
      expect(changed.changes).toBe(1);
      db.prepare("UPDATE sources SET path = replace(path, 'notes.txt', 'other.txt') WHERE item_id = ?").run(
        ids['notes.txt'],
      );
    });
    const problems = verifyProblems(c);
    expect(problems.map((p) => [p.kind, p.subject]).sort()).toEqual(
      [
        ['item-modified', named],
        ['item-modified', dated],
        ['source-modified', expect.stringMatching(/^#\d+$/)],
      ].sort(),
    );
    expect(problems.find((p) => p.subject === named)!.message).toMatch(
      /name is "holiday.jpg", the log recorded "cctv-still.jpg"/,
    );
  });

  it("two items' hash fields swapped", () => {
    const c = copy('swap');
    const [a, b] = [ids['statement.txt']!, ids['notes.txt']!];
    sql(c, (db) => {
      const get = db.prepare('SELECT sha256, md5, sha1 FROM items WHERE id = ?');
      const ra = get.get(a) as Record<string, string>;
      const rb = get.get(b) as Record<string, string>;
      db.exec('DROP INDEX items_by_sha256');
      const set = db.prepare('UPDATE items SET sha256 = ?, md5 = ?, sha1 = ? WHERE id = ?');
      set.run(rb.sha256, rb.md5, rb.sha1, a);
      set.run(ra.sha256, ra.md5, ra.sha1, b);
      db.exec('CREATE UNIQUE INDEX items_by_sha256 ON items (sha256)');
    });
    const problems = verifyProblems(c);
    expect(
      problems
        .filter((p) => p.kind === 'item-modified')
        .map((p) => p.subject)
        .sort(),
    ).toEqual([a, b].sort());
  });

  it('scene markers, or the scene manifest, edited', () => {
    const markers = copy('markers');
    // Markers are case records of their own beside the scene's manifest (collection "markers").
    sql(markers, (db) =>
      expect(
        db
          .prepare(
            `UPDATE records SET value = replace(value, '"label":"A"', '"label":"B"') WHERE collection = 'markers'`,
          )
          .run().changes,
      ).toBe(1),
    );
    expect(verifyProblems(markers).map((p) => [p.kind, p.subject])).toEqual([
      ['record-modified', expect.stringMatching(new RegExp(`^markers/${sceneId}/`))],
    ]);
    const manifest = copy('manifest');
    sql(manifest, (db) =>
      db.prepare(`UPDATE records SET value = json_set(value, '$.units', 'ft') WHERE collection = 'scenes'`).run(),
    );
    expect(kinds(verifyProblems(manifest))).toEqual(['record-modified']);
  });

  it('the stored scan a scene was built from deleted', () => {
    const c = copy('scan');
    fs.rmSync(blobPath(c, scanSha));
    const problems = verifyProblems(c);
    expect(problems).toEqual([expect.objectContaining({ kind: 'blob-missing', subject: scanSha })]);
    expect(problems[0]!.message).toMatch(/named by (provenance|records)\//);
  });

  it('custody.head deleted together with the last event', () => {
    const c = copy('head-deleted');
    sql(c, (db) => db.prepare('DELETE FROM custody_events WHERE seq = (SELECT max(seq) FROM custody_events)').run());
    fs.rmSync(join(c, 'custody.head'));
    const problems = verifyProblems(c);
    expect(kinds(problems)).toEqual(expect.arrayContaining(['custody-anchor-missing', 'custody-rolled-back']));
  });

  it('a head rolled back to an earlier valid head: caught by the summaries and by --expect-head', () => {
    const c = copy('rolled-back');
    const noted = JSON.parse(fs.readFileSync(join(c, 'custody.head'), 'utf8')) as { seq: number; hash: string };
    let earlier: { seq: number; hash: string } | undefined;
    sql(c, (db) => {
      db.prepare('DELETE FROM custody_events WHERE seq > ?').run(noted.seq - 3);
      earlier = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1').get() as typeof earlier;
    });
    fs.writeFileSync(join(c, 'custody.head'), JSON.stringify(earlier));
    const problems = verifyProblems(c);
    expect(problems).toContainEqual(
      expect.objectContaining({ kind: 'custody-rolled-back', subject: expect.stringMatching(/summaries\/.*-export-/) }),
    );
    // With every summary removed too, the head the officer noted still catches it.
    fs.rmSync(join(c, 'summaries'), { recursive: true });
    expect(kinds(verifyProblems(c, '--expect-head', `${noted.seq}:${noted.hash}`))).toContain('custody-truncated');
  });

  it('an unparsable custody.head is a problem, never a pass or a crash', () => {
    const c = copy('head-garbage');
    fs.writeFileSync(join(c, 'custody.head'), '{"seq": "ten"');
    expect(kinds(verifyProblems(c))).toEqual(['custody-anchor-invalid']);
  });

  it('a row added that no event recorded, and a table no descriptor binds', () => {
    const c = copy('extra');
    sql(c, (db) => {
      db.prepare(
        "INSERT INTO annotations (item_id, namespace, value, updated_at) VALUES (?, 'note', '\"planted\"', '2026-01-01T00:00:00.000Z')",
      ).run(ids['notes.txt']);
      db.exec("CREATE TABLE side_notes (id TEXT); INSERT INTO side_notes VALUES ('x');");
    });
    expect(kinds(verifyProblems(c))).toEqual(['annotation-unrecorded', 'table-unbound']);
  });

  it("the case's reference edited in case.json", () => {
    const c = copy('marker');
    const info = JSON.parse(fs.readFileSync(join(c, 'case.json'), 'utf8'));
    fs.writeFileSync(join(c, 'case.json'), JSON.stringify({ ...info, reference: 'OP OTHER' }, null, 2));
    expect(kinds(verifyProblems(c))).toEqual(['case-marker-modified']);
  });

  it('a changed blob byte', () => {
    const c = copy('blob');
    const sha = (JSON.parse(vestige('show', ids['notes.txt']!, '--case', c, '--json').stdout) as { sha256: string })
      .sha256;
    rewriteFile(blobPath(c, sha), 'officer notez\n');
    expect(verifyProblems(c)).toEqual([expect.objectContaining({ kind: 'blob-modified', subject: ids['notes.txt'] })]);
  });
});
