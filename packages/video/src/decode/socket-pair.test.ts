import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { localSocketPair } from './socket-pair.ts';

describe('local socket pair', () => {
  it.skipIf(process.platform === 'win32')(
    "delivers a child's output through one reused buffer and ends when the child exits",
    async () => {
      const hash = createHash('sha256');
      let total = 0;
      const buffer = Buffer.alloc(4096);
      const seen = new Set<ArrayBufferLike>();
      const pair = await localSocketPair(buffer, (n, buf) => {
        seen.add(buf.buffer);
        hash.update(buf.subarray(0, n));
        total += n;
      });
      expect(pair).not.toBeNull();
      const { near, far } = pair!;
      // 300 000 bytes of a known pattern, written by the child to its descriptor 3. The socket is
      // non-blocking (its flags are shared with our end), so a write may be partial or refused with
      // EAGAIN until we have read: the child keeps writing until all is out, as ffmpeg's I/O layer does.
      const script =
        "const fs = require('fs'); const b = Buffer.alloc(300000); for (let i = 0; i < b.length; i++) b[i] = i % 251;" +
        " for (let o = 0; o < b.length; ) { try { o += fs.writeSync(3, b, o); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }";
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', far] });
      // Both ends are awaited from the start: the child may well close before our socket does.
      const ended = Promise.all([
        new Promise((resolve) => near.once('close', resolve)),
        new Promise((resolve) => child.once('close', resolve)),
      ]);
      far.destroy();
      await ended;
      const expected = Buffer.alloc(300000);
      for (let i = 0; i < expected.length; i++) expected[i] = i % 251;
      expect(total).toBe(expected.length);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
      expect([...seen]).toEqual([buffer.buffer]);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'pauses when onRead returns false and loses nothing when resumed',
    async () => {
      const hash = createHash('sha256');
      let total = 0;
      let pauses = 0;
      const buffer = Buffer.alloc(4096);
      let near: import('node:net').Socket | undefined;
      const pair = await localSocketPair(buffer, (n, buf) => {
        hash.update(buf.subarray(0, n));
        total += n;
        // Hold the child back every 50 reads for a moment, as a consumer waiting on its disk would.
        if (total % (50 * 4096) >= 4096) return true;
        pauses++;
        setTimeout(() => near!.resume(), 5);
        return false;
      });
      near = pair!.near;
      const script =
        "const fs = require('fs'); const b = Buffer.alloc(1000000); for (let i = 0; i < b.length; i++) b[i] = i % 253;" +
        " for (let o = 0; o < b.length; ) { try { o += fs.writeSync(3, b, o); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }";
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', pair!.far] });
      const ended = Promise.all([
        new Promise((resolve) => near!.once('close', resolve)),
        new Promise((resolve) => child.once('close', resolve)),
      ]);
      pair!.far.destroy();
      await ended;
      const expected = Buffer.alloc(1000000);
      for (let i = 0; i < expected.length; i++) expected[i] = i % 253;
      expect(total).toBe(expected.length);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
      expect(pauses).toBeGreaterThan(0);
    },
  );
});
