import { spawn } from 'node:child_process';
import { VestigeError } from '@vestige/evidence';
import { ffmpegFeatures, resolveFfmpeg, type ResolvedBinary, stderrTail } from '@vestige/ffmpeg';
import { decodeGraph } from './filter-graph.ts';
import { FrameLog } from './frame-log.ts';
import type { UnitWriter } from './frame-splitter.ts';
import type { DecodeProblem, FrameInfo } from './log.ts';
import { OutputStreams } from './output-streams.ts';

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
  /**
   * `raw`: rawvideo frames (`pixFmt`, default the stream's own); `png`: one PNG per frame; `null`: nothing (analysis by
   * log only).
   */
  readonly kind: 'raw' | 'png' | 'null';
  readonly pixFmt?: string;
  /** Filters applied to this output only, after selection (e.g. `format=gray`, `transpose=1`). */
  readonly filters?: readonly string[];
  /** Encoder options in place of the defaults (PNG: `PNG_ENCODER_ARGS`). */
  readonly encoderArgs?: readonly string[];
  /**
   * Raw output: called with each whole frame in order; a returned promise holds the pipe (back-pressure) until it
   * settles.
   */
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

/**
 * One ffmpeg decode of one video stream, frame-accurate: every decoded frame passes `showinfo@in` (index,
 * timestamp, picture type), then the selection, then `showinfo@out`, then is split to the outputs (see
 * filter-graph.ts). Timestamps are kept as stored (-copyts) and no frame is duplicated or dropped
 * (-fps_mode/-vsync passthrough). Outputs are read with back-pressure (output-streams.ts), so memory stays at
 * a few frames whatever the length of the video; the log tells which frames they were (frame-log.ts).
 */
export async function decodeFrames(request: DecodeRequest): Promise<DecodeResult> {
  const ffmpeg = request.ffmpeg ?? resolveFfmpeg();
  const features = ffmpegFeatures(ffmpeg);
  const outputs = request.outputs.length > 0 ? request.outputs : [{ kind: 'null' as const }];
  const graph = decodeGraph(request.stream.index, request, outputs, features);
  // Keep the file's own timestamps and the decoded orientation: frame records must match the original exactly.
  const args: string[] = [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-loglevel',
    features.levelPrefix ? 'level+info' : 'info',
    '-copyts',
    '-noautorotate',
    '-i',
    request.input,
    '-filter_complex',
    graph.filter,
  ];
  const streams = new OutputStreams(outputs, request.stream, ffmpeg.path);
  await streams.attachSocketPairs();
  args.push(...streams.outputArgs(graph.labels, request.stream, features, PNG_ENCODER_ARGS));
  const log = new FrameLog(graph.selecting, request.onOutputFrame, { levelPrefix: features.levelPrefix });
  const exitCode = await runDecoder(ffmpeg, args, streams, log, outputs.length, request.signal);

  if (log.unmatched > 0) {
    throw new VestigeError(
      'E_FFMPEG_FAILED',
      'Could not match the selected frames back to their place in the stream.',
      {
        file: request.input,
        details: { selected: log.selected.length, unmatched: log.unmatched },
      },
    );
  }
  if (exitCode !== 0 && log.decoded.length === 0) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `ffmpeg could not decode any frame of '${request.input}' (${stderrTail(log.parser.tail.join('\n'))}).`,
      {
        file: request.input,
        hint: 'The video stream is damaged or uses a codec this ffmpeg build cannot decode. Run vestige probe on it for details.',
        details: { exitCode, problems: log.problems.slice(0, 10) },
      },
    );
  }
  return {
    timeBase: log.config?.timeBase ?? [1, 1],
    frameRate: log.config?.frameRate ?? null,
    decoded: log.decoded,
    selected: log.selected,
    units: streams.units,
    problems: log.problems,
    exitCode,
    args,
    ffmpeg,
  };
}

/** Runs ffmpeg until it exits and every output is read; its log goes to `log`. A failing consumer stops it at once. */
async function runDecoder(
  ffmpeg: ResolvedBinary,
  args: string[],
  streams: OutputStreams,
  log: FrameLog,
  outputCount: number,
  signal: AbortSignal | undefined,
): Promise<number | null> {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(ffmpeg.path, args, { stdio: streams.stdio, signal });
  } finally {
    streams.closeFarEnds();
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (err) => {
      reject(
        (err as NodeJS.ErrnoException).name === 'AbortError'
          ? err
          : new VestigeError('E_FFMPEG_FAILED', `Could not run ffmpeg: ${err.message}`, {
              file: ffmpeg.path,
              cause: err,
            }),
      );
    }),
  );
  streams.started(child);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => log.parser.push(chunk));
  const stderrDone = new Promise<void>((resolve) => child.stderr!.on('end', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let consumerError: unknown;
  const consumers = Array.from({ length: outputCount }, (_, i) =>
    streams.consume(i, child).catch((err: unknown) => {
      // Stop ffmpeg at once when a consumer fails (e.g. the case store refused a write); report that error.
      consumerError ??= err;
      child.kill('SIGKILL');
    }),
  );
  const exitCode = await Promise.race([
    Promise.all([exited, stderrDone, ...consumers]).then(([code]) => code as number | null),
    spawnError,
  ]);
  log.parser.end();
  if (consumerError) throw consumerError;
  return exitCode;
}
