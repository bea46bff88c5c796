import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ffmpegFeatures, resolveFfmpeg, scanPackets, videoTimingArgs, type VideoSource } from '@vestige/video';
import { VestigeError } from '@vestige/evidence';
import { coverAt, type RedactionList } from './redaction-list.ts';

export type RedactionFormat = 'h264' | 'ffv1';

export interface RenderedVideo {
  readonly args: readonly string[];
  readonly frames: number;
  readonly ffmpegVersion: string;
  readonly audio: boolean;
}

/**
 * What covers a box: a box blur (three passes of the given radius, close to a Gaussian, far past
 * recognition at the default radius of a thirtieth of the picture's shorter side) or pixelation into
 * blocks of the given size. Both are computed over the whole frame, and a mask keeps them inside the
 * boxes only.
 */
export function coverFilter(list: RedactionList): string {
  const { width: w, height: h } = list.source;
  const s = list.style.strength;
  if (list.style.mode === 'pixelate')
    return `scale=${Math.ceil(w / s)}:${Math.ceil(h / s)}:flags=area,scale=${w}:${h}:flags=neighbor`;
  const luma = Math.max(1, Math.min(s, Math.floor(Math.min(w, h) / 2) - 1));
  const chroma = Math.max(1, Math.min(Math.floor(s / 2), Math.floor(Math.min(w, h) / 4) - 1));
  return `boxblur=luma_radius=${luma}:luma_power=3:chroma_radius=${chroma}:chroma_power=3`;
}

/**
 * Renders a redacted copy with ffmpeg. The redaction list becomes a mask, one grey frame per video
 * frame (white inside that frame's boxes), fed to ffmpeg on its standard input; ffmpeg blurs or
 * pixelates the picture and lets the mask choose, frame by frame, where the covered picture shows.
 * Frames are matched by number (both streams are re-timed to frame index ÷ rate), so box N lands on
 * frame N exactly; the output is checked to hold as many frames as the list. Audio inside mute ranges
 * is silenced (seconds from the start of the file).
 */
export async function renderVideo(
  source: VideoSource,
  list: RedactionList,
  out: string,
  format: RedactionFormat,
  signal?: AbortSignal,
): Promise<RenderedVideo> {
  const ffmpeg = resolveFfmpeg();
  const features = ffmpegFeatures(ffmpeg);
  const { width: w, height: h, frames } = list.source;
  const [num, den] = list.source.frameRate!.split('/').map(Number) as [number, number];
  const hasAudio = source.probe.streams.some((s) => s.codec_type === 'audio');
  const retime = `setpts=N*${den}/${num}/TB`;
  const graph = [
    `[0:${source.index}]${retime},format=yuv420p,split=2[base][src]`,
    `[src]${coverFilter(list)}[covered]`,
    `[1:v]${retime},format=gray[mask]`,
    '[covered][mask]alphamerge[top]',
    '[base][top]overlay=format=yuv420:eof_action=pass,format=yuv420p[v]',
  ].join(';');
  const mute = list.mute.map((m) => `between(t,${m.from},${m.to})`).join('+');
  const codec =
    format === 'ffv1'
      ? ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slicecrc', '1', ...(hasAudio ? ['-c:a', 'flac'] : [])]
      : [
          '-c:v',
          'libx264',
          '-preset',
          'medium',
          '-crf',
          '18',
          '-pix_fmt',
          'yuv420p',
          '-threads',
          '4',
          '-movflags',
          '+faststart',
          ...(hasAudio ? ['-c:a', 'aac', '-b:a', '128k'] : []),
        ];
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-noautorotate',
    '-i',
    source.path,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    '-s',
    `${w}x${h}`,
    '-framerate',
    `${num}/${den}`,
    '-i',
    'pipe:0',
    '-filter_complex',
    graph,
    '-map',
    '[v]',
    ...(hasAudio ? ['-map', '0:a'] : []),
    ...(hasAudio && mute ? ['-af', `volume=enable='${mute}':volume=0`] : []),
    ...videoTimingArgs(features),
    ...codec,
    '-fflags',
    '+bitexact',
    '-flags:v',
    '+bitexact',
    '-flags:a',
    '+bitexact',
    '-map_metadata',
    '-1',
    '-y',
    out,
  ];
  const child = spawn(ffmpeg.path, args, { stdio: ['pipe', 'ignore', 'pipe'], ...(signal ? { signal } : {}) });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  // One shared all-black mask for frames with nothing to cover; a fresh one for each frame that has boxes.
  const clear = Buffer.alloc(w * h);
  try {
    for (let f = 0; f < frames; f++) {
      const rects = coverAt(list, f);
      let mask = clear;
      if (rects.length > 0) {
        mask = Buffer.alloc(w * h);
        for (const r of rects)
          for (let y = r.y; y < r.y + r.height; y++) mask.fill(255, y * w + r.x, y * w + r.x + r.width);
      }
      if (!child.stdin!.write(mask)) await Promise.race([once(child.stdin!, 'drain'), exited]);
      if (child.exitCode !== null) break;
    }
    child.stdin!.end();
  } catch {
    // ffmpeg stopped reading (it failed); its exit status and log say why.
  }
  const code = await exited;
  if (code !== 0)
    throw new VestigeError(
      'E_FFMPEG_FAILED',
      `ffmpeg could not render the redacted copy: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      { file: list.source.itemId },
    );
  const written = (await scanPackets(out, 0, signal)).packets;
  if (written !== frames) {
    throw new VestigeError(
      'E_FFMPEG_FAILED',
      `the redacted copy has ${written} frames, the list ${frames}; boxes would not match their frames, so it was not kept`,
      { file: list.source.itemId },
    );
  }
  return {
    args: args.map((a) => (a === source.path ? '<source>' : a === out ? '<output>' : a)),
    frames,
    ffmpegVersion: ffmpeg.version,
    audio: hasAudio,
  };
}
