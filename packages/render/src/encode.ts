/**
 * Frames (PNG blobs) → H.264 video for court players (yuv420p, BT.709 tagged, `+faststart`), and an
 * optional lossless FFV1 master (RGB), in one ffmpeg run that also hashes every decoded input frame.
 * A second run decodes what was written and checks it: the video holds exactly as many frames as were
 * given, and the master decodes to the very pixels of every frame, in order, each once.
 *
 * Repeatable to the byte: bit-exact flags, no metadata, and x264's thread count pinned (x264's output
 * depends on it; measured here, 1 and 4 threads give different bytes, the same count gives the same).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { VestigeError, type CaseStore, type Digests } from '@vestige/evidence';
import { resolveFfmpeg } from '@vestige/video';

export interface EncodeSettings {
  fps: number;
  /** x264 constant rate factor (18: visually lossless for most material). */
  crf: number;
  preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow' | 'slower' | 'veryslow';
  /** Also write a lossless FFV1 master (RGB). */
  master: boolean;
}

export interface EncodeOutput {
  video: Digests;
  master: Digests | null;
  /** SHA-256 of each input frame's decoded pixels (RGB, 8 bits), in order (ffmpeg framehash). */
  framePixels: string[];
  /** Frames the written video decodes to. */
  videoFrames: number;
  ffmpeg: { version: string; args: string[] };
}

const X264_THREADS = 4;
const BITEXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1'];

/** The arguments, with <video>, <master> and <hashes> where the temporary paths go (as provenance records them). */
export function encodeArgs(s: EncodeSettings): string[] {
  const h264 = [
    '-map',
    '0:v',
    '-vf',
    'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    s.preset,
    '-crf',
    String(s.crf),
    '-pix_fmt',
    'yuv420p',
    '-x264-params',
    `threads=${X264_THREADS}`,
    '-colorspace',
    'bt709',
    '-color_primaries',
    'bt709',
    '-color_trc',
    'bt709',
    '-color_range',
    'tv',
    '-movflags',
    '+faststart',
    ...BITEXACT,
    '<video>',
  ];
  const master = s.master
    ? [
        '-map',
        '0:v',
        '-c:v',
        'ffv1',
        '-level',
        '3',
        '-g',
        '1',
        '-slicecrc',
        '1',
        '-pix_fmt',
        'bgr0',
        ...BITEXACT,
        '<master>',
      ]
    : [];
  return [
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    '-f',
    'image2pipe',
    '-framerate',
    String(s.fps),
    '-c:v',
    'png',
    '-i',
    'pipe:0',
    ...h264,
    ...master,
    '-map',
    '0:v',
    '-pix_fmt',
    'rgb24',
    '-f',
    'framehash',
    '-hash',
    'sha256',
    '<hashes>',
  ];
}

function framehashes(path: string): string[] {
  return fs
    .readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

/** Runs ffmpeg, feeding `input` (each buffer in order) to its standard input. */
function runFfmpeg(
  path: string,
  args: string[],
  input: AsyncIterable<Buffer> | null,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) =>
      reject(
        signal.aborted
          ? signal.reason
          : new VestigeError('E_FFMPEG_FAILED', `Could not run ffmpeg: ${e.message}`, { file: path }),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new VestigeError(
              'E_FFMPEG_FAILED',
              `ffmpeg could not encode the frames: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
              { file: path },
            ),
          ),
    );
    if (input && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => undefined); // ffmpeg's own exit says what went wrong
      void (async () => {
        for await (const buf of input) if (!stdin.write(buf)) await new Promise((r) => stdin.once('drain', r));
        stdin.end();
      })().catch((e: unknown) => {
        child.kill('SIGKILL');
        reject(e);
      });
    }
  });
}

export async function encodeFrames(
  store: CaseStore,
  frames: readonly string[],
  s: EncodeSettings,
  signal: AbortSignal,
): Promise<EncodeOutput> {
  const ffmpeg = resolveFfmpeg();
  const tmp = {
    video: `${store.blobs.newTempPath()}.mp4`,
    master: `${store.blobs.newTempPath()}.mkv`,
    hashes: `${store.blobs.newTempPath()}.hash`,
    check: `${store.blobs.newTempPath()}.hash`,
    checkMaster: `${store.blobs.newTempPath()}.hash`,
  };
  const template = encodeArgs(s);
  const args = template.map((a) =>
    a === '<video>' ? tmp.video : a === '<master>' ? tmp.master : a === '<hashes>' ? tmp.hashes : a,
  );
  try {
    // Each frame is read back through the blob store, which checks it against its address.
    async function* pngs(): AsyncIterable<Buffer> {
      for (const sha of frames) yield await store.blobs.read(sha);
    }
    await runFfmpeg(ffmpeg.path, args, pngs(), signal);
    const framePixels = framehashes(tmp.hashes);
    const check = [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      '-i',
      tmp.video,
      ...(s.master ? ['-i', tmp.master] : []),
      '-map',
      '0:v',
      '-f',
      'framehash',
      '-hash',
      'sha256',
      tmp.check,
    ];
    if (s.master) check.push('-map', '1:v', '-pix_fmt', 'rgb24', '-f', 'framehash', '-hash', 'sha256', tmp.checkMaster);
    await runFfmpeg(ffmpeg.path, check, null, signal);
    const videoFrames = framehashes(tmp.check).length;
    if (framePixels.length !== frames.length || videoFrames !== frames.length) {
      throw new VestigeError(
        'E_FFMPEG_FAILED',
        `ffmpeg was given ${frames.length} frames, decoded ${framePixels.length}, and the video holds ${videoFrames}.`,
      );
    }
    if (s.master) {
      const master = framehashes(tmp.checkMaster);
      const first = master.findIndex((h, i) => h !== framePixels[i]);
      if (master.length !== framePixels.length || first >= 0)
        throw new VestigeError(
          'E_FFMPEG_FAILED',
          `the lossless master does not decode to the frames' pixels (first difference at frame ${first}).`,
        );
    }
    return {
      video: await store.blobs.putFile(tmp.video),
      master: s.master ? await store.blobs.putFile(tmp.master) : null,
      framePixels,
      videoFrames,
      ffmpeg: { version: ffmpeg.version, args: template },
    };
  } finally {
    for (const f of Object.values(tmp)) fs.rmSync(f, { force: true });
  }
}
