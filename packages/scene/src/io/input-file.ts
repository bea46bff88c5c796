import { open, stat, type FileHandle } from 'node:fs/promises';
import { VestigeError } from '@vestige/evidence';

/**
 * A scan file opened for random access. Scanner formats keep their index at the end (E57's XML, COPC's
 * hierarchy, LAZ's chunk table), so readers seek instead of taking a one-way stream; they still only
 * ever hold a bounded window of the file.
 */
export class InputFile {
  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<InputFile> {
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new VestigeError(
        code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_UNREADABLE',
        `Cannot read ${path}: ${(err as Error).message}`,
        { file: path, cause: err },
      );
    }
    if (!st.isFile()) throw new VestigeError('E_INPUT_NOT_FILE', `${path} is not a regular file.`, { file: path });
    try {
      return new InputFile(path, st.size, await open(path, 'r'));
    } catch (err) {
      throw new VestigeError('E_INPUT_UNREADABLE', `Cannot open ${path}: ${(err as Error).message}`, {
        file: path,
        cause: err,
      });
    }
  }

  /** Reads exactly `length` bytes at `offset`; a file that ends early is corrupt (truncated). */
  async read(offset: number, length: number, what = 'data'): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new VestigeError(
        'E_INPUT_CORRUPT',
        `The file ends before its ${what} (needs bytes ${offset}–${offset + length}, file has ${this.size}).`,
        {
          file: this.path,
          hint: 'The file is truncated or damaged. Copy it again from the original media and compare its hash.',
          details: { offset, length, size: this.size },
        },
      );
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new VestigeError('E_INPUT_CHANGED', `The file became shorter while it was read.`, { file: this.path });
      }
      done += bytesRead;
    }
    return buf;
  }

  /** Reads up to `length` bytes (fewer at the end of the file). */
  async readUpTo(offset: number, length: number): Promise<Buffer> {
    return this.read(offset, Math.max(0, Math.min(length, this.size - offset)));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Opens a file, runs `fn`, and always closes it. */
export async function withInputFile<T>(path: string, fn: (file: InputFile) => Promise<T>): Promise<T> {
  const file = await InputFile.open(path);
  try {
    return await fn(file);
  } finally {
    await file.close();
  }
}

export function corrupt(file: string, message: string, details?: Record<string, unknown>, hint?: string): VestigeError {
  return new VestigeError('E_INPUT_CORRUPT', message, {
    file,
    hint: hint ?? 'The file is damaged or not what its name says. Check it against the original and its hash.',
    ...(details === undefined ? {} : { details }),
  });
}
