import { inflateSync } from 'node:zlib';

/** A minimal PNG reader for tests: enough to read back what ffmpeg wrote (8/16-bit grey, RGB, RGBA; no interlace). */
export function readPng(png: Buffer): {
  width: number;
  height: number;
  bitDepth: number;
  channels: number;
  data: Buffer;
} {
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 8;
  let colorType = 2;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8]!;
      colorType = body[9]!;
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  const bpp = (channels * bitDepth) / 8;
  const stride = width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[x - bpp]! : 0;
      const b = prev[x]!;
      const c = x >= bpp ? prev[x - bpp]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[x] = v & 0xff;
    }
  }
  return { width, height, bitDepth, channels, data };
}

/** The frame index in the code band of a PNG written from a sample video (reads the red/grey channel, top byte). */
export function pngFrameIndex(png: Buffer, bits = 12, block = 16): number {
  const img = readPng(png);
  const bytesPerSample = img.bitDepth / 8;
  let n = 0;
  for (let bit = 0; bit < Math.min(bits, Math.floor(img.width / block)); bit++) {
    const x = bit * block + block / 2;
    const y = block / 2;
    const v = img.data[(y * img.width + x) * img.channels * bytesPerSample]!;
    if (v > 128) n |= 1 << bit;
  }
  return n;
}
