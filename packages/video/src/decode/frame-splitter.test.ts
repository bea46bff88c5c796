import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../ffmpeg/resolve.ts';
import { PngStreamSplitter, RawFrameHasher, RawFrameSplitter, measureRawFrameSize, rawFrameSize } from './frame-splitter.ts';

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function fakePng(body: number): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  return Buffer.concat([sig, chunk('IHDR', Buffer.alloc(13, 1)), chunk('IDAT', Buffer.alloc(body, body & 0xff)), chunk('IEND', Buffer.alloc(0))]);
}

describe('frame splitters', () => {
  it('cuts back-to-back PNGs at IEND whatever the pipe chunking', () => {
    const pngs = [fakePng(10), fakePng(70_000), fakePng(3)];
    const stream = Buffer.concat(pngs);
    for (const size of [1, 7, 4096, 65_536, stream.length]) {
      const s = new PngStreamSplitter();
      const got = chunked(stream, size).flatMap((c) => s.push(c));
      expect(got.map((b) => b.toString('hex'))).toEqual(pngs.map((b) => b.toString('hex')));
      expect(s.leftover).toBe(0);
      // A frame-sized image owns all of its memory, so the blob writer can move it to its thread without a copy.
      expect([got[1]!.byteOffset, got[1]!.buffer.byteLength]).toEqual([0, pngs[1]!.length]);
    }
  });

  it('cuts raw frames and hashes them as they stream, equal to hashing whole frames', () => {
    const frames = [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2), Buffer.alloc(1000, 3)];
    const stream = Buffer.concat(frames);
    for (const size of [1, 333, 1000, 4096]) {
      const split = new RawFrameSplitter(1000);
      const hash = new RawFrameHasher(1000);
      expect(chunked(stream, size).flatMap((c) => split.push(c))).toEqual(frames);
      expect(chunked(stream, size).flatMap((c) => hash.push(c))).toEqual(frames.map((f) => createHash('sha256').update(f).digest('hex')));
    }
  });

  it('knows the raw frame size of common formats exactly as ffmpeg lays them out', () => {
    const ffmpeg = resolveFfmpeg().path;
    for (const [fmt, w, h] of [['yuv420p', 321, 241], ['yuvj420p', 320, 240], ['yuv422p10le', 33, 17], ['yuv444p', 7, 5], ['gray', 9, 3], ['rgb24', 5, 5]] as const) {
      const known = rawFrameSize(ffmpeg, fmt, w, h);
      const measured = measureRawFrameSize(ffmpeg, fmt, w, h);
      expect(known).toBe(measured);
      expect(known).toBeGreaterThan(0);
    }
  });
});
