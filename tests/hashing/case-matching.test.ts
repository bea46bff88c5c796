/** `vestige phash/match/groups/categorise/hashset` on a real case, as an officer runs them. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import {
  ANNOTATION,
  bytesToHex,
  csvFormat,
  decodeImage,
  hashSetFormat,
  loadHashSet,
  pdqHash,
  vicsFormat,
  writeHashSetFile,
  type HashSetEntry,
} from '@vestige/hashing';
import { makeTempDir } from '../support.ts';
import { vestige } from './run-vestige.ts';

const fixtures = new URL('../fixtures/pdq/images/', import.meta.url);
let dir: string;
let caseDir: string;
const operator = 'DC Reviewer';

const itemByName = (store: CaseStore, name: string) => store.items().find((i) => i.name === name)!;

beforeAll(async () => {
  dir = makeTempDir('vestige-hashing-');
  caseDir = join(dir, 'case');
  const seized = join(dir, 'seized');
  fs.mkdirSync(seized);
  for (const f of [
    'bridge-mods--aaa-orig.png',
    'bridge-mods--blur-a-little.png',
    'labelme-subset--q0122.png',
    'labelme-subset--q2821.png',
    'labelme-subset--q0003.png',
  ]) {
    fs.copyFileSync(new URL(f, fixtures), join(seized, f));
  }
  // A JPEG header followed by junk: sniffed as an image, cannot be decoded.
  fs.writeFileSync(
    join(seized, 'broken.jpg'),
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]),
  );

  // Known-image set: the exact bytes of q0122, the PDQ of a recompressed copy of the bridge, decoys.
  const q0122 = fs.readFileSync(join(seized, 'labelme-subset--q0122.png'));
  const { createHash } = await import('node:crypto');
  const bridgeCopy = await sharp(join(seized, 'bridge-mods--aaa-orig.png'))
    .resize(500)
    .jpeg({ quality: 60 })
    .toBuffer();
  const copyPdq = pdqHash(await decodeImage(bridgeCopy));
  const set: HashSetEntry[] = [
    {
      mediaId: '10',
      md5: createHash('md5').update(q0122).digest('hex'),
      vicsCategory: 1,
      ukCategory: 'B',
      series: 'Known series 7',
    },
    { mediaId: '11', pdq: bytesToHex(copyPdq.hash), vicsCategory: 1, ukCategory: 'A', series: 'Known series 8' },
    { mediaId: '12', md5: 'f'.repeat(32), pdq: '0'.repeat(64) },
  ];
  await writeHashSetFile(join(dir, 'set.json'), vicsFormat, [...set, { mediaId: '13', sha1: 'abc' } as HashSetEntry]);
  await writeHashSetFile(join(dir, 'set.csv'), csvFormat, set);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hashing and matching a case', () => {
  it('hashes every image, records annotations, and reports the undecodable one', () => {
    expect(vestige(['case', 'init', caseDir, '--operator', operator]).code).toBe(0);
    expect(vestige(['ingest', join(dir, 'seized'), '--case', caseDir, '--operator', operator]).code).toBe(0);
    const r = vestige(['phash', '--case', caseDir, '--operator', operator, '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ images: 6, hashed: 5 });
    expect(report.failed).toEqual([expect.objectContaining({ name: 'broken.jpg', code: 'E_INPUT_CORRUPT' })]);
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      // The stored PDQ is the reference's value for this image.
      expect(store.annotations(itemByName(store, 'bridge-mods--aaa-orig.png').id)[ANNOTATION.pdq]).toMatchObject({
        hex: 'd8f8f0cee0f4a84f06370a2a038f67f0b36e2ed596621e1d33e6339c4e9c9b22',
        quality: 100,
      });
      const events = [...store.custody.events()].filter((e) => e.action === 'annotation.set');
      expect(events.length).toBeGreaterThanOrEqual(15);
    } finally {
      store.close();
    }
  });

  it('vestige match: exact and perceptual matches recorded with the set name and version; bad entries listed', () => {
    const r = vestige([
      'match',
      '--case',
      caseDir,
      '--hashset',
      join(dir, 'set.json'),
      '--set-name',
      'Force set',
      '--set-version',
      '2026-11',
      '--operator',
      operator,
      '--json',
    ]);
    expect(r.code).toBe(2); // one malformed entry in the set
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      entriesRead: 3,
      entriesRejected: 1,
      exactMatches: 1,
      set: { name: 'Force set', version: '2026-11', format: 'vics' },
    });
    expect(r.stderr).toMatch(/SHA1 has 3 hex digits/);
    const byName = Object.fromEntries(
      report.matchedItems.map((m: { itemName: string; matches: unknown[] }) => [m.itemName, m.matches]),
    );
    expect(byName['labelme-subset--q0122.png']).toEqual([
      expect.objectContaining({ kind: 'md5', entry: expect.objectContaining({ mediaId: '10', ukCategory: 'B' }) }),
    ]);
    // The recompressed copy's PDQ finds the original and its lightly blurred version.
    expect(byName['bridge-mods--aaa-orig.png']).toEqual([
      expect.objectContaining({ kind: 'pdq', entry: expect.objectContaining({ mediaId: '11' }) }),
    ]);
    expect(byName['bridge-mods--blur-a-little.png']?.[0]).toMatchObject({ kind: 'pdq' });
    expect(byName['labelme-subset--q2821.png']).toBeUndefined();
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const ann = store.annotations(itemByName(store, 'labelme-subset--q0122.png').id)[ANNOTATION.matches] as Record<
        string,
        { version: string }
      >;
      expect(ann['Force set']?.version).toBe('2026-11');
      expect(store.listRecords('hashing.match-runs').map((r) => r.id)).toEqual(['Force set@2026-11']);
    } finally {
      store.close();
    }
  });

  it('the same set as a hash-list CSV gives the same matches', () => {
    const r = vestige([
      'match',
      '--case',
      caseDir,
      '--hashset',
      join(dir, 'set.csv'),
      '--operator',
      operator,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.set.format).toBe('csv');
    expect(report.set.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(report.matchedItems.map((m: { itemName: string }) => m.itemName).sort()).toEqual([
      'bridge-mods--aaa-orig.png',
      'bridge-mods--blur-a-little.png',
      'labelme-subset--q0122.png',
    ]);
  });

  it('groups near-duplicates, categorises a whole group, exports VICS, writes a protected contact sheet', async () => {
    const g = vestige([
      'groups',
      '--case',
      caseDir,
      '--operator',
      operator,
      '--json',
      '--sheet',
      join(dir, 'sheet.png'),
    ]);
    expect(g.code).toBe(0);
    const groups = JSON.parse(g.stdout);
    expect(groups.lowQualitySkipped).toBe(1); // q0003 has PDQ quality 3
    expect(groups.groups).toHaveLength(1);
    const group = groups.groups[0];
    expect(group.members).toHaveLength(2);
    expect(groups.sheet).toMatchObject({ view: 'protected', tiles: 1 });
    // Protected view: the sheet is greyscale.
    const { data, info } = await sharp(join(dir, 'sheet.png')).raw().toBuffer({ resolveWithObject: true });
    let colourful = 0;
    for (let i = 0; i < data.length; i += info.channels)
      if (Math.abs(data[i]! - data[i + 1]!) > 8 || Math.abs(data[i + 1]! - data[i + 2]!) > 8) colourful++;
    expect(colourful / (data.length / info.channels)).toBeLessThan(0.02); // only the yellow banner text

    const c = vestige([
      'categorise',
      '--group',
      group.id,
      '--category',
      'A',
      '--tag',
      'series-8',
      '--case',
      caseDir,
      '--operator',
      operator,
      '--json',
    ]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).changed).toHaveLength(2);
    const q = vestige([
      'categorise',
      'I-000003',
      '--category',
      'not indecent',
      '--case',
      caseDir,
      '--operator',
      operator,
    ]);
    expect(q.code).toBe(0);
    expect(
      vestige(['categorise', 'I-000003', '--category', 'Z', '--case', caseDir, '--operator', operator]).code,
    ).not.toBe(0);

    const e = vestige([
      'hashset',
      'export',
      '--case',
      caseDir,
      '--out',
      join(dir, 'export.json'),
      '--operator',
      operator,
      '--json',
    ]);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout).entries).toBe(3);
    const back = await loadHashSet(join(dir, 'export.json'));
    expect(back.issues).toEqual([]);
    expect(back.entries.filter((x) => x.ukCategory === 'A')).toHaveLength(2);
    expect(back.entries.every((x) => x.md5 && x.sha1 && x.sha256)).toBe(true);
    expect(back.entries.find((x) => x.ukCategory === 'A')).toMatchObject({ vicsCategory: 1, tags: ['series-8'] });
    expect(back.entries.find((x) => x.ukCategory === 'N')).toMatchObject({ vicsCategory: 0 });

    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const actions = [...store.custody.events()].map((ev) => ev.action);
      expect(actions).toContain('hashing.grouped');
      expect(actions).toContain('hashset.exported');
      const catEvents = [...store.custody.events()].filter(
        (ev) => ev.action === 'annotation.set' && (ev.details as { namespace?: string }).namespace === 'category',
      );
      expect(catEvents).toHaveLength(3);
      expect(catEvents.every((ev) => ev.operator === operator)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('hashset check and convert', async () => {
    const check = vestige(['hashset', 'check', join(dir, 'set.json'), '--json']);
    expect(check.code).toBe(2);
    expect(JSON.parse(check.stdout)).toMatchObject({ format: 'vics', entries: 3, rejected: 1, pdq: 2 });
    const conv = vestige(['hashset', 'convert', join(dir, 'export.json'), join(dir, 'export.csv'), '--to', 'csv']);
    expect(conv.code).toBe(0);
    const a = await loadHashSet(join(dir, 'export.json'));
    const b = await loadHashSet(join(dir, 'export.csv'), hashSetFormat('csv'));
    expect(b.entries).toEqual(a.entries);
  });
});

describe('exchanging a case with other tools', () => {
  it('exports the UK profile (CAID) and a #Cases case export with the image files beside it', async () => {
    const uk = vestige([
      'hashset',
      'export',
      '--case',
      caseDir,
      '--out',
      join(dir, 'caid.json'),
      '--profile',
      'uk',
      '--operator',
      operator,
      '--json',
    ]);
    expect(uk.code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(join(dir, 'caid.json'), 'utf8'));
    expect(doc['@odata.context']).toContain('/UK/$metadata#Media');
    expect(doc.value.map((m: { Category: number }) => m.Category).sort()).toEqual([0, 1, 1]);

    const out = join(dir, 'case-export');
    const r = vestige([
      'hashset',
      'export',
      '--case',
      caseDir,
      '--out',
      out,
      '--cases',
      '--profile',
      'uk',
      '--operator',
      operator,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ shape: 'cases', entries: 3, files: 3 });
    const cases = JSON.parse(fs.readFileSync(result.path, 'utf8'));
    expect(cases['@odata.context']).toContain('/UK/$metadata#Cases');
    expect(cases.value).toHaveLength(1);
    expect(cases.value[0]).toMatchObject({ SourceApplicationName: 'Vestige', CaseID: expect.any(String) });
    const { createHash } = await import('node:crypto');
    for (const m of cases.value[0].Media as Array<{
      MD5: string;
      RelativeFilePath: string;
      MediaFiles: Array<{ FileName: string; FilePath: string; MD5: string }>;
    }>) {
      expect(m.MediaFiles[0]!.FilePath).toBe(m.RelativeFilePath);
      // The file beside the JSON is the evidence itself, byte for byte.
      const bytes = fs.readFileSync(join(out, ...m.RelativeFilePath.split('\\')));
      expect(createHash('md5').update(bytes).digest('hex').toUpperCase()).toBe(m.MD5);
    }
    const back = await loadHashSet(result.path);
    expect(back.entries.every((e) => e.caseRef?.SourceApplicationName === 'Vestige')).toBe(true);
  });

  it('an NSRL set is known-good: its hits filter items out and are never matches', async () => {
    const store = CaseStore.open(caseDir, { readOnly: true });
    const q2821 = itemByName(store, 'labelme-subset--q2821.png');
    store.close();
    const nsrl = join(dir, 'NSRLFile.txt');
    fs.writeFileSync(
      nsrl,
      `"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\r\n"${q2821.sha1.toUpperCase()}","${q2821.md5.toUpperCase()}","00000000","q2821.png",${q2821.size},1,"WIN",""\r\n`,
    );
    const r = vestige(['match', '--case', caseDir, '--hashset', nsrl, '--operator', operator, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      role: 'known-good',
      matchedItems: [],
      exactMatches: 0,
      knownGoodItems: [{ itemId: q2821.id, kind: 'sha1' }],
    });
    const after = CaseStore.open(caseDir, { readOnly: true });
    try {
      expect(after.annotations(q2821.id)[ANNOTATION.knownGood]).toMatchObject({ 'NSRLFile.txt': { kind: 'sha1' } });
      expect(after.annotations(q2821.id)[ANNOTATION.matches]).toBeUndefined();
    } finally {
      after.close();
    }
  });
});
