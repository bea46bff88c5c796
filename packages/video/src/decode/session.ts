import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { VestigeError } from '@vestige/evidence';
import { ffmpegFeatures, passthroughArgs, resolveFfmpeg, type ResolvedBinary } from '../ffmpeg/resolve.ts';
import { stderrTail } from '../ffmpeg/run.ts';
import { PngStreamCutter, RawFrameHasher, RawFrameSplitter, rawFrameSize, type UnitWriter } from './frame-splitter.ts';
import { FfmpegLogParser, type DecodeProblem, type FilterConfig, type FrameInfo } from './log.ts';
import { localSocketPair } from './socket-pair.ts';

/** Read size for outputs taken through a socket pair: one buffer this size per output, reused, stays in the CPU cache. */
const STREAM_READ_BYTES = 64 * 1024;

/**
 * The child's descriptors that can carry a socket pair's far end. Such a socket shares its non-blocking flag with our
 * end, and libuv makes only descriptors 0-2 of a child blocking again; on a non-blocking descriptor ffmpeg meets
 * EAGAIN and sleeps a millisecond at a time. Descriptor 2 carries the log, and with -nostdin ffmpeg never reads
 * descriptor 0, so 1 and 0 are free to write to (a socket is both readable and writable).
 */
const SOCKET_FDS = [1, 0] as const;

/**
 * How every PNG is encoded unless an output says otherwise: each row stored as its difference from the row above
 * ("up" filter), then deflated at zlib level 2. ffmpeg's own default (no filter, level 6) spends most of a frame
 * extraction in zlib and still writes bigger files. Measured on 1080p H.264 with ffmpeg 5.1 (CPU / size):
 * a generated test clip 15.0 s / 88 MB → 8.0 s / 87 MB; a noisy camera-like clip 43.2 s / 768 MB → 27.9 s / 534 MB;
 * flat colour bars 5.0 s / 5.4 MB → 1.9 s / 5.6 MB.
 * Paeth, avg and sub filters and levels 1 and 3 were slower, bigger, or both. PNG stays lossless either way; the
 * settings only change which bytes encode the same pixels, and they are recorded with the ffmpeg command line.
 */
export const PNG_ENCODER_ARGS: readonly string[] = ['-pred', 'up', '-compression_level', '2'];

/** One thing to produce from each selected frame. */
export interface DecodeOutput {
  /** `raw`: rawvideo frames (`pixFmt`, default the stream's own); `png`: one PNG per frame; `null`: nothing (analysis by log only). */
  readonly kind: 'raw' | 'png' | 'null';
  readonly pixFmt?: string;
  /** Filters applied to this output only, after selection (e.g. `format=gray`, `transpose=1`). */
  readonly filters?: readonly string[];
  /** Encoder options in place of the defaults (PNG: `PNG_ENCODER_ARGS`). */
  readonly encoderArgs?: readonly string[];
  /** Raw output: called with each whole frame in order; a returned promise holds the pipe (back-pressure) until it settles. */
  readonly onUnit?: (unit: Buffer, k: number) => void | Promise<void>;
  /** Raw output only, instead of `onUnit`: the SHA-256 of each frame, hashed as its bytes stream (no copy). */
  readonly onDigest?: (sha256: string, k: number) => void;
  /**
   * PNG output (required there): where the `k`-th image's bytes go as they stream. Nothing is held in memory: the
   * writer gets views of a reused read buffer, so it must consume them (hash, write) before returning.
   */
  readonly openUnit?: (k: number) => UnitWriter;
}

export interface DecodeStream {
  /** Absolute stream index in the file. */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly pixFmt: string;
}

export interface DecodeRequest {
  readonly input: string;
  readonly stream: DecodeStream;
  /** Filters every decoded frame passes before selection (e.g. a label that must show the frame's own index). */
  readonly preFilters?: readonly string[];
  /** ffmpeg `select` expression over n, t, pict_type, scene …; null/undefined keeps every frame. */
  readonly select?: string | null;
  readonly outputs: readonly DecodeOutput[];
  readonly signal?: AbortSignal;
  readonly ffmpeg?: ResolvedBinary;
  /**
   * Called for each frame that reaches the outputs, in output order, as soon as ffmpeg reports it (usually before
   * its pixels arrive); `frame.index` is its index among all decoded frames.
   */
  readonly onOutputFrame?: (frame: FrameInfo, k: number) => void;
}

