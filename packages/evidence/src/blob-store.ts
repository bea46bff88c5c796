import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MultiHasher, digestBuffer, isSha256Hex } from './digests.ts';
import { VestigeError, type ErrorCode } from './errors.ts';
import type { FileWorkerPool } from './file-worker-pool.ts';
import type { Digests } from './types.ts';

/**
 * Content-addressed storage: each blob lives at `blobs/sha256/ab/<sha256>` and is read-only.
 * Writes go to `tmp/`, are fsynced, then renamed into place, so a crash leaves either nothing or a
 * complete blob; a blob's name is its SHA-256, so a complete blob can be checked at any time.
 */
export class BlobStore {
  readonly root: string;
  readonly tmpDir: string;
  private pool: FileWorkerPool | undefined;

  constructor(
    caseDir: string,
    private readonly readOnly = false,
  ) {
    this.root = join(caseDir, 'blobs', 'sha256');
    this.tmpDir = join(caseDir, 'tmp');
  }

  /**
   * A stored copy written but not yet flushed or moved into place: `commitBatch` makes a batch of them
   * durable together (one journal commit for many small files instead of one each).
   */
  /** Lets the store hash and copy files on worker threads (ingest sets this). */
  usePool(pool: FileWorkerPool | undefined): void {
    this.pool = pool;
  }

  pathOf(sha256: string): string {
    if (!isSha256Hex(sha256)) {
      throw new VestigeError('E_PARAM_INVALID', `not a SHA-256 hex digest: ${JSON.stringify(sha256)}`, {
        hint: 'Blob addresses are 64 lower-case hexadecimal characters.',
      });
    }
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return isSha256Hex(sha256) && fs.existsSync(this.pathOf(sha256));
  }

  newTempPath(): string {
    this.assertWritable();
    fs.mkdirSync(this.tmpDir, { recursive: true });
    return join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
  }

