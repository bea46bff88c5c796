import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { VestigeError } from '@vestige/evidence';

/**
 * Cuts a byte stream into whole units (raw frames of fixed size, or PNG files) without holding more than one unit
 * plus one chunk in memory.
 */
export interface UnitSplitter {
  push(chunk: Buffer): Buffer[];
  /** Bytes left over at the end that did not make a whole unit. */
  readonly leftover: number;
}

/** Fixed-size units: rawvideo frames. */
export class RawFrameSplitter implements UnitSplitter {
  private parts: Buffer[] = [];
  private have = 0;

  constructor(readonly frameSize: number) {
    if (!(frameSize > 0)) throw new Error('frame size must be positive');
  }

  get leftover(): number {
    return this.have;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameSize - this.have, chunk.length - offset);
      this.parts.push(chunk.subarray(offset, offset + take));
      this.have += take;
      offset += take;
      if (this.have === this.frameSize) {
        out.push(this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts, this.frameSize));
        this.parts = [];
        this.have = 0;
      }
    }
    return out;
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The chunk type `IEND` as a big-endian number. */
const IEND = 0x49454e44;

/**
 * PNG files back to back (ffmpeg's image2pipe): walks the chunk headers to find each IEND. Chunks of the pipe are
 * kept as a list and joined once per image, so a large PNG is copied once, not once per pipe read.
 */
export class PngStreamSplitter implements UnitSplitter {
  private parts: Buffer[] = [];
  private have = 0;
  /** Offset (within the current image) of the next PNG chunk header; 0 = expecting a signature. */
  private cursor = 0;

  get leftover(): number {
    return this.have;
  }

  /** Copies `n` bytes at `offset` of the buffered bytes (they may straddle pipe chunks). */
  private peek(offset: number, n: number): Buffer {
    const out = Buffer.alloc(n);
    let skip = offset;
    let filled = 0;
    for (const part of this.parts) {
      if (skip >= part.length) {
        skip -= part.length;
        continue;
      }
      const take = Math.min(part.length - skip, n - filled);
      part.copy(out, filled, skip, skip + take);
      filled += take;
      skip = 0;
      if (filled === n) break;
    }
    return out;
  }

  /**
   * The big-endian 32-bit number at `offset` of the buffered bytes (it may straddle pipe chunks). Read in place:
   * ffmpeg writes a 1080p frame as about a hundred 4 KiB IDAT chunks, and each header is read once.
   */
  private uint32At(offset: number): number {
    let value = 0;
    let got = 0;
    let skip = offset;
    for (const part of this.parts) {
      if (skip >= part.length) {
        skip -= part.length;
        continue;
      }
      for (; got < 4 && skip < part.length; got++, skip++) value = value * 256 + part[skip]!;
      if (got === 4) break;
      skip = 0;
    }
    return value;
  }

  private take(n: number): Buffer {
    // The image gets a buffer of its own, exactly its size, so a consumer can hand it to another thread without a
    // copy; the remainder (the start of the next image) is copied out.
    const unit = this.parts.length === 1 && this.have === n ? this.parts[0]! : Buffer.concat(this.parts, n);
    const rest = this.have > n ? this.peek(n, this.have - n) : null;
    this.parts = rest ? [rest] : [];
    this.have = rest ? rest.length : 0;
    return unit;
  }

  push(chunk: Buffer): Buffer[] {
    this.parts.push(chunk);
    this.have += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.cursor === 0) {
        if (this.have < 8) break;
        if (!this.peek(0, 8).equals(PNG_SIGNATURE)) {
          throw new VestigeError('E_FFMPEG_FAILED', 'ffmpeg produced something that is not a PNG stream.');
        }
        this.cursor = 8;
      }
      if (this.have < this.cursor + 8) break;
      const length = this.uint32At(this.cursor);
      const end = this.cursor + 12 + length;
      if (this.have < end) break;
      const type = this.uint32At(this.cursor + 4);
      this.cursor = end;
      if (type === IEND) {
        out.push(this.take(end));
        this.cursor = 0;
      }
    }
    return out;
  }
}

