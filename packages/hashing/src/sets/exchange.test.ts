import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvFormat } from './csv.ts';
import { onlyForeignHashes } from './entry-builder.ts';
import { hashdeepFormat } from './hashdeep.ts';
import { nsrlRds2Format, nsrlRds3Format } from './nsrl.ts';
import { detectHashSetFormat, loadHashSet, readHashSetFile, writeHashSetFile } from './registry.ts';
import type { HashSetEntry, HashSetFormat, HashSetMeta, HashSetRecord } from './types.ts';
import { vicsFormat } from './vics.ts';

/** The collector, to measure what a reader retains rather than garbage not yet swept. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'sets', name);
const UK_CASES = fs.readFileSync(fixture('vics-uk-cases-clees4all.json'));
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'vestige-sets-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function read(format: HashSetFormat, bytes: Buffer, chunk = 13): Promise<HashSetRecord[]> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const out: HashSetRecord[] = [];
  for await (const r of format.read(Readable.from(pieces), { file: 'set' })) out.push(r);
  return out;
}
const entries = (recs: HashSetRecord[]) => recs.flatMap((r) => (r.kind === 'entry' ? [r.entry] : []));
const issues = (recs: HashSetRecord[]) =>
  recs.filter((r): r is Extract<HashSetRecord, { kind: 'issue' }> => r.kind === 'issue');
async function text(format: HashSetFormat, list: HashSetEntry[], meta?: HashSetMeta): Promise<string> {
  let s = '';
  for await (const c of format.write(list, meta)) s += c;
  return s;
}
const utf16le = (b: Buffer) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]);

describe('VICS case documents (#Cases, UK profile, as Clees4All writes them)', () => {
  const expectUkCases = (list: HashSetEntry[]) => {
    expect(list).toHaveLength(5);
    expect(list.map((e) => [e.mediaId, e.md5, e.ukCategory, e.vicsCategory, e.caseRef?.CaseNumber])).toEqual([
      ['1', '0cc175b9c0f1b6a831c399e269772661', 'A', 1, 'OP-KESTREL-0042'],
      ['2', '92eb5ffee6ae2fec3ad71c777531578f', 'B', 1, 'OP-KESTREL-0042'],
      ['3', '4a8a08f09d37b73795649038408b5f33', 'C', 1, 'OP-KESTREL-0042'],
      ['4', '8277e0910d750195b448797616e091ad', 'N', 0, 'OP-KESTREL-0042'],
      ['5', 'e1671797c52e15f763380b45e841ec32', 'A', 1, 'OP-KESTREL-0043'],
    ]);
    expect(list[0]).toMatchObject({
      sha1: '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8',
      victimIdentified: true,
      tags: ['tagged', 'series-x'],
      size: 1234,
      name: '0001.jpg',
      path: 'C:\\Users\\x\\0001.jpg',
    });
    expect(list[0]!.caseRef).toEqual({
      CaseID: '{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}',
      CaseNumber: 'OP-KESTREL-0042',
      ContactOrganization: 'Example Constabulary',
      SourceApplicationName: 'Clees4All',
      SourceApplicationVersion: '1.51',
    });
    expect(list[0]!.extra).toMatchObject({
      RelativeFilePath: 'Media\\0001.jpg',
      PrecategorizationSource: 'CAID',
      MimeType: 'image/jpeg',
    });
    expect(list[1]).toMatchObject({
      sha256: '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d',
      photoDna: 'AAECAwQFBgc=',
    });
  };

  it('reads every Media record of every case with its case reference and UK grade', async () => {
    const recs = await read(vicsFormat, UK_CASES);
    expect(issues(recs)).toEqual([]);
    expectUkCases(entries(recs));
  });

  it('reads the same file with a UTF-8 byte-order mark', async () => {
    const recs = await read(vicsFormat, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), UK_CASES]), 1);
    expect(issues(recs)).toEqual([]);
    expectUkCases(entries(recs));
  });

  it('reads the same file as UTF-16LE with a BOM (older Clees4All), split at odd byte boundaries', async () => {
    const recs = await read(vicsFormat, utf16le(UK_CASES), 7);
    expect(issues(recs)).toEqual([]);
    expectUkCases(entries(recs));
    const path = join(dir, 'utf16.json');
    fs.writeFileSync(path, utf16le(UK_CASES));
    expect((await detectHashSetFormat(path)).id).toBe('vics');
  });

  it('reads US and Default profile cases with Project VIC category numbers', async () => {
    const doc = (p: string) =>
      Buffer.from(
        JSON.stringify({
          '@odata.context': `http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/${p}/$metadata#Cases`,
          value: [
            {
              CaseID: 'c1',
              Media: [
                { MediaID: 1, Category: 2, MD5: 'A'.repeat(32) },
                { MediaID: 2, Category: 3, SHA1: 'b'.repeat(40) },
              ],
            },
          ],
        }),
      );
    for (const p of ['US', 'Default']) {
      const list = entries(await read(vicsFormat, doc(p)));
      expect(list.map((e) => [e.vicsCategory, e.ukCategory, e.caseRef])).toEqual([
        [2, undefined, { CaseID: 'c1' }],
        [3, undefined, { CaseID: 'c1' }],
      ]);
    }
  });

  it('streams a case of 300,000 media with bounded memory (no per-case limit)', async () => {
    const count = 300_000;
    function* doc(): Generator<Buffer> {
      yield Buffer.from(
        '{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases","value":[{"CaseID":"big","CaseNumber":"OP-1","Media":[',
      );
      let batch = '';
      for (let i = 0; i < count; i++) {
        batch += `${i ? ',' : ''}{"MediaID":${i + 1},"Category":${(i % 3) + 1},"MD5":"${i.toString(16).padStart(32, '0')}","Comments":"${'x'.repeat(150)}"}`;
        if (batch.length > 1 << 16) {
          yield Buffer.from(batch);
          batch = '';
        }
      }
      yield Buffer.from(batch + ']}]}');
    }
    // Retained memory, sampled after a collection (heapUsed between collections depends on when the
    // collector runs, which a loaded machine changes).
    const gc = collector();
    gc();
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    let peak = 0;
    let last: HashSetEntry | undefined;
    for await (const r of vicsFormat.read(Readable.from(doc()))) {
      if (r.kind !== 'entry') throw new Error(r.error.message);
      n++;
      last = r.entry;
      if ((n & 0x3fff) === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(n).toBe(count);
    expect(last).toMatchObject({
      mediaId: String(count),
      ukCategory: 'C',
      caseRef: { CaseID: 'big', CaseNumber: 'OP-1' },
    });
    // The case is ~60 MB of JSON; holding it (the old per-entry cap refused it) would need far more.
    expect(peak).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('AlternativeHashes and hashes Vestige does not compute', () => {
  const doc = {
    '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media',
    value: [
      {
        MediaID: 1,
        Category: 1,
        MD5: 'a'.repeat(32),
        AlternativeHashes: [
          { HashName: 'SHA256', HashValue: 'B'.repeat(64) },
          { HashName: 'PDQ', HashValue: 'c'.repeat(64) },
          { HashName: 'PhotoDNA', HashValue: 'UERORGF0YQ==' },
        ],
      },
      { MediaID: 2, Category: 1, AlternativeHashes: [{ HashName: 'PhotoDNA', HashValue: 'T25seVBETkE=' }] },
      {
        MediaID: 3,
        Category: 2,
        AlternativeHashes: [
          { HashName: 'NeuralHash', HashValue: 'abcd' },
          { HashName: 'PhotoDNA', HashValue: 'eHl6' },
        ],
      },
      { MediaID: 4 },
    ],
  };

  it('reads SHA-256 and PDQ from AlternativeHashes, keeps PhotoDNA and others, accepts PhotoDNA-only entries', async () => {
    const recs = await read(vicsFormat, Buffer.from(JSON.stringify(doc)));
    const list = entries(recs);
    expect(list).toHaveLength(3);
    expect(list[0]).toMatchObject({
      md5: 'a'.repeat(32),
      sha256: 'b'.repeat(64),
      pdq: 'c'.repeat(64),
      vicsCategory: 1,
      alternativeHashes: [{ name: 'PhotoDNA', value: 'UERORGF0YQ==' }],
    });
    expect(list[1]).toEqual({
      mediaId: '2',
      vicsCategory: 1,
      alternativeHashes: [{ name: 'PhotoDNA', value: 'T25seVBETkE=' }],
    });
    expect(list[2]!.alternativeHashes).toEqual([
      { name: 'NeuralHash', value: 'abcd' },
      { name: 'PhotoDNA', value: 'eHl6' },
    ]);
    expect(list.map(onlyForeignHashes)).toEqual([false, true, true]);
    // The one entry with no hash at all is still rejected.
    expect(issues(recs).map((i) => [i.index, i.outcome, i.error.details?.field])).toEqual([[3, 'rejected', 'hashes']]);
  });

  it('writes the hashes it does not compute back out unchanged', async () => {
    const list = entries(await read(vicsFormat, Buffer.from(JSON.stringify(doc))));
    const out = JSON.parse(await text(vicsFormat, list));
    const names = (m: { AlternativeHashes?: Array<{ HashName: string; HashValue: string }> }) =>
      m.AlternativeHashes?.map((h) => `${h.HashName}=${h.HashValue}`).sort();
    expect(out.value.map(names)).toEqual(
      doc.value.slice(0, 3).map((m) => names(m as never)!.map((s) => s.replace(/=b{64}$/, `=${'B'.repeat(64)}`))),
    );
  });
});

describe('VICS → Vestige → VICS loses no field', () => {
  it('a UK #Cases document written back in the UK profile is the same document', async () => {
    const list = entries(await read(vicsFormat, UK_CASES));
    const written = JSON.parse(await text(vicsFormat, list, { profile: 'uk' }));
    expect(written).toEqual(JSON.parse(UK_CASES.toString('utf8')));
  });

  it('a Default-profile #Media document keeps every member, including ones Vestige has no field for', async () => {
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media',
      value: [
        {
          MediaID: 7,
          Category: 2,
          MD5: 'A'.repeat(32),
          SHA1: 'B'.repeat(40),
          MediaSize: 99,
          IsPrecategorized: 'true',
          Series: 'S1',
          OffenderIdentified: 'false',
          IsDistributed: 'true',
          Tags: 'one;two',
          Comments: 'c',
          DateUpdated: '2020-01-01T00:00:00.000Z',
          IsSuspected: 'true',
          MimeType: 'video/mp4',
          AlternativeHashes: [
            { HashName: 'SHA256', HashValue: 'C'.repeat(64) },
            { HashName: 'PDQ', HashValue: 'd'.repeat(64) },
            { HashName: 'PhotoDNA', HashValue: 'cGRuYQ==' },
          ],
          MediaMetadata: [
            { PropertyName: 'Make', PropertyValue: 'Canon' },
            { PropertyName: 'PDQQuality', PropertyValue: '90' },
          ],
          MediaFiles: [{ MD5: 'A'.repeat(32), FileName: 'x.mp4', FilePath: 'D:\\x.mp4', Unallocated: 'true' }],
          VideoSegments: [{ Start: '00:00:01', End: '00:00:02', Category: 2 }],
        },
      ],
    };
    const list = entries(await read(vicsFormat, Buffer.from(JSON.stringify(doc))));
    expect(list[0]).toMatchObject({
      pdq: 'd'.repeat(64),
      pdqQuality: 90,
      sha256: 'c'.repeat(64),
      offenderIdentified: false,
    });
    expect(JSON.parse(await text(vicsFormat, list))).toEqual(doc);
  });
});

describe('a set entry holding a video hash', () => {
  it('travels as a vPDQ JSON list in AlternativeHashes and reads back frame by frame', async () => {
    const video: HashSetEntry = {
      md5: '9'.repeat(32),
      vicsCategory: 1,
      mediaId: '30',
      vpdq: [
        { hex: 'a'.repeat(64), quality: 100, timestamp: 0 },
        { hex: 'b'.repeat(64), quality: 87, timestamp: 0.5 },
        { hex: 'c'.repeat(64), quality: 40, timestamp: 1.5 },
      ],
    };
    const raw = await text(vicsFormat, [video]);
    expect(JSON.parse(raw).value[0].AlternativeHashes).toEqual([
      {
        HashName: 'vPDQ',
        HashValue: `["${'a'.repeat(64)},100,0.0", "${'b'.repeat(64)},87,0.5", "${'c'.repeat(64)},40,1.5"]`,
      },
    ]);
    expect(entries(await read(vicsFormat, Buffer.from(raw)))).toEqual([video]);
  });
});

describe('VICS export that importers accept', () => {
  const vestige: HashSetEntry[] = [
    {
      md5: '1'.repeat(32),
      sha1: '2'.repeat(40),
      sha256: '3'.repeat(64),
      pdq: '4'.repeat(64),
      pdqQuality: 87,
      ukCategory: 'B',
      vicsCategory: 1,
      mediaId: '12',
      name: 'a.jpg',
      size: 10,
      victimIdentified: false,
      tags: ['t1'],
    },
    { md5: '5'.repeat(32), ukCategory: 'N', vicsCategory: 0, mediaId: '13' },
    { md5: '6'.repeat(32), ukCategory: 'A', vicsCategory: 1, mediaId: '14' },
    { md5: '7'.repeat(32), ukCategory: 'C', vicsCategory: 1, mediaId: '15' },
  ];

  it('one OData v4 dialect, Tags as one string, "true"/"false" flags, PDQ and SHA-256 in AlternativeHashes', async () => {
    const raw = await text(vicsFormat, vestige);
    expect(raw).not.toMatch(/odata\.id|odata\.metadata|"PDQ"\s*:|"PDQQuality"\s*:|"SHA256"\s*:/);
    const doc = JSON.parse(raw);
    expect(doc['@odata.context']).toBe(
      'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media',
    );
    const m = doc.value[0];
    expect(m).toMatchObject({
      MediaID: 12,
      Category: 1,
      Tags: 'uk:B;t1',
      VictimIdentified: 'false',
      MediaMetadata: [{ PropertyName: 'PDQQuality', PropertyValue: '87' }],
    });
    expect(m.AlternativeHashes).toEqual([
      { HashName: 'SHA256', HashValue: '3'.repeat(64) },
      { HashName: 'PDQ', HashValue: '4'.repeat(64) },
    ]);
    expect(entries(await read(vicsFormat, Buffer.from(raw)))).toEqual(vestige);
  });

  it('the UK profile (CAID) carries the grade in Category: A→1, B→2, C→3, not indecent→0, and reads back', async () => {
    const raw = await text(vicsFormat, vestige, { profile: 'uk' });
    const doc = JSON.parse(raw);
    expect(doc['@odata.context']).toContain('/2.0.xml/UK/$metadata#Media');
    expect(doc.value.map((m: { Category: number; Tags?: string }) => [m.Category, m.Tags])).toEqual([
      [2, 't1'],
      [0, undefined],
      [1, undefined],
      [3, undefined],
    ]);
    expect(entries(await read(vicsFormat, Buffer.from(raw)))).toEqual(vestige);
  });
});

describe('NSRL: known-good sets, never matches', () => {
  it('reads an RDS v3 SQLite database through its FILE/PKG/OS/MFG views', async () => {
    const path = join(dir, 'RDS_minimal.db');
    const db = new Database(path);
    db.exec(`
      CREATE TABLE MFG_T (manufacturer_id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE OS_T (operating_system_id INTEGER PRIMARY KEY, name TEXT, version TEXT, manufacturer_id INTEGER);
      CREATE TABLE PKG_T (package_id INTEGER PRIMARY KEY, name TEXT, version TEXT, operating_system_id INTEGER, manufacturer_id INTEGER, language TEXT, application_type TEXT);
      CREATE TABLE FILE_T (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER, package_id INTEGER);
      CREATE VIEW MFG AS SELECT * FROM MFG_T; CREATE VIEW OS AS SELECT * FROM OS_T; CREATE VIEW PKG AS SELECT * FROM PKG_T; CREATE VIEW FILE AS SELECT * FROM FILE_T;
      INSERT INTO MFG_T VALUES (1, 'Example Software Ltd');
      INSERT INTO OS_T VALUES (10, 'Windows', '10', 1);
      INSERT INTO PKG_T VALUES (100, 'Example Viewer', '2.1', 10, 1, 'English', 'Utility');
      INSERT INTO FILE_T VALUES ('${'A'.repeat(64)}', '${'B'.repeat(40)}', '${'C'.repeat(32)}', '0A1B2C3D', 'viewer.exe', 123456, 100);
      INSERT INTO FILE_T VALUES ('${'D'.repeat(64)}', '${'E'.repeat(40)}', '${'F'.repeat(32)}', '0A1B2C3E', 'viewer.dll', 2048, 100);
      INSERT INTO FILE_T VALUES ('not-hex', NULL, NULL, NULL, 'broken.bin', 1, 100);
    `);
    db.close();
    const f = await detectHashSetFormat(path);
    expect(f.id).toBe('nsrl-rds3');
    expect(f.role).toBe('known-good');
    const set = await loadHashSet(path);
    expect(set.entries).toEqual([
      {
        sha256: 'a'.repeat(64),
        sha1: 'b'.repeat(40),
        md5: 'c'.repeat(32),
        name: 'viewer.exe',
        size: 123456,
        extra: { crc32: '0A1B2C3D', package_id: 100, package: 'Example Viewer 2.1' },
      },
      {
        sha256: 'd'.repeat(64),
        sha1: 'e'.repeat(40),
        md5: 'f'.repeat(32),
        name: 'viewer.dll',
        size: 2048,
        extra: { crc32: '0A1B2C3E', package_id: 100, package: 'Example Viewer 2.1' },
      },
    ]);
    expect(set.issues.map((i) => [i.index, i.error.details?.field])).toEqual([[2, 'sha256']]);
    let digest = '';
    for await (const _ of readHashSetFile(path, nsrlRds3Format, (d) => (digest = d)));
    expect(digest).toBe(createHash('sha256').update(fs.readFileSync(path)).digest('hex'));
  });

  it('reads an RDS v2 NSRLFile.txt', async () => {
    const path = join(dir, 'NSRLFile.txt');
    fs.writeFileSync(
      path,
      `"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\r\n"${'1'.repeat(40)}","${'2'.repeat(32)}","AABBCCDD","setup.exe",4096,1234,"WIN",""\r\n"${'3'.repeat(40)}","${'4'.repeat(32)}","00112233","read, me.txt",12,1234,"WIN","M"\r\n`,
    );
    expect((await detectHashSetFormat(path)).id).toBe('nsrl-rds2');
    const set = await loadHashSet(path);
    expect(nsrlRds2Format.role).toBe('known-good');
    expect(set.issues).toEqual([]);
    expect(set.entries.map((e) => [e.sha1, e.md5, e.name, e.size, e.extra?.ProductCode])).toEqual([
      ['1'.repeat(40), '2'.repeat(32), 'setup.exe', 4096, '1234'],
      ['3'.repeat(40), '4'.repeat(32), 'read, me.txt', 12, '1234'],
    ]);
  });

  it('refuses binary input it does not read with a clear "format not supported" error', async () => {
    const zip = join(dir, 'set.zip');
    fs.writeFileSync(zip, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]));
    await expect(detectHashSetFormat(zip)).rejects.toMatchObject({
      code: 'E_INPUT_UNSUPPORTED',
      message: expect.stringMatching(/format not supported — the file is a ZIP archive/),
    });
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    await expect(detectHashSetFormat(other)).rejects.toMatchObject({
      code: 'E_INPUT_UNSUPPORTED',
      message: expect.stringMatching(/SQLite database without the NSRL RDS v3 views/),
    });
  });
});

describe('CSV hash lists: damaged lines cost one line each', () => {
  it('an unterminated quote rejects its own line only; the rest of the file is read', async () => {
    const csv = `MD5,Name,Category\r\n${'1'.repeat(32)},one.jpg,A\r\n${'2'.repeat(32)},"two.jpg,B\r\n${'3'.repeat(32)},"three\nlines",C\r\n${'4'.repeat(32)},four.jpg,N\r\n`;
    const recs = await read(csvFormat, Buffer.from(csv), 5);
    expect(entries(recs).map((e) => [e.md5?.[0], e.name, e.ukCategory])).toEqual([
      ['1', 'one.jpg', 'A'],
      ['3', 'three\nlines', 'C'],
      ['4', 'four.jpg', 'N'],
    ]);
    expect(issues(recs).map((i) => [i.outcome, i.error.code, i.error.details?.line])).toEqual([
      ['rejected', 'E_HASHSET_INVALID', 3],
    ]);
  });

  it('a 200 MB line is refused with E_INPUT_TOO_LARGE under the 1 MiB cap, without holding it', async () => {
    function* source(): Generator<Buffer> {
      yield Buffer.from(`MD5,Name\n${'1'.repeat(32)},before.jpg\n${'2'.repeat(32)},`);
      const block = Buffer.alloc(1 << 20, 0x78);
      for (let i = 0; i < 200; i++) yield block;
      yield Buffer.from(`\n${'3'.repeat(32)},after.jpg\n`);
    }
    const gc = collector();
    gc();
    const before = process.memoryUsage().heapUsed;
    const recs: HashSetRecord[] = [];
    for await (const r of csvFormat.read(Readable.from(source()), { file: 'big.csv' })) recs.push(r);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(entries(recs).map((e) => e.name)).toEqual(['before.jpg', 'after.jpg']);
    const [issue] = issues(recs);
    expect(issue).toMatchObject({
      outcome: 'rejected',
      error: { code: 'E_INPUT_TOO_LARGE', details: { line: 3, limit: 1 << 20 } },
    });
  });
});

describe('hashdeep output that the real hashdeep accepts', () => {
  it('writes only the columns every entry has, and `hashdeep -k` audits the files as passed', async () => {
    const files = join(dir, 'evidence');
    fs.mkdirSync(files, { recursive: true });
    const list: HashSetEntry[] = ['alpha.jpg', 'beta, with comma.png', 'gamma.txt'].map((name, i) => {
      const path = join(files, name);
      const data = Buffer.from(`content ${i} `.repeat(i * 50 + 1));
      fs.writeFileSync(path, data);
      const h = (a: string) => createHash(a).update(data).digest('hex');
      // The last entry has no SHA-1: the column must be left out, not written empty.
      return {
        size: data.length,
        md5: h('md5'),
        ...(i < 2 ? { sha1: h('sha1') } : {}),
        sha256: h('sha256'),
        path,
        name,
      };
    });
    const out = join(dir, 'known.hashdeep');
    await writeHashSetFile(out, hashdeepFormat, list);
    const written = fs.readFileSync(out, 'utf8');
    expect(written.split('\n')[1]).toBe('%%%% size,md5,sha256,filename');
    const audit = execFileSync('hashdeep', ['-c', 'md5,sha256', '-k', out, '-a', '-r', files], { encoding: 'utf8' });
    expect(audit).toContain('Audit passed');
    const matched = execFileSync('hashdeep', ['-c', 'md5,sha256', '-k', out, '-m', '-r', files], { encoding: 'utf8' });
    expect(matched.trim().split('\n').sort()).toEqual(list.map((e) => e.path).sort());
    expect(entries(await read(hashdeepFormat, Buffer.from(written)))).toEqual(list.map(({ sha1: _, ...e }) => e));
  });

  it('refuses to write entries hashdeep would reject (no size, or no hash all of them have)', async () => {
    await expect(
      text(hashdeepFormat, [
        { md5: '1'.repeat(32), size: 1, name: 'a' },
        { sha1: '2'.repeat(40), size: 1, name: 'b' },
      ]),
    ).rejects.toMatchObject({ code: 'E_INPUT_UNSUPPORTED' });
    await expect(text(hashdeepFormat, [{ md5: '1'.repeat(32), name: 'a' }])).rejects.toMatchObject({
      code: 'E_INPUT_UNSUPPORTED',
      message: /has no size/,
    });
  });
});
