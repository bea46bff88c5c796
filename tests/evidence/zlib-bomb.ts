/**
 * PNG files whose metadata chunks are zlib bombs: a few kilobytes per gigabyte once inflated. The zlib
 * stream is one full-flushed deflate block of 1 MiB of zeros repeated (a full flush resets the window,
 * so each copy decodes on its own), then the final block and the Adler-32 of all those zeros.
 */
import { constants, crc32, createDeflate, deflateSync } from 'node:zlib';

async function zerosZlib(mib: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  deflate.write(Buffer.alloc(1 << 20));
  await new Promise<void>((resolve) => deflate.flush(constants.Z_FULL_FLUSH, () => resolve()));
  deflate.destroy();
  const flushed = Buffer.concat(parts);
  const total = mib * (1 << 20);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0); // all zeros: a stays 1, b counts the bytes
  return Buffer.concat([
    flushed.subarray(0, 2),
    ...Array<Buffer>(mib).fill(flushed.subarray(2)),
    Buffer.from([0x03, 0x00]),
    adler,
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** An 8×8 RGB PNG whose iCCP profile (or zTXt EXIF text) inflates to `mib` MiB. */
export async function pngWithBomb(kind: 'iCCP' | 'zTXt', mib: number): Promise<Buffer> {
  const z = await zerosZlib(mib);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const meta =
    kind === 'iCCP'
      ? chunk('iCCP', Buffer.concat([Buffer.from('ICC\0\0', 'latin1'), z]))
      : chunk('zTXt', Buffer.concat([Buffer.from('Raw profile type exif\0\0', 'latin1'), z]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    meta,
    chunk('IDAT', deflateSync(Buffer.alloc(8 * 25))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
