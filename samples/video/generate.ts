/**
 * Generates the video samples that prove frame accuracy. Every frame carries its own index in the pixels: a band of
 * 16×16 blocks across the top left, block b (from the left) white when bit b of the frame index is set. A test
 * decodes the band to learn which frame it was given, independently of any timestamp or container claim.
 *
 * Deterministic: fixed sources, bit-exact muxing, single-threaded encoders; re-running gives the same bytes with the
 * same ffmpeg build. Run: `tsx samples/video/generate.ts [outDir]` (default samples/generated/video).
 *
 * Licence: generated data, no third-party content; CC0 like the script's output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_BLOCK = 16;
export const CODE_BITS = 12;
const codeWidth = CODE_BLOCK * CODE_BITS;

/** geq expression that writes the frame number N as binary blocks into the top band (chroma neutral there). */
const codeFilter =
  `geq=lum='if(lt(Y\\,${CODE_BLOCK})*lt(X\\,${codeWidth})\\,255*mod(floor(N/pow(2\\,floor(X/${CODE_BLOCK})))\\,2)\\,lum(X\\,Y))'` +
  `:cb='if(lt(Y\\,${CODE_BLOCK})*lt(X\\,${codeWidth})\\,128\\,cb(X\\,Y))'` +
  `:cr='if(lt(Y\\,${CODE_BLOCK})*lt(X\\,${codeWidth})\\,128\\,cr(X\\,Y))'`;

/** The facts each sample was built to have; tests compare the product against these, not against ffprobe. */
export interface SampleTruth {
  readonly file: string;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** Presentation time of frame n, as a rational `num/den` seconds. */
  readonly ptsOf: (n: number) => { num: number; den: number };
  readonly iFrames?: readonly number[];
  readonly sceneCuts?: readonly number[];
  /** Frames made sharp among blurred neighbours (the sharpest of each 10-frame window). */
  readonly sharpFrames?: readonly number[];
  readonly declaredFrames?: number;
  readonly bitDepth?: number;
}

export interface VideoSamples {
  readonly dir: string;
  /**
   * 25 fps H.264, 72 frames, B-frames, open GOP (an intra frame about every 24 frames, only the first an IDR; no
   * keyframes at scene cuts), scene cuts at 30 and 55, sharp frames at n mod 10 = 7 among blurred ones.
   */
  readonly cfr: SampleTruth;
  /** Variable frame rate H.264 MP4: frame n at 40·n + 60·⌊n/7⌋ ms, 60 frames. */
  readonly vfr: SampleTruth;
  /** MJPEG AVI with 50 frames whose header claims 500. */
  readonly lyingCount: SampleTruth;
  /** 10-bit FFV1 in Matroska, 12 frames. */
  readonly tenBit: SampleTruth;
  /** MJPEG AVI, 30 frames at 25 fps, frames 11–14 repeat frame 10 and 21–22 repeat frame 20 (a recorder's freezes). */
  readonly duplicates: SampleTruth & { readonly duplicateRuns: ReadonlyArray<{ first: number; last: number }> };
  /** MP4 (moov first) cut at 60 % of its bytes. */
  readonly truncated: string;
  readonly audioOnly: string;
  readonly noVideo: string;
  readonly unknownCodec: string;
  readonly notVideo: string;
}

const bitexact = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1'];

function ffmpeg(args: string[], ffmpegPath: string): void {
  const result = spawnSync(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`ffmpeg failed: ${result.stderr || result.error?.message}\nargs: ${args.join(' ')}`);
}

function writeAtomically(path: string, make: (tmp: string) => void): void {
  const tmp = path.replace(/(\.[^.]+)$/, `.${process.pid}.tmp$1`);
  rmSync(tmp, { force: true });
  make(tmp);
  renameSync(tmp, path);
}

function patchAviFrameCount(path: string, claimed: number): void {
  const data = readFileSync(path);
  const avih = data.indexOf('avih', 0, 'latin1');
  const strh = data.indexOf('strh', 0, 'latin1');
  if (avih < 0 || strh < 0) throw new Error('AVI headers not found');
  data.writeUInt32LE(claimed, avih + 8 + 16); // MainAVIHeader.dwTotalFrames
  data.writeUInt32LE(claimed, strh + 8 + 32); // AVIStreamHeader.dwLength
  writeFileSync(path, data);
}

