import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from './case-store.ts';
import { digestBuffer } from './digests.ts';
import { ingest } from './ingest.ts';
import { makeTempDir } from './test-support.ts';
import { verifyCase } from './verify.ts';
import { isVestigeError } from './errors.ts';

let dir: string;
let store: CaseStore;

beforeEach(() => {
  dir = makeTempDir();
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1234' });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, data: string | Buffer): string {
  const p = join(dir, 'src', rel);
  fs.mkdirSync(join(p, '..'), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}

describe('ingest', () => {
  it('stores each content once with MD5, SHA-1 and SHA-256 and records every source', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    write('a.bin', big);
    write('nested/deeper/copy-of-a.bin', big);
    write('b.txt', 'exhibit text');
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.filesSeen).toBe(3);
    expect(report.itemsAdded).toBe(2);
    expect(report.duplicates).toBe(1);
    const expected = digestBuffer(big);
    const item = store.itemsBySha256(expected.sha256)[0]!;
    expect(item).toMatchObject({ md5: expected.md5, sha1: expected.sha1, size: big.length, kind: 'original' });
    expect(store.sources(item.id).map((s) => s.path.slice(dir.length))).toEqual([
      '/src/a.bin',
      '/src/nested/deeper/copy-of-a.bin',
    ]);
    // Stored read-only, byte-identical, at its content address.
    const blobPath = store.blobs.pathOf(expected.sha256);
    expect(fs.statSync(blobPath).mode & 0o222).toBe(0);
    expect(fs.readFileSync(blobPath).equals(big)).toBe(true);
    expect(fs.readdirSync(store.blobs.tmpDir)).toEqual([]);
    // Originals untouched.
    expect(fs.readFileSync(join(dir, 'src', 'a.bin')).equals(big)).toBe(true);
    expect((await verifyCase(store)).ok).toBe(true);
  });

  it('re-ingesting the same tree adds nothing and says so', async () => {
    write('a.txt', 'one');
    await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    const again = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(again.itemsAdded).toBe(0);
    expect(again.alreadyRecorded).toBe(1);
    expect(store.itemCount()).toBe(1);
  });

  it('gives item ids in walk order whatever finishes hashing first', async () => {
    write('1-large.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    for (let i = 0; i < 20; i++) write(`2-small-${String(i).padStart(2, '0')}.txt`, `small ${i}`);
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.files[0]!.path.endsWith('1-large.bin')).toBe(true);
    expect(report.files[0]!.itemId).toBe('I-000001');
    expect(report.files.map((f) => f.itemId)).toEqual(
      report.files.map((_, i) => `I-${String(i + 1).padStart(6, '0')}`),
    );
  });

  it('records symlinks without following them out of the tree, and reports loops', async () => {
    write('inside.txt', 'x');
    const outside = join(dir, 'outside-secret.txt');
    fs.writeFileSync(outside, 'must not be ingested');
    fs.symlinkSync(outside, join(dir, 'src', 'link-out'));
    fs.symlinkSync('inside.txt', join(dir, 'src', 'link-in'));
    fs.symlinkSync('loop-b', join(dir, 'src', 'loop-a'));
    fs.symlinkSync('loop-a', join(dir, 'src', 'loop-b'));
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.itemsAdded).toBe(1);
    expect(store.itemsBySha256(digestBuffer(Buffer.from('must not be ingested')).sha256)).toEqual([]);
    const links = Object.fromEntries(report.symlinks.map((s) => [s.path.split('/').pop(), s.resolvesInside]));
    expect(links).toEqual({ 'link-in': true, 'link-out': false, 'loop-a': false, 'loop-b': false });
    expect(report.warnings.filter((w) => w.code === 'E_SYMLINK_LOOP')).toHaveLength(2);
    expect(store.symlinks()).toHaveLength(4);
  });

  it('rejects a symlink loop named as an input, and a path that does not exist, and goes on', async () => {
    write('good.txt', 'good');
    fs.symlinkSync('self-loop', join(dir, 'self-loop'));
    const report = await ingest(store, [join(dir, 'self-loop'), join(dir, 'nope'), join(dir, 'src')], {
      operator: 'PC 1234',
    });
    expect(report.rejected.map((r) => r.code).sort()).toEqual(['E_INPUT_NOT_FOUND', 'E_SYMLINK_LOOP']);
    expect(report.itemsAdded).toBe(1);
  });

  it('rejects empty files, pipes and devices with clear messages and keeps the rest', async () => {
    write('empty.dat', '');
    write('fine.txt', 'fine');
    spawnSync('mkfifo', [join(dir, 'src', 'a-pipe')]);
    const report = await ingest(store, [join(dir, 'src'), '/dev/null'], { operator: 'PC 1234' });
    const codes = Object.fromEntries(report.rejected.map((r) => [r.path.split('/').pop(), r.code]));
    expect(codes).toEqual({ 'empty.dat': 'E_INPUT_EMPTY', 'a-pipe': 'E_INPUT_NOT_FILE', null: 'E_INPUT_NOT_FILE' });
    for (const r of report.rejected) expect(r.message).toContain(r.path);
    expect(report.itemsAdded).toBe(1);
    // The rejections are part of the record too.
    const events = [...store.custody.events()].filter((e) => e.action === 'input.rejected');
    expect(events).toHaveLength(3);
  });

  it('stores files whose names are not valid UTF-8, keeping the raw name bytes, with a warning', async () => {
    fs.mkdirSync(join(dir, 'src'));
    const rawName = Buffer.concat([
      Buffer.from(join(dir, 'src') + '/photo-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.jpg'),
    ]);
    fs.writeFileSync(rawName, 'bytes behind a bad name');
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.itemsAdded).toBe(1);
    expect(report.warnings).toEqual([expect.objectContaining({ code: 'E_INPUT_BAD_NAME' })]);
    expect(report.files[0]!.path).toContain('photo-\\xff\\xfe.jpg');
    const row = store.database.prepare('SELECT path_bytes_hex FROM sources').get() as { path_bytes_hex: string };
    expect(Buffer.from(row.path_bytes_hex, 'hex').equals(rawName)).toBe(true);
  });

  it('refuses a file that shrinks or vanishes between listing and reading, and keeps the others', async () => {
    write('stable.txt', 'stable');
    const shrinking = write('shrinking.bin', Buffer.alloc(100_000, 1));
    const vanishing = write('vanishing.bin', Buffer.alloc(1000, 2));
    let acted = false;
    const report = await ingest(store, [join(dir, 'src')], {
      operator: 'PC 1234',
      onProgress: (p) => {
        // Called after the folder has been listed, before any file is read.
        if (p.phase === 'storing' && !acted) {
          acted = true;
          fs.truncateSync(shrinking, 10);
          fs.rmSync(vanishing);
        }
      },
    });
    const codes = Object.fromEntries(report.rejected.map((r) => [r.path.split('/').pop(), r.code]));
    expect(codes).toEqual({ 'shrinking.bin': 'E_INPUT_CHANGED', 'vanishing.bin': 'E_INPUT_MISSING' });
    expect(report.itemsAdded).toBe(1);
    expect(fs.readdirSync(store.blobs.tmpDir)).toEqual([]);
    expect((await verifyCase(store)).ok).toBe(true);
  });

  it('refuses a second ingest on the same case while one is running', async () => {
    write('a.bin', Buffer.alloc(1024));
    const lock = store.lock('ingest');
    try {
      await expect(ingest(store, [join(dir, 'src')], { operator: 'PC 1234' })).rejects.toSatisfy(
        (e: unknown) => isVestigeError(e, 'E_CASE_LOCKED') && /busy/.test((e as Error).message),
      );
    } finally {
      lock.release();
    }
    const ok = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(ok.itemsAdded).toBe(1);
  });

  it('takes over a lock left by a killed process', async () => {
    write('a.bin', 'x');
    fs.writeFileSync(
      join(store.dir, 'case.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), purpose: 'ingest', since: '2026-01-01T00:00:00Z' }),
    );
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.itemsAdded).toBe(1);
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    write('a.bin', 'x');
    // Our own pid is alive, but the lock says its holder started at another time: the pid was reused.
    fs.writeFileSync(
      join(store.dir, 'case.lock'),
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        purpose: 'ingest',
        since: '2026-01-01T00:00:00Z',
        processStart: '1',
      }),
    );
    const report = await ingest(store, [join(dir, 'src')], { operator: 'PC 1234' });
    expect(report.itemsAdded).toBe(1);
    // The same pid with the matching start time is the live holder: still busy.
    const held = store.lock('ingest');
    try {
      const written = JSON.parse(fs.readFileSync(join(store.dir, 'case.lock'), 'utf8')) as { processStart?: string };
      if (process.platform === 'linux') expect(written.processStart).toMatch(/^\d+$/);
      await expect(ingest(store, [join(dir, 'src')], { operator: 'PC 1234' })).rejects.toSatisfy((e: unknown) =>
        isVestigeError(e, 'E_CASE_LOCKED'),
      );
    } finally {
      held.release();
    }
  });

  it('never shows an empty lock, and tidies the draft a killed process left', async () => {
    write('a.bin', 'x');
    // What a kill between writing the draft and linking it leaves behind.
    const leftover = join(store.dir, `case.lock.${2 ** 22 + 12345}.draft`);
    fs.writeFileSync(leftover, '{"pid":');
    const lock = store.lock('test');
    try {
      expect(JSON.parse(fs.readFileSync(join(store.dir, 'case.lock'), 'utf8'))).toMatchObject({
        pid: process.pid,
        purpose: 'test',
      });
      expect(fs.existsSync(leftover)).toBe(false);
      expect(fs.readdirSync(store.dir).filter((n) => n.endsWith('.draft'))).toEqual([]);
    } finally {
      lock.release();
    }
  });

  it('refuses to open a folder that is not a case', () => {
    fs.mkdirSync(join(dir, 'not-a-case'));
    expect(() => CaseStore.open(join(dir, 'not-a-case'))).toThrow(expect.objectContaining({ code: 'E_NOT_A_CASE' }));
  });
});