  /** Removes temp files left by a crashed writer. Call only while holding the case's write lock. */
  clearTemp(): number {
    if (!fs.existsSync(this.tmpDir)) return 0;
    let removed = 0;
    for (const name of fs.readdirSync(this.tmpDir)) {
      fs.rmSync(join(this.tmpDir, name), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Moves a complete, fsynced temp file into its content address. If the blob already exists the temp
   * copy is dropped: the bytes are identical by construction.
   */
  commitTemp(tmpPath: string, sha256: string, dirsToSync?: Set<string>): { stored: boolean } {
    const dest = this.pathOf(sha256);
    if (fs.existsSync(dest)) {
      fs.rmSync(tmpPath, { force: true });
      return { stored: false };
    }
    const dir = join(this.root, sha256.slice(0, 2));
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      if (dirsToSync) dirsToSync.add(this.root);
      else fsyncDir(this.root);
    }
    fs.chmodSync(tmpPath, 0o444);
    fs.renameSync(tmpPath, dest);
    if (dirsToSync) dirsToSync.add(dir);
    else fsyncDir(dir);
    return { stored: true };
  }

  /**
   * Makes a batch of pending copies durable and moves them into place: all fsyncs in flight at once
   * (the file system merges them), then the renames, then one fsync per touched directory.
   */
  async commitBatch(pending: PendingBlob[]): Promise<void> {
    if (pending.length === 0) return;
    await Promise.all(pending.map((p) => fsyncPath(p.tmpPath)));
    const dirs = new Set<string>();
    for (const p of pending) this.commitTemp(p.tmpPath, p.sha256, dirs);
    await Promise.all([...dirs].map((dir) => fsyncPath(dir)));
  }

  /** Stores a file's bytes, hashing them in the same single read. */
  async putFile(path: string | Uint8Array, expectedSize?: number): Promise<Digests> {
    return (await this.putFileWithHead(path, expectedSize)).digests;
  }

  /**
   * As `putFile`, also returning the first 4 KiB (for sniffing the media type without another read).
   * With `batch`, files below `BATCH_SYNC_LIMIT` are left in `tmp/` unsynced and returned as `pending`:
   * the caller must pass them to `commitBatch` before it records them. `readablePath` is where the bytes
   * can be read meanwhile.
   */
  async putFileWithHead(
    path: string | Uint8Array,
    expectedSize?: number,
    options: { batch?: boolean } = {},
  ): Promise<{ digests: Digests; head: Uint8Array; readablePath: string; pending?: PendingBlob }> {
    const tmpPath = this.newTempPath();
    if (this.pool) {
      const syncNow = !options.batch || (expectedSize ?? 0) >= BATCH_SYNC_LIMIT;
      const result = await this.pool.run({
        path,
        tmpPath,
        syncNow,
        ...(expectedSize === undefined ? {} : { expectedSize }),
      });
      if (result.error) {
        throw new VestigeError(
          result.error.code as ErrorCode,
          `cannot store ${displayPath(path)}: ${result.error.message}`,
          { file: displayPath(path) },
        );
      }
      const head = result.head ?? new Uint8Array();
      if (result.synced === false) {
        return {
          digests: result.digests,
          head,
          readablePath: tmpPath,
          pending: { tmpPath, sha256: result.digests.sha256 },
        };
      }
      this.commitTemp(tmpPath, result.digests.sha256);
      return { digests: result.digests, head, readablePath: this.pathOf(result.digests.sha256) };
    }
    const digests = await this.writeStream(
      createReadStream(typeof path === 'string' ? path : Buffer.from(path)),
      tmpPath,
    );
    this.commitTemp(tmpPath, digests.sha256);
    const fd = fs.openSync(this.pathOf(digests.sha256), 'r');
    try {
      const head = Buffer.alloc(Math.min(4096, digests.size));
      fs.readSync(fd, head, 0, head.length, 0);
      return { digests, head, readablePath: this.pathOf(digests.sha256) };
    } finally {
      fs.closeSync(fd);
    }
  }

  async putBuffer(buf: Uint8Array): Promise<Digests> {
    const digests = digestBuffer(buf);
    if (this.has(digests.sha256)) return digests;
    const tmpPath = this.newTempPath();
    const fd = fs.openSync(tmpPath, 'wx', 0o600);
    try {
      let written = 0;
      while (written < buf.byteLength) written += fs.writeSync(fd, buf, written, buf.byteLength - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.commitTemp(tmpPath, digests.sha256);
    return digests;
  }

  async putStream(stream: Readable): Promise<Digests> {
    const tmpPath = this.newTempPath();
    const digests = await this.writeStream(stream, tmpPath);
    this.commitTemp(tmpPath, digests.sha256);
    return digests;
  }

  private async writeStream(stream: Readable, tmpPath: string): Promise<Digests> {
    const hasher = new MultiHasher();
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hasher.update(chunk);
        done(null, chunk);
      },
    });
    const out = createWriteStream(tmpPath, { flags: 'wx', mode: 0o600 });
    try {
      await pipeline(stream, tap, out);
      const fd = fs.openSync(tmpPath, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      fs.rmSync(tmpPath, { force: true });
      throw err;
    }
    return hasher.digest();
  }

  /** Reads a whole blob and checks it against its address. For large blobs prefer `openVerified`. */
  async read(sha256: string): Promise<Buffer> {
    const path = this.requirePath(sha256);
    const buf = await fs.promises.readFile(path);
    const actual = digestBuffer(buf).sha256;
    if (actual !== sha256) throw corrupt(sha256, path, actual);
    return buf;
  }

  /** A stream of the blob that fails with E_BLOB_CORRUPT at its end if the bytes do not match the address. */
  openVerified(sha256: string, options: { start?: number; end?: number } = {}): Readable {
    const path = this.requirePath(sha256);
    if (options.start !== undefined || options.end !== undefined) {
      // A byte range cannot be checked on its own; callers verify whole blobs separately (verify, serve).
      return createReadStream(path, options);
    }
    const hasher = new MultiHasher();
    const check = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hasher.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        const actual = hasher.digest().sha256;
        done(actual === sha256 ? null : corrupt(sha256, path, actual));
      },
    });
    const source: ReadStream = createReadStream(path);
    source.on('error', (err) => check.destroy(err));
    return source.pipe(check);
  }

  /** Re-hashes a blob. Returns the digests, or null when the file is missing. */
  async rehash(sha256: string): Promise<Digests | null> {
    const path = this.pathOf(sha256);
    if (!fs.existsSync(path)) return null;
    if (this.pool) {
      const result = await this.pool.run({ path });
      if (result.error)
        throw new VestigeError('E_BLOB_CORRUPT', `cannot read blob ${sha256}: ${result.error.message}`, { file: path });
      return result.digests;
    }
    const hasher = new MultiHasher();
    for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
    return hasher.digest();
  }

  /**
   * True when the blob is present and its bytes still hash to its address. Only SHA-256 is computed: the address is
   * what a derivation names, and MD5 and SHA-1 would triple the cost of a check run before every derivation.
   */
  async verify(sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    if (!fs.existsSync(path)) return false;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    return hash.digest('hex') === sha256;
  }

  /** Every blob address present on disk (for orphan checks). */
  *list(): Generator<string> {
    if (!fs.existsSync(this.root)) return;
    for (const a of fs.readdirSync(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const name of fs.readdirSync(join(this.root, a))) if (isSha256Hex(name) && name.startsWith(a)) yield name;
    }
  }

  private requirePath(sha256: string): string {
    const path = this.pathOf(sha256);
    if (!fs.existsSync(path)) {
      throw new VestigeError('E_BLOB_MISSING', `blob ${sha256} is missing from the case`, {
        file: path,
        hint: 'Run `vestige verify` on the case and restore the blob from a backup or export bundle.',
      });
    }
    return path;
  }

  private assertWritable(): void {
    if (this.readOnly) throw new VestigeError('E_CASE_READ_ONLY', 'the case was opened read-only');
  }
}

