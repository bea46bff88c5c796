import { Readable } from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { csvFormat } from './csv.ts';
import { hashdeepFormat } from './hashdeep.ts';
import { VicsScanner } from './vics-scanner.ts';
import { plainFormat } from './plain.ts';
import type { HashSetEntry, HashSetFormat, HashSetRecord } from './types.ts';
import { vicsFormat } from './vics.ts';

const md5 = (n: number) => n.toString(16).padStart(32, '0');
const sha1 = (n: number) => n.toString(16).padStart(40, 'a');
const sha256 = (n: number) => n.toString(16).padStart(64, 'b');
const pdq = (n: number) => n.toString(16).padStart(64, 'c');

async function collect(format: HashSetFormat, text: string | Buffer, chunk = 7): Promise<HashSetRecord[]> {
  // Small chunks make every token straddle chunk boundaries at some point.
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) pieces.push(buf.subarray(i, i + chunk));
  const out: HashSetRecord[] = [];
  for await (const r of format.read(Readable.from(pieces), { file: 'set' })) out.push(r);
  return out;
}

async function writeAll(format: HashSetFormat, entries: HashSetEntry[]): Promise<string> {
  let s = '';
  for await (const c of format.write(entries)) s += c;
  return s;
}

const entries = (recs: HashSetRecord[]) =>
  recs.filter((r) => r.kind === 'entry').map((r) => (r as { entry: HashSetEntry }).entry);
const issues = (recs: HashSetRecord[]) =>
  recs.filter((r) => r.kind === 'issue') as Extract<HashSetRecord, { kind: 'issue' }>[];

const rich: HashSetEntry[] = [
  {
    md5: md5(1),
    sha1: sha1(1),
    sha256: sha256(1),
    pdq: pdq(1),
    pdqQuality: 100,
    vicsCategory: 1,
    ukCategory: 'A',
    mediaId: '17',
    name: 'a "quoted", name.jpg',
    path: 'dir/a "quoted", name.jpg',
    size: 1234,
    series: 'Series, one',
    victimIdentified: true,
    offenderIdentified: false,
    isDistributed: true,
    tags: ['tag1', 'two words'],
    comments: 'line one\nline two',
    photoDna: 'AAECAw==',
  },
  { md5: md5(2), vicsCategory: 0, ukCategory: 'N', mediaId: '18' },
  { sha1: sha1(3), mediaId: '19' },
  { pdq: pdq(4), mediaId: '20', ukCategory: 'C', vicsCategory: 1 },
];

describe('hash-set round trips: read(write(entries)) gives the same entries', () => {
  it('VICS JSON keeps every field', async () => {
    const text = await writeAll(vicsFormat, rich);
    expect(JSON.parse(text).value).toHaveLength(4);
    const back = await collect(vicsFormat, text);
    expect(issues(back)).toEqual([]);
    expect(entries(back)).toEqual(rich);
    // and once more: write → read → write is stable text
    expect(await writeAll(vicsFormat, entries(back))).toBe(text);
  });

  it('hash-list CSV keeps every field, with quotes, commas and line breaks inside fields', async () => {
    const csvRich = rich.map((e) => ({ ...e, tags: e.tags?.map((t) => t) }));
    const text = await writeAll(csvFormat, csvRich);
    const back = await collect(csvFormat, text, 5);
    expect(issues(back)).toEqual([]);
    expect(entries(back)).toEqual(
      csvRich.map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))),
    );
  });

  it('hashdeep keeps size, hashes and path (commas in the path included)', async () => {
    const list: HashSetEntry[] = [
      { size: 10, md5: md5(1), sha1: sha1(1), sha256: sha256(1), path: '/ex/a, b.jpg', name: 'a, b.jpg' },
      { size: 0, md5: md5(2), sha1: sha1(2), sha256: sha256(2), path: 'C:\\x\\y.png', name: 'y.png' },
    ];
    const back = await collect(hashdeepFormat, await writeAll(hashdeepFormat, list));
    expect(issues(back)).toEqual([]);
    expect(entries(back)).toEqual(list);
  });

  it('plain "hash  path" keeps the hash and path', async () => {
    const list: HashSetEntry[] = [
      { sha256: sha256(9), path: 'photos/x y.jpg', name: 'x y.jpg' },
      { md5: md5(8), path: 'b.png', name: 'b.png' },
      { sha1: sha1(7) },
    ];
    const back = await collect(plainFormat, await writeAll(plainFormat, list));
    expect(entries(back)).toEqual(list);
  });
});

