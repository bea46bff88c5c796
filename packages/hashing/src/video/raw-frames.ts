import { spawn } from 'node:child_process';
import { VestigeError } from '@vestige/evidence';
import { resolveFfmpeg } from '@vestige/ffmpeg';

/**
 * Runs ffmpeg with `args` (which end in raw RGB24 on pipe:1) and hands each complete frame of
 * `frameBytes` to `onFrame`, in one reused buffer: memory is one frame. Returns the frame count;
 * no frame at all, or a failed ffmpeg, is a typed error naming the file.
 */
export async function forEachRawFrame(
  args: readonly string[],
  frameBytes: number,
  label: string,
  onFrame: (frame: Buffer, index: number) => void,
): Promise<number> {
  const child = spawn(resolveFfmpeg().path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  const frame = Buffer.alloc(frameBytes);
  let filled = 0;
  let index = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        onFrame(frame, index++);
        filled = 0;
      }
    }
  }
  const code = await exited;
  if (code !== 0 || index === 0) {
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `${label}: no video frames could be decoded${stderr ? ` (ffmpeg: ${stderr.trim().split('\n').pop()})` : ''}`,
      {
        file: label,
        hint: 'The file is damaged or has no video stream ffmpeg can read.',
        details: { exitCode: code, framesDecoded: index },
      },
    );
  }
  return index;
}