function corrupt(sha256: string, path: string, actual: string): VestigeError {
  return new VestigeError('E_BLOB_CORRUPT', `blob ${sha256} does not match its hash (it now hashes to ${actual})`, {
    file: path,
    hint: 'The stored copy was altered. Run `vestige verify` and restore it from a backup or export bundle.',
  });
}

export interface PendingBlob {
  readonly tmpPath: string;
  readonly sha256: string;
}

/** Files at least this large are flushed by the worker as soon as they are written, overlapping the next read. */
export const BATCH_SYNC_LIMIT = 8 * 1024 * 1024;

/** Flushes a file or directory to disk (opened read-only, so it works for both). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await fs.promises.open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A path for messages: raw-byte names are shown with their invalid bytes escaped. */
export function displayPath(path: string | Uint8Array): string {
  if (typeof path === 'string') return path;
  return decodePathBytes(path).display;
}

/** Decodes a file name's bytes; names that are not UTF-8 get `\xNN` escapes and are flagged. */
export function decodePathBytes(bytes: Uint8Array): { display: string; valid: boolean } {
  try {
    return { display: new TextDecoder('utf-8', { fatal: true }).decode(bytes), valid: true };
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      // Decode the longest valid run, escape one bad byte, continue.
      let j = i;
      while (j < bytes.length && bytes[j]! < 0x80) j++;
      if (j > i) {
        out += Buffer.from(bytes.subarray(i, j)).toString('latin1');
        i = j;
        continue;
      }
      let decoded = false;
      for (let len = 4; len >= 2 && !decoded; len--) {
        if (i + len > bytes.length) continue;
        try {
          out += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
          i += len;
          decoded = true;
        } catch {
          /* try a shorter sequence */
        }
      }
      if (!decoded) {
        out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
        i++;
      }
    }
    return { display: out, valid: false };
  }
}