export interface DecodeResult {
  /** Time base of the timestamps in `decoded`/`selected` (the stream's own, because ffmpeg runs with -copyts). */
  readonly timeBase: readonly [number, number];
  readonly frameRate: readonly [number, number] | null;
  /** Every decoded frame of the stream, in presentation order. */
  readonly decoded: readonly FrameInfo[];
  /** The selected frames; `index` is the frame's index in `decoded`. */
  readonly selected: readonly FrameInfo[];
  /** Units delivered per output (equals `selected.length` unless the run was cut short). */
  readonly units: readonly number[];
  readonly problems: readonly DecodeProblem[];
  readonly exitCode: number | null;
  /** The ffmpeg command line, for provenance and for re-running by hand. */
  readonly args: readonly string[];
  readonly ffmpeg: ResolvedBinary;
}

function escapeFilterValue(expr: string): string {
  // Inside a filtergraph, commas separate filters; quote the expression and escape quotes and backslashes.
  return `'${expr.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * One ffmpeg decode of one video stream, frame-accurate: every decoded frame passes `showinfo@in` (index,
 * timestamp, picture type), then the selection, then `showinfo@out`, then is split to the outputs. Timestamps are
 * kept as stored (-copyts) and no frame is duplicated or dropped (-fps_mode/-vsync passthrough). Outputs are read
 * from pipes with back-pressure, so memory stays at a few frames whatever the length of the video.
 */
export async function decodeFrames(request: DecodeRequest): Promise<DecodeResult> {
  const ffmpeg = request.ffmpeg ?? resolveFfmpeg();
  const features = ffmpegFeatures(ffmpeg);
  const info = features.showinfoChecksumOption ? 'showinfo@NAME=checksum=0' : 'showinfo@NAME';
  const chain: string[] = [info.replace('NAME', 'in'), ...(request.preFilters ?? [])];
  const selecting = request.select !== undefined && request.select !== null;
  const selectExpr = selecting ? request.select! : '1';
  if (selecting || (request.preFilters?.length ?? 0) > 0) chain.push(`select=${escapeFilterValue(selectExpr)}`, info.replace('NAME', 'out'));
  const outputs = request.outputs.length > 0 ? request.outputs : [{ kind: 'null' as const }];
  const labels = outputs.map((_, i) => `o${i}`);
  let graph = `[0:${request.stream.index}]${chain.join(',')}`;
  if (outputs.length > 1) graph += `,split=${outputs.length}${labels.map((l) => `[s${l}]`).join('')}`;
  const graphs: string[] = [graph];
  outputs.forEach((out, i) => {
    const from = outputs.length > 1 ? `[s${labels[i]}]` : '';
    const filters = out.filters && out.filters.length > 0 ? out.filters.join(',') : 'null';
    if (outputs.length > 1) graphs.push(`${from}${filters}[${labels[i]}]`);
    else graphs[0] += `,${filters}[${labels[i]}]`;
  });

  const args: string[] = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', features.levelPrefix ? 'level+info' : 'info'];
  // Keep the file's own timestamps and the decoded orientation: frame records must match the original exactly.
  args.push('-copyts', '-noautorotate', '-i', request.input, '-filter_complex', graphs.join(';'));
  // How each output's bytes are taken apart: whole raw frames, raw frames hashed as they stream, or PNGs cut apart
  // as they stream. The streamed kinds keep nothing between reads, so they read through a socket pair into one
  // reused buffer (see `localSocketPair`) where the platform allows; an ordinary pipe otherwise.
  type Reader = { kind: 'frames'; splitter: RawFrameSplitter } | { kind: 'hash'; hasher: RawFrameHasher } | { kind: 'png'; cutter: PngStreamCutter };
  const units = outputs.map(() => 0);
  const readers: Array<Reader | null> = outputs.map((out, i) => {
    if (out.kind === 'null') return null;
    if (out.kind === 'png') {
      const open = out.openUnit;
      if (!open) throw new Error('a PNG output needs openUnit');
      return { kind: 'png', cutter: new PngStreamCutter(open) };
    }
    const size = rawFrameSize(ffmpeg.path, out.pixFmt ?? request.stream.pixFmt, request.stream.width, request.stream.height);
    return out.onDigest && !out.onUnit ? { kind: 'hash', hasher: new RawFrameHasher(size) } : { kind: 'frames', splitter: new RawFrameSplitter(size) };
  });

  /**
   * Passes bytes of streamed output `i` on; they are not kept, so `chunk` may be a reused buffer. Returns what the
   * consumers asked the stream to wait for, if anything.
   */
  const feed = (i: number, chunk: Buffer): Promise<unknown> | null => {
    const reader = readers[i]!;
    if (reader.kind === 'hash') {
      for (const digest of reader.hasher.push(chunk)) {
        const k = units[i]!;
        units[i] = k + 1;
        outputs[i]!.onDigest?.(digest, k);
      }
      return null;
    }
    if (reader.kind !== 'png') throw new Error('whole raw frames are not streamed');
    const { ended, holds } = reader.cutter.push(chunk);
    units[i]! += ended;
    return holds ? Promise.all(holds) : null;
  };
  /**
   * Feeds a chunk from `stream` and applies what the consumer asks: reading stops (ffmpeg then blocks on a full pipe
   * or socket) until its hold settles, and a failure ends the stream with that error. Returns false when paused.
   */
  const deliver = (i: number, chunk: Buffer, stream: Readable): boolean => {
    try {
      const hold = feed(i, chunk);
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
  };

  const stdio: Array<'ignore' | 'pipe' | Socket> = ['ignore', 'ignore', 'pipe'];
  const fds: number[] = [];
  const sinks = new Map<number, Socket>();
  const freeSocketFds: number[] = [...SOCKET_FDS];
  for (const [i, reader] of readers.entries()) {
    if (!reader || reader.kind === 'frames' || freeSocketFds.length === 0) continue;
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
      return deliver(i, view, near);
    };
    const pair = await localSocketPair(buffer, onRead).catch(() => null);
    if (!pair) break;
    near = pair.near;
    const fd = freeSocketFds.shift()!;
    fds[i] = fd;
    sinks.set(i, pair.near);
    stdio[fd] = pair.far;
  }
  let nextPipeFd = 3;
  outputs.forEach((out, i) => {
    args.push('-map', `[${labels[i]}]`, ...passthroughArgs(features));
    if (out.kind === 'null') {
      args.push('-f', 'null', '-');
      return;
    }
    let fd = fds[i];
    if (fd === undefined) {
      fd = stdio[1] === 'ignore' ? 1 : nextPipeFd++;
      fds[i] = fd;
      while (stdio.length <= fd) stdio.push('ignore');
      stdio[fd] = 'pipe';
    }
    if (out.kind === 'raw') {
      args.push('-c:v', 'rawvideo', '-pix_fmt', out.pixFmt ?? request.stream.pixFmt, '-f', 'rawvideo', `pipe:${fd}`);
    } else {
      args.push('-c:v', 'png', ...(out.pixFmt ? ['-pix_fmt', out.pixFmt] : []), ...(out.encoderArgs ?? PNG_ENCODER_ARGS), '-f', 'image2pipe', `pipe:${fd}`);
    }
  });
  // A stdout that nobody maps must still be opened for ffmpeg's `-f null -`; it writes nothing there.
  if (stdio[1] === 'ignore') stdio[1] = 'pipe';

  const matchingOut = selecting || (request.preFilters?.length ?? 0) > 0;
  const decoded: FrameInfo[] = [];
  const selected: FrameInfo[] = [];
  let cursor = 0;
  let unmatched = 0;
  const emit = (frame: FrameInfo): void => {
    selected.push(frame);
    request.onOutputFrame?.(frame, selected.length - 1);
  };
  const problems: DecodeProblem[] = [];
  let config: FilterConfig | null = null;
  const parser = new FfmpegLogParser(
    {
      onConfig: (filter, c) => {
        if (filter === 'showinfo@in') config = c;
      },
      onFrame: (filter, frame) => {
        if (filter === 'showinfo@in') {
          decoded.push(frame);
          if (!matchingOut) emit(frame);
        } else if (filter === 'showinfo@out') {
          // The selected frames are a subsequence of the decoded ones, logged by showinfo@in just before: match
          // each back by timestamp, position and type to learn its index in the stream.
          while (cursor < decoded.length) {
            const d = decoded[cursor++]!;
            if (d.pts === frame.pts && d.pos === frame.pos && d.pictType === frame.pictType) {
              emit({ ...frame, index: d.index });
              return;
            }
          }
          unmatched++;
        }
      },
      onProblem: (p) => {
        if (problems.length < 200) problems.push(p);
      },
    },
    { levelPrefix: features.levelPrefix, countFilter: 'showinfo@in' },
  );

  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(ffmpeg.path, args, { stdio, signal: request.signal });
  } finally {
    // The child has its own copies now; closing ours lets the reader see the end when ffmpeg exits.
    for (const s of stdio) if (typeof s === 'object') s.destroy();
  }
  for (const sink of sinks.values()) child.once('error', () => sink.destroy());
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (err) => {
      reject(
        (err as NodeJS.ErrnoException).name === 'AbortError'
          ? err
          : new VestigeError('E_FFMPEG_FAILED', `Could not run ffmpeg: ${err.message}`, { file: ffmpeg.path, cause: err }),
      );
    }),
  );
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => parser.push(chunk));
  const stderrDone = new Promise<void>((resolve) => child.stderr!.on('end', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const consume = async (i: number): Promise<void> => {
    const out = outputs[i]!;
    const reader = readers[i];
    if (!reader) return;
    const sink = sinks.get(i);
    const stream = sink ?? (child.stdio[fds[i]!] as Readable);
    if (reader.kind === 'frames') {
      for await (const chunk of stream) {
        for (const unit of reader.splitter.push(chunk as Buffer)) {
          const k = units[i]!;
          units[i] = k + 1;
          if (out.onUnit) await out.onUnit(unit, k);
        }
      }
      return;
    }
    // Streamed outputs are the bulk of the bytes (a 1080p raw frame is about fifty reads) and rarely wait, so a pipe's
    // chunks are taken as plain events: an async iterator would cost a promise per read.
    try {
      await new Promise<void>((resolve, reject) => {
        if (!sink) stream.on('data', (chunk: Buffer) => void deliver(i, chunk, stream));
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
      });
    } finally {
      // An image still open when its stream stops is incomplete: its writer drops it.
      if (reader.kind === 'png') reader.cutter.close();
    }
  };
  let consumerError: unknown;
  const consumers = outputs.map((_, i) =>
    consume(i).catch((err: unknown) => {
      // Stop ffmpeg at once when a consumer fails (e.g. the case store refused a write); report that error.
      consumerError ??= err;
      child.kill('SIGKILL');
    }),
  );
  if (stdio[1] === 'pipe' && !fds.includes(1)) (child.stdout as Readable).resume();
  const exitCode = await Promise.race([Promise.all([exited, stderrDone, ...consumers]).then(([code]) => code as number | null), spawnError]);
  parser.end();
  if (consumerError) throw consumerError;

  const timeBase = (config as FilterConfig | null)?.timeBase ?? [1, 1];
  if (unmatched > 0) {
    throw new VestigeError('E_FFMPEG_FAILED', 'Could not match the selected frames back to their place in the stream.', {
      file: request.input,
      details: { selected: selected.length, unmatched },
    });
  }
  if (exitCode !== 0 && decoded.length === 0) {
    throw new VestigeError('E_INPUT_CORRUPT', `ffmpeg could not decode any frame of '${request.input}' (${stderrTail(parser.tail.join('\n'))}).`, {
      file: request.input,
      hint: 'The video stream is damaged or uses a codec this ffmpeg build cannot decode. Run vestige probe on it for details.',
      details: { exitCode, problems: problems.slice(0, 10) },
    });
  }
  return {
    timeBase,
    frameRate: (config as FilterConfig | null)?.frameRate ?? null,
    decoded,
    selected,
    units,
    problems,
    exitCode,
    args,
    ffmpeg,
  };
}
