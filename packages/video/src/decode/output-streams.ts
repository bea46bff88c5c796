/**
 * The outputs of one decode, from ffmpeg's descriptors to their consumers: which descriptor each output is
 * written to (a socket pair where the platform allows, a pipe otherwise), its `-map … pipe:N` arguments,
 * and how its bytes are taken apart — whole raw frames, raw frames hashed as they stream, or PNGs cut apart
 * as they stream — with back-pressure: reading stops (ffmpeg then blocks on a full pipe or socket) while
 * a consumer holds it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { passthroughArgs, type FfmpegFeatures } from '@vestige/ffmpeg';
import { PngStreamCutter, RawFrameHasher, RawFrameSplitter, rawFrameSize } from './frame-splitter.ts';
import type { DecodeOutput, DecodeStream } from './session.ts';
import { localSocketPair } from './socket-pair.ts';

/**
 * Read size for outputs taken through a socket pair: one buffer this size per output, reused, stays in the CPU cache.
 */
const STREAM_READ_BYTES = 64 * 1024;

/**
 * The child's descriptors that can carry a socket pair's far end. Such a socket shares its non-blocking flag with our
 * end, and libuv makes only descriptors 0-2 of a child blocking again; on a non-blocking descriptor ffmpeg meets
 * EAGAIN and sleeps a millisecond at a time. Descriptor 2 carries the log, and with -nostdin ffmpeg never reads
 * descriptor 0, so 1 and 0 are free to write to (a socket is both readable and writable).
 */
const SOCKET_FDS = [1, 0] as const;

type Reader =
  | { kind: 'frames'; splitter: RawFrameSplitter }
  | { kind: 'hash'; hasher: RawFrameHasher }
  | { kind: 'png'; cutter: PngStreamCutter };

export class OutputStreams {
  /** Units delivered per output. */
  readonly units: number[];
  /** The child's stdio: descriptor 2 is the log; outputs take 1, 0 and then 3, 4 … */
  readonly stdio: Array<'ignore' | 'pipe' | Socket> = ['ignore', 'ignore', 'pipe'];
  private readonly readers: Array<Reader | null>;
  private readonly fds: number[] = [];
  private readonly sinks = new Map<number, Socket>();

  constructor(
    private readonly outputs: readonly DecodeOutput[],
    stream: DecodeStream,
    ffmpegPath: string,
  ) {
    this.units = outputs.map(() => 0);
    this.readers = outputs.map((out) => {
      if (out.kind === 'null') return null;
      if (out.kind === 'png') {
        if (!out.openUnit) throw new Error('a PNG output needs openUnit');
        return { kind: 'png', cutter: new PngStreamCutter(out.openUnit) };
      }
      const size = rawFrameSize(ffmpegPath, out.pixFmt ?? stream.pixFmt, stream.width, stream.height);
      return out.onDigest && !out.onUnit
        ? { kind: 'hash', hasher: new RawFrameHasher(size) }
        : { kind: 'frames', splitter: new RawFrameSplitter(size) };
    });
  }

  /**
   * Passes bytes of streamed output `i` on; they are not kept, so `chunk` may be a reused buffer. Returns what the
   * consumers asked the stream to wait for, if anything.
   */
  private feed(i: number, chunk: Buffer): Promise<unknown> | null {
    const reader = this.readers[i]!;
    if (reader.kind === 'hash') {
      for (const digest of reader.hasher.push(chunk)) {
        const k = this.units[i]!;
        this.units[i] = k + 1;
        this.outputs[i]!.onDigest?.(digest, k);
      }
      return null;
    }
    if (reader.kind !== 'png') throw new Error('whole raw frames are not streamed');
    const { ended, holds } = reader.cutter.push(chunk);
    this.units[i]! += ended;
    return holds ? Promise.all(holds) : null;
  }

  /**
   * Feeds a chunk from `stream` and applies what the consumer asks: reading stops until its hold settles, and a
   * failure ends the stream with that error. Returns false when paused.
   */
  private deliver(i: number, chunk: Buffer, stream: Readable): boolean {
    try {
      const hold = this.feed(i, chunk);
      if (!hold) return true;
      stream.pause();
      hold.then(
        () => stream.resume(),
        (err: unknown) => stream.destroy(err as Error),
      );
    } catch (err) {
      stream.destroy(err as Error);
    }
    return false;
  }

