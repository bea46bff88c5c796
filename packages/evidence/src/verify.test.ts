import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from './case-store.ts';
import { exportBundle } from './export-bundle.ts';
import { verifyBundle } from './verify-bundle.ts';
import { ingest } from './ingest.ts';
import { makeTempDir } from './test-support.ts';
import { verifyCase } from './verify.ts';

let dir: string;
let store: CaseStore;

beforeEach(async () => {
  dir = makeTempDir();
  fs.mkdirSync(join(dir, 'src'));
  for (let i = 0; i < 6; i++) fs.writeFileSync(join(dir, 'src', `f${i}.bin`), Buffer.alloc(20_000 + i, i + 1));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  await ingest(store, [join(dir, 'src')], { operator: 'PC 1' });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Blobs are read-only: tampering needs a chmod first, as it would for a person. */
function flipByte(path: string, offset: number): void {
  fs.chmodSync(path, 0o644);
  const buf = fs.readFileSync(path);
  buf[offset] = buf[offset]! ^ 0x01;
  fs.writeFileSync(path, buf);
}

describe('verify', () => {
  it('finds one flipped byte in any blob, naming the item', async () => {
    for (const item of store.items()) {
      const path = store.blobs.pathOf(item.sha256);
      const offset = item.size - 1 - (Number.parseInt(item.sha256.slice(0, 4), 16) % 1000);
      flipByte(path, offset);
      const report = await verifyCase(store);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.objectContaining({ kind: 'blob-modified', subject: item.id })]);
      flipByte(path, offset);
    }
    expect((await verifyCase(store)).ok).toBe(true);
  });

  it('finds a removed blob file', async () => {
    const item = store.items()[2]!;
    fs.rmSync(store.blobs.pathOf(item.sha256));
    const report = await verifyCase(store);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'blob-missing', subject: item.id })]);
  });

  it('refuses to hand out a changed blob on read', async () => {
    const item = store.items()[0]!;
    flipByte(store.blobs.pathOf(item.sha256), 5);
    await expect(store.blobs.read(item.sha256)).rejects.toMatchObject({ code: 'E_BLOB_CORRUPT' });
    const chunks: Buffer[] = [];
    await expect(
      new Promise((resolve, reject) => {
        const s = store.blobs.openVerified(item.sha256);
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', resolve);
        s.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'E_BLOB_CORRUPT' });
  });

  it('checks derivation provenance against the custody log', async () => {
    const source = store.items()[0]!;
    const digests = await store.blobs.putBuffer(Buffer.from('derived output'));
    const { provenance } = store.recordDerivation({
      activity: 'test.copy',
      inputs: [{ sha256: source.sha256, itemId: source.id, role: 'source' }],
      steps: [{ operation: 'test.copy', version: '1', parameters: { x: 1 } }],
      outputs: [{ digests, name: 'out.txt', mediaType: 'text/plain' }],
      operator: 'PC 1',
      startedAt: new Date(0),
      finishedAt: new Date(1000),
    });
    expect((await verifyCase(store)).ok).toBe(true);
    store.database
      .prepare('UPDATE provenance SET record = replace(record, \'"x":1\', \'"x":2\') WHERE id = ?')
      .run(provenance.id);
    const report = await verifyCase(store);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: 'provenance-modified', subject: provenance.id }),
    );
  });
});

describe('export bundle', () => {
  it('exports items with lineage and verifies on its own; detects tampering in the bundle', async () => {
    const source = store.items()[1]!;
    const digests = await store.blobs.putBuffer(Buffer.from('enhanced still'));
    const { items } = store.recordDerivation({
      activity: 'test.enhance',
      inputs: [{ sha256: source.sha256, itemId: source.id }],
      steps: [{ operation: 'test.levels', version: '1', parameters: { black: 10 } }],
      outputs: [{ digests, name: 'still.png', mediaType: 'image/png' }],
      operator: 'PC 1',
      startedAt: new Date(0),
      finishedAt: new Date(1),
    });
    const out = join(dir, 'bundle');
    const report = await exportBundle(store, { itemIds: [items[0]!.id], out, operator: 'PC 1' });
    expect(report.items).toBe(2); // the derived still and the original it came from
    const manifest = JSON.parse(fs.readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.items.map((i: { id: string; included: string }) => [i.id, i.included])).toEqual([
      [items[0]!.id, 'requested'],
      [source.id, 'lineage'],
    ]);
    expect(manifest.provenance).toHaveLength(1);
    expect((await verifyBundle(out)).ok).toBe(true);

    // The bundle is checkable with coreutils too.
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out }).toString()).toBe('');

    const blob = join(out, 'blobs', source.sha256);
    flipByte(blob, 3);
    const tampered = await verifyBundle(out);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toContainEqual(expect.objectContaining({ subject: source.id, kind: 'blob-modified' }));
    flipByte(blob, 3);

    const excerptPath = join(out, 'custody-excerpt.jsonl');
    const lines = fs.readFileSync(excerptPath, 'utf8').trim().split('\n');
    const edited = JSON.parse(lines[1]!);
    edited.operator = 'Someone else';
    lines[1] = JSON.stringify(edited);
    fs.writeFileSync(excerptPath, lines.join('\n') + '\n');
    const edit = await verifyBundle(out);
    expect(edit.problems).toContainEqual(
      expect.objectContaining({ kind: 'custody-edited', subject: `event ${edited.seq}` }),
    );
  });

  it('says clearly when a folder is not a bundle', async () => {
    await expect(verifyBundle(join(dir, 'src'))).rejects.toMatchObject({ code: 'E_BUNDLE_INVALID' });
  });
});