describe('malformed hash sets: typed error per entry, the rest kept', () => {
  it('VICS: wrong types, missing hashes, wrong hex length, non-objects', async () => {
    const doc = {
      'odata.metadata': 'http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media',
      value: [
        { MediaID: 1, MD5: md5(1).toUpperCase(), Category: 1 },
        { MediaID: 2, MD5: 12345 },
        { MediaID: 3, Category: 2 },
        { MediaID: 4, MD5: 'abc' },
        { MediaID: 5, SHA1: sha1(5), Category: 'one', VictimIdentified: 'maybe' },
        'not a media object',
        { MediaID: 7, MediaFiles: [{ FileName: 'x.jpg', MD5: md5(7) }] },
        { MediaID: 8, MD5: 'zz'.repeat(16) },
        { MediaID: 9, AlternativeHashes: [{ HashName: 'PDQ', HashValue: pdq(9) }], Tags: 'a;b' },
      ],
    };
    const recs = await collect(vicsFormat, JSON.stringify(doc, null, 1), 13);
    expect(entries(recs).map((e) => e.mediaId)).toEqual(['1', '5', '7', '9']);
    expect(entries(recs)[2]).toMatchObject({ md5: md5(7), name: 'x.jpg' });
    expect(entries(recs)[3]).toMatchObject({ pdq: pdq(9), tags: ['a', 'b'] });
    const iss = issues(recs);
    expect(iss.every((i) => i.error.code === 'E_HASHSET_INVALID')).toBe(true);
    const rejected = iss.filter((i) => i.outcome === 'rejected').map((i) => [i.index, i.error.details?.field]);
    expect(rejected).toEqual([
      [1, 'MD5'],
      [2, 'hashes'],
      [3, 'MD5'],
      [5, 'entry'],
      [7, 'MD5'],
    ]);
    const dropped = iss.filter((i) => i.outcome === 'field-dropped').map((i) => i.error.details?.field);
    expect(dropped).toEqual(['Category', 'VictimIdentified']);
    expect(iss[2]!.error.message).toMatch(/3 hex digits; MD5 needs 32/);
  });

  it('VICS: a truncated file yields the entries before the damage, then one fatal issue', async () => {
    const text = JSON.stringify({ value: [{ MD5: md5(1) }, { MD5: md5(2) }, { MD5: md5(3) }] }).slice(0, -30);
    const recs = await collect(vicsFormat, text);
    expect(entries(recs)).toHaveLength(2);
    const last = recs[recs.length - 1]!;
    expect(last.kind === 'issue' && last.fatal).toBe(true);
  });

  it('VICS: syntax errors are reported with their position', async () => {
    const recs = await collect(vicsFormat, '{"value":[{"MD5":"' + md5(1) + '"},{"MD5" "x"}]}');
    expect(entries(recs)).toHaveLength(1);
    const i = issues(recs)[0]!;
    expect(i.fatal).toBe(true);
    expect(i.error.message).toMatch(/at byte \d+/);
  });

  it('VICS: records read in one chunk are parsed together, yet a malformed one is still named by its byte', async () => {
    const good = (n: number) => JSON.stringify({ MD5: md5(n), MediaFiles: [{ FileName: `bild-${n}-ü.jpg` }] });
    const text = `{"value":[${good(1)},${good(2)},{"MD5":"${md5(3)}" "x"},${good(4)}]}`;
    const recs = await collect(vicsFormat, text, text.length);
    expect(entries(recs).map((e) => e.name)).toEqual(['bild-1-ü.jpg', 'bild-2-ü.jpg']);
    const i = issues(recs)[0]!;
    expect(i.fatal).toBe(true);
    expect(i.error.details?.offset).toBe(Buffer.byteLength(`{"value":[${good(1)},${good(2)},`));
  });

  it('VICS: a set of thousands of records in large chunks reads the same as byte by byte', async () => {
    const list = Array.from({ length: 3000 }, (_, n) => ({
      MediaID: n + 1,
      MD5: md5(n),
      Category: n % 4,
      Tags: `s${n % 7};x`,
      MediaFiles: [{ FileName: `f${n}.jpg`, FilePath: 'C:\\a\\f.jpg' }],
    }));
    const text = JSON.stringify({ '@odata.context': 'x/Default/$metadata#Media', value: list }, null, 1);
    const big = await collect(vicsFormat, text, 1 << 20);
    const small = await collect(vicsFormat, text, 13);
    expect(entries(big)).toHaveLength(3000);
    expect(entries(big)).toEqual(entries(small));
  });

  it('CSV: bad hex, wrong field counts and unknown categories', async () => {
    const text = `MD5,SHA1,Category,Name\r\n${md5(1)},,A,one.jpg\r\nnothex,,B,two.jpg\r\n${md5(3)},,Q,three.jpg\r\n${md5(4)},,C\r\n,${sha1(5)},cat b,five.jpg\r\n`;
    const recs = await collect(csvFormat, text);
    expect(entries(recs).map((e) => [e.name, e.ukCategory])).toEqual([
      ['one.jpg', 'A'],
      ['three.jpg', undefined],
      ['five.jpg', 'B'],
    ]);
    expect(issues(recs).map((i) => [i.outcome, i.error.details?.field])).toEqual([
      ['rejected', 'MD5'],
      ['field-dropped', 'Category'],
      ['rejected', 'row'],
    ]);
    expect(issues(recs)[0]!.error.message).toContain('line 3');
  });

  it('plain: hex of the wrong length is rejected with its line number', async () => {
    const recs = await collect(plainFormat, `${md5(1)}  a.jpg\nabcdef  b.jpg\n# comment\n${sha256(3)} *c.jpg\n`);
    expect(entries(recs).map((e) => e.name)).toEqual(['a.jpg', 'c.jpg']);
    expect(issues(recs)[0]!.error.message).toMatch(/line 2: hash has 6 hex digits/);
  });

  it('hashdeep: a missing column line is fatal, a short line is one rejected entry', async () => {
    const ok = `%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n## x\n5,${md5(1)},a.jpg\n7\n9,${md5(3)},c,d.jpg\n`;
    const recs = await collect(hashdeepFormat, ok);
    expect(entries(recs).map((e) => e.path)).toEqual(['a.jpg', 'c,d.jpg']);
    expect(issues(recs)).toHaveLength(1);
    const bad = await collect(hashdeepFormat, `%%%% HASHDEEP-1.0\n5,${md5(1)},a.jpg\n`);
    expect(issues(bad)[0]!.fatal).toBe(true);
  });
});

