import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '@vestige/ffmpeg';
import {
  PngStreamCutter,
  RawFrameHasher,
  RawFrameSplitter,
  measureRawFrameSize,
  rawFrameSize,
} from './frame-splitter.ts';

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
  return Buffer.concat([
    sig,
    chunk('IHDR', Buffer.alloc(13, 1)),
    chunk('IDAT', Buffer.alloc(body, body & 0xff)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('frame splitters', () => {
  it('cuts back-to-back PNGs at IEND whatever the pipe chunking, holding no image', () => {
    const pngs = [fakePng(10), fakePng(70_000), fakePng(3)];
    const stream = Buffer.concat(pngs);
    for (const size of [1, 7, 4096, 65_536, stream.length]) {
      const got: Buffer[][] = [];
      const ended: number[] = [];
      const cutter = new PngStreamCutter(() => {
        const pieces: Buffer[] = [];
        got.push(pieces);
        // The pieces are views of the caller's buffer, valid only during the call: copy them to check them later.
        return {
          write: (b) => void pieces.push(Buffer.from(b)),
          end: () => void ended.push(got.length - 1),
          abort: () => expect.unreachable(),
        };
      });
      let total = 0;
      for (const c of chunked(stream, size)) total += cutter.push(c).ended;
      cutter.close();
      expect(total).toBe(3);
      expect(ended).toEqual([0, 1, 2]);
      expect(got.map((p) => Buffer.concat(p).toString('hex'))).toEqual(pngs.map((b) => b.toString('hex')));
      expect(cutter.leftover).toBe(0);
      // Pieces follow the reads: one per read (two where an image ends inside one), never one per PNG chunk.
      expect(got.flat().length).toBeLessThanOrEqual(Math.ceil(stream.length / size) + pngs.length);
    }
  });

  it('drops an image the stream ends inside, and refuses bytes that are not PNG', () => {
    const png = fakePng(100);
    const aborted: number[] = [];
    let opened = 0;
    const cutter = new PngStreamCutter(() => {
      const k = opened++;
      return { write: () => undefined, end: () => undefined, abort: () => void aborted.push(k) };
    });
    expect(cutter.push(Buffer.concat([png, png.subarray(0, 50)])).ended).toBe(1);
    expect(cutter.leftover).toBe(50);
    cutter.close();
    expect(aborted).toEqual([1]);
    const bad = new PngStreamCutter(() => ({ write: () => undefined, end: () => undefined, abort: () => undefined }));
    expect(() => bad.push(Buffer.from('GIF89a......'))).toThrow(/not a PNG stream/);
  });

  it("passes on the promises units' end() return, so the stream can wait for its consumer", async () => {
    const png = fakePng(5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const cutter = new PngStreamCutter(() => ({ write: () => undefined, end: () => held, abort: () => undefined }));
    const { ended, holds } = cutter.push(Buffer.concat([png, png]));
    expect(ended).toBe(2);
    expect(holds).toHaveLength(2);
    release();
    await Promise.all(holds!);
  });

  it('cuts raw frames and hashes them as they stream, equal to hashing whole frames', () => {
    const frames = [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2), Buffer.alloc(1000, 3)];
    const stream = Buffer.concat(frames);
    for (const size of [1, 333, 1000, 4096]) {
      const split = new RawFrameSplitter(1000);
      const hash = new RawFrameHasher(1000);
      expect(chunked(stream, size).flatMap((c) => split.push(c))).toEqual(frames);
      expect(chunked(stream, size).flatMap((c) => hash.push(c))).toEqual(
        frames.map((f) => createHash('sha256').update(f).digest('hex')),
      );
    }
  });

  it('knows the raw frame size of common formats exactly as ffmpeg lays them out', () => {
    const ffmpeg = resolveFfmpeg().path;
    for (const [fmt, w, h] of [
      ['yuv420p', 321, 241],
      ['yuvj420p', 320, 240],
      ['yuv422p10le', 33, 17],
      ['yuv444p', 7, 5],
      ['gray', 9, 3],
      ['rgb24', 5, 5],
    ] as const) {
      const known = rawFrameSize(ffmpeg, fmt, w, h);
      const measured = measureRawFrameSize(ffmpeg, fmt, w, h);
      expect(known).toBe(measured);
      expect(known).toBeGreaterThan(0);
    }
  });
});
