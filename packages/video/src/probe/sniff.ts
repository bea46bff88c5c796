import { open } from 'node:fs/promises';

/**
 * Recognises media containers by their first bytes. ffprobe picks a demuxer from the file extension, so a text file
 * named `.mp4` fails exactly like a damaged MP4 ("moov atom not found"); the magic bytes tell the two apart, which
 * decides between "this file is damaged" and "this is not a video at all".
 */
export type ContainerGuess =
  | 'mp4/mov'
  | 'matroska'
  | 'riff'
  | 'mpeg-ts'
  | 'mpeg-ps'
  | 'flv'
  | 'asf'
  | 'ogg'
  | 'mp3'
  | 'flac'
  | 'h264/h265 elementary'
  | 'ivf'
  | null;

export async function readHead(path: string, bytes = 4096): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const mp4Boxes = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot', 'uuid', 'styp', 'sidx', 'moof']);

export function sniffContainer(head: Buffer): ContainerGuess {
  if (head.length >= 8 && mp4Boxes.has(head.toString('latin1', 4, 8))) return 'mp4/mov';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF') return 'riff';
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return 'mpeg-ts';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return 'mpeg-ps';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'FLV') return 'flv';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x3026b275) return 'asf';
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'fLaC') return 'flac';
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'DKIF') return 'ivf';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) return 'mp3';
  if (head.length >= 4 && (head.readUInt32BE(0) === 0x00000001 || head.readUInt32BE(0) >>> 8 === 0x000001))
    return 'h264/h265 elementary';
  return null;
}