describe('streaming: a large VICS set is never loaded whole', () => {
  it('reads ~60 MB of VICS JSON with bounded memory', async () => {
    const count = 200_000;
    const padding = 'x'.repeat(160);
    function* generate(): Generator<string> {
      yield '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media","value":[';
      for (let i = 0; i < count; i++) {
        yield `${i ? ',' : ''}{"MediaID":${i},"Category":1,"MD5":"${md5(i)}","SHA1":"${sha1(i)}","Comments":"${padding}","MediaFiles":[{"FileName":"f${i}.jpg"}]}`;
      }
      yield ']}';
    }
    const source = Readable.from(
      (function* () {
        let batch = '';
        for (const s of generate()) {
          batch += s;
          if (batch.length > 1 << 16) {
            yield Buffer.from(batch);
            batch = '';
          }
        }
        yield Buffer.from(batch);
      })(),
    );
    // What the reader retains, not what garbage the collector has yet to sweep: heapUsed between
    // collections depends on when the collector runs, which a loaded machine changes (once 47 MB at
    // load 8, while the reader retained a few). So collect before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    let peak = 0;
    for await (const r of vicsFormat.read(source)) {
      if (r.kind === 'entry') n++;
      if (r.kind === 'entry' && (n & 0x3fff) === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(n).toBe(count);
    // The document is ~60 MB; holding it (or all entries) would retain far more than this.
    expect(peak).toBeLessThan(16 * 1024 * 1024);
  });

  it('an oversized single entry is refused, not buffered without limit', async () => {
    const huge = '{"value":[{"MD5":"' + md5(1) + '","Comments":"' + 'y'.repeat(5000) + '"}]}';
    const scanner = new VicsScanner({ maxEntryBytes: 1000 });
    const bytes = Buffer.from(huge);
    expect(() => {
      for (let i = 0; i < bytes.length; i += 100) scanner.push(bytes.subarray(i, i + 100));
    }).toThrow(expect.objectContaining({ code: 'E_INPUT_TOO_LARGE' }));
  });
});
