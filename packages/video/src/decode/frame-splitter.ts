import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { VestigeError } from '@vestige/evidence';

/** Cuts a rawvideo stream into whole frames of fixed size, holding no more than one frame plus one chunk. */
export class RawFrameSplitter {
  private parts: Buffer[] = [];
  private have = 0;

  constructor(readonly frameSize: number) {
    if (!(frameSize > 0)) throw new Error('frame size must be positive');
  }

  /** Bytes left over at the end that did not make a whole frame. */
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

/** Where one streamed unit's bytes go: pieces in order, then its end (or its abandonment). */
export interface UnitWriter {
  /** The next bytes of the unit; `bytes` is a view of a reused buffer, valid only during the call. */
  write(bytes: Buffer): void;
  /** The unit's last byte has been written. A returned promise holds the stream until it settles (back-pressure). */
  end(): void | Promise<void>;
  /** The stream ended (or failed) inside this unit: it is incomplete and must be dropped. */
  abort(): void;
}

const enum PngPart {
  Signature,
  ChunkHeader,
  ChunkBody,
}

/**
 * Finds where each PNG ends in a stream of PNG files back to back (ffmpeg's image2pipe) by walking the chunk headers,
 * and passes each file's bytes on as they arrive, in the pieces they arrived in: no image is ever assembled in memory,
 * only an 8-byte chunk header is kept between reads. The stream must start with a PNG signature.
 */
export class PngStreamCutter {
  private part = PngPart.Signature;
  /** Bytes still to pass in the current part (signature, chunk header, or chunk data plus CRC). */
  private need = PNG_SIGNATURE.length;
  private readonly header = Buffer.alloc(8);
  private lastChunk = false;
  private unit: UnitWriter | null = null;
  private unitBytes = 0;
  /** Images begun so far: the next one is opened with this index. */
  private opened = 0;

  /** `openUnit(k)` is called as the `k`-th image (from 0) begins. */
  constructor(private readonly openUnit: (k: number) => UnitWriter) {}

  /** Bytes of an image begun but not finished. */
  get leftover(): number {
    return this.unitBytes;
  }

  /**
   * Passes `chunk` on; returns how many images it finished and the back-pressure promises their `end()` returned.
   * Throws when the bytes are not a PNG stream.
   */
  push(chunk: Buffer): { ended: number; holds: Array<Promise<void>> | null } {
    let ended = 0;
    let holds: Array<Promise<void>> | null = null;
    let pos = 0;
    let from = 0;
    while (pos < chunk.length) {
      if (!this.unit) {
        this.unit = this.openUnit(this.opened++);
        from = pos;
      }
      const take = Math.min(this.need, chunk.length - pos);
      if (this.part === PngPart.Signature) {
        const at = PNG_SIGNATURE.length - this.need;
        if (!chunk.subarray(pos, pos + take).equals(PNG_SIGNATURE.subarray(at, at + take))) {
          throw new VestigeError('E_FFMPEG_FAILED', 'ffmpeg produced something that is not a PNG stream.');
        }
      } else if (this.part === PngPart.ChunkHeader) {
        chunk.copy(this.header, 8 - this.need, pos, pos + take);
      }
      pos += take;
      this.need -= take;
      if (this.need > 0) continue;
      if (this.part === PngPart.ChunkHeader) {
        this.part = PngPart.ChunkBody;
        this.need = this.header.readUInt32BE(0) + 4;
        this.lastChunk = this.header.readUInt32BE(4) === IEND;
        continue;
      }
      if (this.part === PngPart.ChunkBody && this.lastChunk) {
        const unit = this.unit;
        unit.write(chunk.subarray(from, pos));
        this.unit = null;
        this.unitBytes = 0;
        this.part = PngPart.Signature;
        this.need = PNG_SIGNATURE.length;
        const hold = unit.end();
        ended++;
        if (hold) (holds ??= []).push(hold);
        continue;
      }
      this.part = PngPart.ChunkHeader;
      this.need = 8;
    }
    if (this.unit && pos > from) {
      this.unitBytes += pos - from;
      this.unit.write(chunk.subarray(from, pos));
    }
    return { ended, holds };
  }

  /** The stream has ended (or failed): an image still open is incomplete and is dropped. */
  close(): void {
    const unit = this.unit;
    this.unit = null;
    unit?.abort();
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
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `color=c=black:s=16x16:r=1,scale=${width}:${height}:flags=neighbor,format=${pixFmt}`,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-',
    ],
    { maxBuffer: 1 << 30, timeout: 30_000 },
  );
  if (result.status !== 0 || !result.stdout || result.stdout.length === 0) {
    throw new VestigeError('E_INPUT_UNSUPPORTED', `ffmpeg cannot produce raw frames in pixel format '${pixFmt}'.`, {
      details: { stderr: result.stderr?.toString().slice(-500) },
    });
  }
  return result.stdout.length;
}
