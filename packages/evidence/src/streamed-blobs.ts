import * as fs from 'node:fs';
import { fsyncPath, type BlobStore } from './blob-store.ts';
import { MultiHasher } from './digests.ts';
import { VestigeError } from './errors.ts';
import type { Digests } from './types.ts';

/** One blob being written as its bytes arrive. */
export interface StreamedBlob {
  /** Hashes and writes `bytes` at once; the caller may reuse `bytes` as soon as this returns. */
  write(bytes: Uint8Array): void;
  /** The last byte is in: flushes the blob and moves it to its content address (resolves when done). */
  end(): Promise<Digests>;
  /** Drops a blob that will not be completed; its temp file is removed. */
  abort(): void;
}

/**
 * Stores many blobs whose bytes arrive in pieces, such as frames streamed out of a decoder: each piece is hashed
 * (MD5, SHA-1, SHA-256) and written to a temp file as it comes, straight from whatever buffer it arrived in, so no
 * blob is ever held whole in memory and no bytes are handed between threads.
 *
 * Durability is the store's usual order, only overlapped: a finished blob's fsync goes to libuv's pool, so many are
 * in flight together (the file system commits its journal once for a group of blobs); once a blob is durable it is
 * renamed to its content address, and the directory fsyncs those renames owe are grouped and done by `drain()`. A
 * blob is thus never visible before its bytes are on disk, and nothing may refer to it before `drain()` resolves.
 *
 * Writing is synchronous on purpose: a piece lands in the page cache in microseconds, and the caller's reused read
 * buffer is free again the moment `write` returns. `backlog()` bounds how many flushes are outstanding.
 */
export class StreamedBlobSink {
  /** One random temp name per sink, suffixed per blob: the temp folder is made and a name drawn once. */
  private readonly tmpBase: string;
  private next = 0;
  private flushing = 0;
  /** Blobs begun and not yet in place, by temp path: how to drop each (close its file if open, remove it). */
  private readonly open = new Map<string, () => void>();
  private readonly dirsToSync = new Set<string>();
  private readonly waiters: Array<() => void> = [];
  private failure: unknown;

  constructor(
    private readonly blobs: BlobStore,
    private readonly options: { maxFlushing?: number } = {},
  ) {
    this.tmpBase = blobs.newTempPath();
  }

  begin(): StreamedBlob {
    this.throwIfFailed();
    const tmpPath = `${this.tmpBase}.${this.next++}`;
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmpPath, 'wx', 0o600);
    } catch (err) {
      throw this.fail(storeError(err));
    }
    const hasher = new MultiHasher();
    const drop = (): void => {
      const f = fd;
      fd = undefined;
      try {
        if (f !== undefined) fs.closeSync(f);
      } finally {
        this.removeTemp(tmpPath);
      }
    };
    this.open.set(tmpPath, drop);
    return {
      write: (bytes) => {
        if (fd === undefined) throw new Error('write after end or abort');
        hasher.update(bytes);
        let written = 0;
        try {
          while (written < bytes.byteLength) written += fs.writeSync(fd, bytes, written, bytes.byteLength - written);
        } catch (err) {
          throw this.fail(storeError(err));
        }
      },
      end: () => {
        if (fd === undefined) return Promise.reject(new Error('end after end or abort'));
        const digests = hasher.digest();
        const syncing = fd;
        fd = undefined;
        this.flushing++;
        return new Promise<Digests>((resolve, reject) => {
          fs.fsync(syncing, (syncErr) => {
            fs.close(syncing, (closeErr) => {
              this.flushing--;
              try {
                const err = syncErr ?? closeErr;
                if (err) throw storeError(err);
                this.blobs.commitTemp(tmpPath, digests.sha256, this.dirsToSync);
                this.open.delete(tmpPath);
                resolve(digests);
              } catch (err) {
                this.removeTemp(tmpPath);
                reject(this.fail(err));
              } finally {
                for (const w of this.waiters.splice(0)) w();
              }
            });
          });
        });
      },
      abort: drop,
    };
  }

  /** A promise to wait on while too many blobs are still being flushed, or null when there is room. */
  backlog(): Promise<void> | null {
    this.throwIfFailed();
    if (this.flushing < (this.options.maxFlushing ?? 64)) return null;
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.backlog() ?? undefined);
  }

  /** Waits until every ended blob is in its content address and the directories that name them are flushed. */
  async drain(): Promise<void> {
    await this.flushed();
    this.throwIfFailed();
    const dirs = [...this.dirsToSync];
    this.dirsToSync.clear();
    await Promise.all(dirs.map(fsyncPath));
  }

  /** After a failure: waits for flushes in flight, then removes every temp file this sink still owns. */
  async abandon(): Promise<void> {
    await this.flushed();
    for (const drop of [...this.open.values()]) drop();
  }

  private async flushed(): Promise<void> {
    while (this.flushing > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private removeTemp(tmpPath: string): void {
    this.open.delete(tmpPath);
    fs.rmSync(tmpPath, { force: true });
  }

  private fail(err: unknown): unknown {
    this.failure ??= err;
    return err;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

function storeError(err: unknown): VestigeError {
  if (err instanceof VestigeError) return err;
  const e = err as NodeJS.ErrnoException;
  return new VestigeError('E_CASE_WRITE', `could not write into the case: ${e.message}`, {
    file: e.path,
    hint:
      e.code === 'ENOSPC'
        ? 'The disk holding the case is full; free space and run the command again.'
        : 'Check that the case folder is writable.',
    details: { code: e.code },
    cause: err,
  });
}