  /**
   * Streamed outputs read through a local socket pair into one reused buffer, on descriptors 1 and 0, as long
   * as those last; the rest (and whole raw frames) use pipes.
   */
  async attachSocketPairs(): Promise<void> {
    const free: number[] = [...SOCKET_FDS];
    for (const [i, reader] of this.readers.entries()) {
      if (!reader || reader.kind === 'frames' || free.length === 0) continue;
      let near!: Socket;
      const buffer = Buffer.allocUnsafe(STREAM_READ_BYTES);
      // A read fills `n` bytes of the one buffer; the views of its first `n` bytes are kept for reuse, since reads
      // come in a few sizes and a new view per read would be most of what this loop allocates.
      const views = new Map<number, Buffer>([[buffer.length, buffer]]);
      const onRead = (n: number): boolean => {
        let view = views.get(n);
        if (!view) {
          if (views.size >= 64) views.clear();
          views.set(n, (view = buffer.subarray(0, n)));
        }
        return this.deliver(i, view, near);
      };
      const pair = await localSocketPair(buffer, onRead).catch(() => null);
      if (!pair) break;
      near = pair.near;
      const fd = free.shift()!;
      this.fds[i] = fd;
      this.sinks.set(i, pair.near);
      this.stdio[fd] = pair.far;
    }
  }

  /** `-map [label] … pipe:N` for every output, giving pipes to those without a socket. */
  outputArgs(
    labels: readonly string[],
    stream: DecodeStream,
    features: FfmpegFeatures,
    defaultPngArgs: readonly string[],
  ): string[] {
    const args: string[] = [];
    let nextPipeFd = 3;
    this.outputs.forEach((out, i) => {
      args.push('-map', `[${labels[i]}]`, ...passthroughArgs(features));
      if (out.kind === 'null') {
        args.push('-f', 'null', '-');
        return;
      }
      let fd = this.fds[i];
      if (fd === undefined) {
        fd = this.stdio[1] === 'ignore' ? 1 : nextPipeFd++;
        this.fds[i] = fd;
        while (this.stdio.length <= fd) this.stdio.push('ignore');
        this.stdio[fd] = 'pipe';
      }
      if (out.kind === 'raw')
        args.push('-c:v', 'rawvideo', '-pix_fmt', out.pixFmt ?? stream.pixFmt, '-f', 'rawvideo', `pipe:${fd}`);
      else
        args.push(
          '-c:v',
          'png',
          ...(out.pixFmt ? ['-pix_fmt', out.pixFmt] : []),
          ...(out.encoderArgs ?? defaultPngArgs),
          '-f',
          'image2pipe',
          `pipe:${fd}`,
        );
    });
    // A stdout that nobody maps must still be opened for ffmpeg's `-f null -`; it writes nothing there.
    if (this.stdio[1] === 'ignore') this.stdio[1] = 'pipe';
    return args;
  }

  /**
   * Once ffmpeg is spawned (or failed to be): the child has its own copies now; closing ours lets the reader see the
   * end when ffmpeg exits.
   */
  closeFarEnds(): void {
    for (const s of this.stdio) if (typeof s === 'object') s.destroy();
  }

  /** Ends the socket readers if ffmpeg cannot run, and drains a stdout no output uses. */
  started(child: ChildProcess): void {
    for (const sink of this.sinks.values()) child.once('error', () => sink.destroy());
    if (this.stdio[1] === 'pipe' && !this.fds.includes(1)) (child.stdout as Readable).resume();
  }

  /** Reads output `i` to its end, delivering its units. */
  async consume(i: number, child: ChildProcess): Promise<void> {
    const out = this.outputs[i]!;
    const reader = this.readers[i];
    if (!reader) return;
    const sink = this.sinks.get(i);
    const stream = sink ?? (child.stdio[this.fds[i]!] as Readable);
    if (reader.kind === 'frames') {
      for await (const chunk of stream) {
        for (const unit of reader.splitter.push(chunk as Buffer)) {
          const k = this.units[i]!;
          this.units[i] = k + 1;
          if (out.onUnit) await out.onUnit(unit, k);
        }
      }
      return;
    }
    // Streamed outputs are the bulk of the bytes (a 1080p raw frame is about fifty reads) and rarely wait, so a pipe's
    // chunks are taken as plain events: an async iterator would cost a promise per read.
    try {
      await new Promise<void>((resolve, reject) => {
        if (!sink) stream.on('data', (chunk: Buffer) => void this.deliver(i, chunk, stream));
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
      });
    } finally {
      // An image still open when its stream stops is incomplete: its writer drops it.
      if (reader.kind === 'png') reader.cutter.close();
    }
  }
}