function patchAviFourcc(path: string, fourcc: string): void {
  const data = readFileSync(path);
  const strh = data.indexOf('strh', 0, 'latin1');
  const strf = data.indexOf('strf', 0, 'latin1');
  if (strh < 0 || strf < 0) throw new Error('AVI headers not found');
  data.write(fourcc, strh + 8 + 4, 'latin1'); // AVIStreamHeader.fccHandler
  data.write(fourcc, strf + 8 + 16, 'latin1'); // BITMAPINFOHEADER.biCompression
  writeFileSync(path, data);
}

const cfrFrames = 72;
const vfrMs = (n: number): number => 40 * n + 60 * Math.floor(n / 7);

/** File name of the CFR sample, which the demo uses on its own (`only: [DEMO_CLIP]`). */
export const DEMO_CLIP = 'cfr-bframes-opengop.mp4';

/**
 * Builds the samples into `dir` (skipping files that exist unless `force`; only the named files with `only`), and
 * returns what each was built to be.
 */
export function generateVideoSamples(
  dir: string,
  options: { ffmpegPath?: string; ffprobePath?: string; force?: boolean; only?: readonly string[] } = {},
): VideoSamples {
  const bin = options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
  mkdirSync(dir, { recursive: true });
  const make = (name: string, build: (tmp: string) => void): string => {
    const path = join(dir, name);
    if (options.only && !options.only.includes(name)) return path;
    if (options.force || !existsSync(path)) writeAtomically(path, build);
    return path;
  };
  const x264 = ['-c:v', 'libx264', '-threads', '1', '-preset', 'medium', '-crf', '12'];

  const cfr = make(DEMO_CLIP, (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        // Three scenes of very different brightness (cuts at frames 30 and 55), every frame blurred except those with
        // n mod 10 = 7, and the code band on top.
        `testsrc2=size=320x240:rate=25,format=yuv420p,noise=alls=16:allf=t:all_seed=20240601,split=3[a0][b0][c0];` +
          `[a0]lutyuv=y=val*0.5[a];[b0]hflip,lutyuv=y=255-val*0.6[b];[c0]vflip,lutyuv=y=60+val*0.4,drawgrid=w=40:h=40:t=3:c=white[c];` +
          `[a][b]overlay=enable='between(n,30,54)'[ab];[ab][c]overlay=enable='gte(n,55)',` +
          `gblur=sigma=5:enable='not(eq(mod(n,10),7))',${codeFilter}`,
        '-frames:v',
        String(cfrFrames),
        ...x264,
        '-bf',
        '3',
        '-x264-params',
        'keyint=24:min-keyint=24:scenecut=0:open-gop=1',
        '-force_key_frames',
        'expr:eq(mod(n,24),0)',
        ...bitexact,
        '-movflags',
        '+faststart',
        tmp,
      ],
      bin,
    ),
  );

  const vfr = make('vfr.mp4', (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=320x240:rate=25,format=yuv420p,${codeFilter},settb=1/1000,setpts='(N*40+floor(N/7)*60)'`,
        '-frames:v',
        '60',
        '-fps_mode',
        'passthrough',
        ...x264,
        '-bf',
        '2',
        '-video_track_timescale',
        '1000',
        ...bitexact,
        tmp,
      ],
      bin,
    ),
  );

  const lyingCount = make('lying-frame-count.avi', (tmp) => {
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=320x240:rate=25,format=yuvj420p,${codeFilter}`,
        '-frames:v',
        '50',
        '-c:v',
        'mjpeg',
        '-q:v',
        '2',
        ...bitexact,
        tmp,
      ],
      bin,
    );
    patchAviFrameCount(tmp, 500);
  });

  const tenBit = make('ffv1-10bit.mkv', (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=160x120:rate=25,format=yuv420p,${codeFilter},format=yuv420p10le`,
        '-frames:v',
        '12',
        '-c:v',
        'ffv1',
        '-level',
        '3',
        '-threads',
        '1',
        ...bitexact,
        tmp,
      ],
      bin,
    ),
  );

  const duplicates = make('duplicates.avi', (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=160x120:rate=25,format=yuvj420p,${codeFilter},split[a][b];[a][b]freezeframes=first=11:last=14:replace=10,split[c][d];[c][d]freezeframes=first=21:last=22:replace=20`,
        '-frames:v',
        '30',
        '-c:v',
        'mjpeg',
        '-q:v',
        '3',
        ...bitexact,
        tmp,
      ],
      bin,
    ),
  );

  const truncated = make('truncated.mp4', (tmp) => {
    if (!existsSync(cfr)) throw new Error('truncated.mp4 is cut from the CFR sample; generate that too');
    const full = readFileSync(cfr);
    writeFileSync(tmp, full.subarray(0, Math.floor(full.length * 0.6)));
  });

  const audioOnly = make('audio-only.m4a', (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=16000:duration=1',
        '-c:a',
        'aac',
        '-b:a',
        '32k',
        '-fflags',
        '+bitexact',
        '-flags:a',
        '+bitexact',
        '-map_metadata',
        '-1',
        tmp,
      ],
      bin,
    ),
  );

  const noVideo = make('subtitles-only.mkv', (tmp) => {
    const srt = tmp.replace(/\.mkv$/, '.srt');
    writeFileSync(srt, '1\n00:00:00,000 --> 00:00:01,000\nCamera 3, no picture\n');
    try {
      ffmpeg(['-i', srt, '-c:s', 'srt', '-fflags', '+bitexact', '-map_metadata', '-1', tmp], bin);
    } finally {
      rmSync(srt, { force: true });
    }
  });

  const unknownCodec = make('unknown-codec.avi', (tmp) => {
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x120:rate=25,format=yuvj420p',
        '-frames:v',
        '10',
        '-c:v',
        'mjpeg',
        ...bitexact,
        tmp,
      ],
      bin,
    );
    patchAviFourcc(tmp, 'VSTG');
  });

  const notVideo = make('not-a-video.mp4', (tmp) =>
    writeFileSync(tmp, 'Statement of witness, page 1.\nThis is a text file with a video extension.\n'),
  );

  const fraction = (num: number, den: number) => ({ num, den });
  // Where an open-GOP encoder puts its intra frames depends on the encoder build; ask an independent reader.
  const probeBin = options.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';
  const types = spawnSync(
    probeBin,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pict_type', '-of', 'csv=p=0', cfr],
    { encoding: 'utf8' },
  );
  if (types.status !== 0) throw new Error(`ffprobe failed: ${types.stderr}`);
  const iFrames = types.stdout
    .split('\n')
    .map((l) => l.replace(/,/g, '').trim())
    .filter(Boolean)
    .flatMap((t, i) => (t === 'I' ? [i] : []));
  return {
    dir,
    cfr: {
      file: cfr,
      frames: cfrFrames,
      width: 320,
      height: 240,
      ptsOf: (n) => fraction(n, 25),
      iFrames,
      sceneCuts: [30, 55],
      sharpFrames: Array.from({ length: 7 }, (_, i) => i * 10 + 7),
    },
    vfr: { file: vfr, frames: 60, width: 320, height: 240, ptsOf: (n) => fraction(vfrMs(n), 1000) },
    lyingCount: {
      file: lyingCount,
      frames: 50,
      width: 320,
      height: 240,
      ptsOf: (n) => fraction(n, 25),
      declaredFrames: 500,
    },
    tenBit: { file: tenBit, frames: 12, width: 160, height: 120, ptsOf: (n) => fraction(n, 25), bitDepth: 10 },
    duplicates: {
      file: duplicates,
      frames: 30,
      width: 160,
      height: 120,
      ptsOf: (n) => fraction(n, 25),
      duplicateRuns: [
        { first: 10, last: 14 },
        { first: 20, last: 22 },
      ],
    },
    truncated,
    audioOnly,
    noVideo,
    unknownCodec,
    notVideo,
  };
}

/** Reads the frame index written by the code band from one decoded 8-bit grey frame. */
export function decodeFrameIndex(gray: Uint8Array, width: number): number {
  let n = 0;
  for (let bit = 0; bit < Math.min(CODE_BITS, Math.floor(width / CODE_BLOCK)); bit++) {
    const x = bit * CODE_BLOCK + CODE_BLOCK / 2;
    const y = CODE_BLOCK / 2;
    if (gray[y * width + x]! > 128) n |= 1 << bit;
  }
  return n;
}

/** A synthetic 1080p H.264 clip for the frames benchmark (no code band needed; seconds chosen by the caller). */
export function generateBenchClip(path: string, seconds: number, options: { ffmpegPath?: string } = {}): string {
  const bin = options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  writeAtomically(path, (tmp) =>
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=1920x1080:rate=25:duration=${seconds},format=yuv420p`,
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '20',
        '-bf',
        '2',
        ...bitexact,
        tmp,
      ],
      bin,
    ),
  );
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'generated', 'video');
  const samples = generateVideoSamples(out, { force: process.argv.includes('--force') });
  process.stdout.write(`video samples in ${samples.dir}\n`);
}