const NO_DIGESTS: string[] = [];
Object.freeze(NO_DIGESTS);

/**
 * Fixed-size units hashed as they stream: no frame is ever assembled in memory, so hashing a 1080p frame costs the
 * hash and nothing else. `push` returns the finished frames' SHA-256 (hex), in order.
 */
export class RawFrameHasher {
  private hash = createHash('sha256');
  private have = 0;

  constructor(readonly frameSize: number) {
    if (!(frameSize > 0)) throw new Error('frame size must be positive');
  }

  get leftover(): number {
    return this.have;
  }

  push(chunk: Buffer): readonly string[] {
    // Most reads finish no frame: they return the shared empty list rather than a new one (fifty reads a frame).
    let out: string[] = NO_DIGESTS;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameSize - this.have, chunk.length - offset);
      this.hash.update(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
      this.have += take;
      offset += take;
      if (this.have === this.frameSize) {
        if (out === NO_DIGESTS) out = [];
        out.push(this.hash.digest('hex'));
        this.hash = createHash('sha256');
        this.have = 0;
      }
    }
    return out;
  }
}

/** Bytes per frame of the common planar formats, so most decodes need no measuring run. */
function knownFrameSize(pixFmt: string, w: number, h: number): number | null {
  const cw2 = Math.ceil(w / 2);
  const ch2 = Math.ceil(h / 2);
  const deep = /p(9|10|12|14|16)(le|be)$/.test(pixFmt) ? 2 : 1;
  const base = pixFmt.replace(/(9|10|12|14|16)(le|be)$/, '');
  switch (base) {
    case 'yuv420p':
    case 'yuvj420p':
      return deep * (w * h + 2 * cw2 * ch2);
    case 'yuv422p':
    case 'yuvj422p':
      return deep * (w * h + 2 * cw2 * h);
    case 'yuv444p':
    case 'yuvj444p':
    case 'gbrp':
      return deep * 3 * w * h;
    case 'gray':
      return deep === 1 && pixFmt === 'gray' ? w * h : null;
    case 'rgb24':
    case 'bgr24':
      return 3 * w * h;
    default:
      return null;
  }
}

const sizeCache = new Map<string, number>();

/** Bytes of one rawvideo frame of `pixFmt` at `width`×`height`, as ffmpeg lays it out (from a table, else measured). */
export function rawFrameSize(ffmpegPath: string, pixFmt: string, width: number, height: number): number {
  const key = `${ffmpegPath}|${pixFmt}|${width}x${height}`;
  const cached = sizeCache.get(key) ?? knownFrameSize(pixFmt, width, height);
  if (cached !== null && cached !== undefined) return cached;
  const size = measureRawFrameSize(ffmpegPath, pixFmt, width, height);
  sizeCache.set(key, size);
  return size;
}

/** Asks ffmpeg for one frame of the format and counts its bytes: right for every format ffmpeg knows. */
export function measureRawFrameSize(ffmpegPath: string, pixFmt: string, width: number, height: number): number {
  const result = spawnSync(
    ffmpegPath,
    // The colour source rounds odd sizes to even; scaling to the size keeps odd sizes exact.
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=c=black:s=16x16:r=1,scale=${width}:${height}:flags=neighbor,format=${pixFmt}`, '-frames:v', '1', '-f', 'rawvideo', '-'],
    { maxBuffer: 1 << 30, timeout: 30_000 },
  );
  if (result.status !== 0 || !result.stdout || result.stdout.length === 0) {
    throw new VestigeError('E_INPUT_UNSUPPORTED', `ffmpeg cannot produce raw frames in pixel format '${pixFmt}'.`, {
      details: { stderr: result.stderr?.toString().slice(-500) },
    });
  }
  return result.stdout.length;
}
