import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from './case-store.ts';
import { digestBuffer } from './digests.ts';
import { StreamedBlobSink } from './streamed-blobs.ts';
import { isVestigeError } from './errors.ts';
import { makeTempDir } from './test-support.ts';

let dir: string;
let store: CaseStore;

beforeEach(() => {
  dir = makeTempDir();
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tempFiles = (): string[] => (fs.existsSync(store.blobs.tmpDir) ? fs.readdirSync(store.blobs.tmpDir) : []);

describe('StreamedBlobSink', () => {
  it('stores blobs written piece by piece from one reused buffer, with the digests of their bytes', async () => {
    const sink = new StreamedBlobSink(store.blobs, { maxFlushing: 2 });
    const blobs = [Buffer.alloc(100_000, 7), Buffer.from('second blob'), Buffer.alloc(100_000, 7)];
    const reused = Buffer.alloc(4096);
    const stored = [];
    for (const bytes of blobs) {
      const blob = sink.begin();
      for (let o = 0; o < bytes.length; o += reused.length) {
        const n = bytes.copy(reused, 0, o, o + reused.length);
        blob.write(reused.subarray(0, n));
        reused.fill(0xee); // the sink must not have kept a reference to the caller's bytes
      }
      stored.push(blob.end());
      await sink.backlog();
    }
    await sink.drain();
    const digests = await Promise.all(stored);
    expect(digests).toEqual(blobs.map((b) => digestBuffer(b)));
    for (const [i, d] of digests.entries()) {
      expect(store.blobs.has(d.sha256)).toBe(true);
      expect(
        createHash('sha256')
          .update(fs.readFileSync(store.blobs.pathOf(d.sha256)))
          .digest('hex'),
      ).toBe(createHash('sha256').update(blobs[i]!).digest('hex'));
      expect(fs.statSync(store.blobs.pathOf(d.sha256)).mode & 0o222).toBe(0);
    }
    // The duplicate landed on the existing blob; no temp file is left behind.
    expect(tempFiles()).toEqual([]);
  });

  it('bounds the flushes in flight: backlog() waits while the limit is reached', async () => {
    const sink = new StreamedBlobSink(store.blobs, { maxFlushing: 1 });
    const a = sink.begin();
    a.write(Buffer.from('a'));
    const storedA = a.end();
    const wait = sink.backlog();
    expect(wait).not.toBeNull();
    await wait;
    await storedA;
    expect(sink.backlog()).toBeNull();
    await sink.drain();
  });

  it('leaves no temp file when blobs are aborted or the work is abandoned', async () => {
    const sink = new StreamedBlobSink(store.blobs);
    const aborted = sink.begin();
    aborted.write(Buffer.from('half a frame'));
    aborted.abort();
    const unfinished = sink.begin();
    unfinished.write(Buffer.from('the decoder failed here'));
    const done = sink.begin();
    done.write(Buffer.from('complete'));
    const stored = done.end();
    await sink.abandon();
    expect(tempFiles()).toEqual([]);
    expect(store.blobs.has((await stored).sha256)).toBe(true);
    expect(() => aborted.write(Buffer.from('x'))).toThrow();
    // The unfinished blob's descriptor is closed by abandon(): writing to it now fails instead of leaking.
    expect(() => unfinished.write(Buffer.from('x'))).toThrow();
  });

  it('a case that cannot be written gives a typed E_CASE_WRITE error, and the sink refuses further blobs', async () => {
    const sink = new StreamedBlobSink(store.blobs);
    const first = sink.begin();
    first.write(Buffer.from('kept'));
    await first.end();
    // The temp folder turned into a file: the next blob cannot be created (root ignores permissions, so no chmod).
    fs.rmSync(store.blobs.tmpDir, { recursive: true, force: true });
    fs.writeFileSync(store.blobs.tmpDir, 'not a folder');
    let caught: unknown;
    try {
      sink.begin();
    } catch (err) {
      caught = err;
    }
    expect(isVestigeError(caught, 'E_CASE_WRITE')).toBe(true);
    expect(() => sink.backlog()).toThrow(/could not write into the case/);
    await expect(sink.drain()).rejects.toSatisfy((e: unknown) => isVestigeError(e, 'E_CASE_WRITE'));
    fs.rmSync(store.blobs.tmpDir);
  });
});
