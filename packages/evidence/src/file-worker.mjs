// @ts-check
// Worker thread for the I/O- and hash-bound part of ingest and verify, on the one WorkerPool
// (file-worker-pool.ts). Plain JavaScript on purpose: it starts without the TypeScript loader (a second
// of CPU per thread), and depends on nothing outside Node but the pool's worker side.
// Each task reads its file exactly once, feeding MD5, SHA-1 and SHA-256 and (for ingest) the blob store's
// temp file from the same buffer.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { serveRequests } from './worker-pool/worker-thread.mjs';

/** @typedef {import('./file-worker-pool.ts').FileTask} FileTask */
/** @typedef {import('./file-worker-pool.ts').FileTaskResult} FileTaskResult */
/** @typedef {import('./file-worker-pool.ts').AddressResult} AddressResult */
/** @typedef {import('./file-worker-pool.ts').FileWorkerRequest} FileWorkerRequest */
/** @typedef {import('./file-worker-pool.ts').FileWorkerResult} FileWorkerResult */

const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);

/**
 * Hashes (and copies) synchronously, then hands the fsync to libuv's thread pool and returns: the worker
 * takes its next file while the disk flushes this one. `finish` is called once the copy is durable.
 * @param {FileTask} task
 * @param {(result: FileTaskResult) => void} finish
 */
function hashFile(task, finish) {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  let src;
  let out;
  try {
    // Raw name bytes arrive as a Uint8Array (structured clone drops Buffer); a Buffer view over them is a path.
    const path =
      typeof task.path === 'string'
        ? task.path
        : Buffer.from(task.path.buffer, task.path.byteOffset, task.path.byteLength);
    src = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const before = fs.fstatSync(src);
    if (!before.isFile()) return finish({ error: { code: 'E_INPUT_NOT_FILE', message: 'not a regular file' } });
    if (task.tmpPath) out = fs.openSync(task.tmpPath, 'wx', 0o600);
    let size = 0;
    /** @type {Buffer | undefined} */
    let head;
    for (;;) {
      const n = fs.readSync(src, buffer, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = n === CHUNK ? buffer : buffer.subarray(0, n);
      md5.update(chunk);
      sha1.update(chunk);
      sha256.update(chunk);
      if (out !== undefined) {
        let written = 0;
        while (written < n) written += fs.writeSync(out, chunk, written, n - written);
      }
      if (size === 0) head = Buffer.from(chunk.subarray(0, Math.min(n, 4096)));
      size += n;
    }
    const after = fs.fstatSync(src);
    // A file that changes under us yields digests of bytes that never existed together: refuse it.
    if (
      size !== after.size ||
      size !== before.size ||
      after.mtimeMs !== before.mtimeMs ||
      (task.expectedSize !== undefined && task.expectedSize !== size)
    ) {
      return finish({
        error: {
          code: 'E_INPUT_CHANGED',
          message: `file changed while it was read (size ${task.expectedSize ?? before.size} → ${size} read, now ${after.size})`,
        },
      });
    }
    /** @type {FileTaskResult} */
    const result = {
      digests: { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex'), size },
      mtimeMs: after.mtimeMs,
      head,
      synced: task.syncNow !== false,
    };
    // Small files are flushed later in one batch by the caller: one journal commit for many files.
    if (out === undefined || task.syncNow === false) return finish(result);
    const fd = out;
    out = undefined;
    fs.fsync(fd, (err) => {
      fs.close(fd, () =>
        finish(
          err
            ? { error: { code: 'E_INPUT_UNREADABLE', message: `cannot flush the stored copy: ${err.message}` } }
            : result,
        ),
      );
    });
  } catch (caught) {
    const err = /** @type {NodeJS.ErrnoException} */ (caught);
    return finish({
      error: {
        code:
          err.code === 'ENOENT' ? 'E_INPUT_MISSING' : err.code === 'ELOOP' ? 'E_SYMLINK_LOOP' : 'E_INPUT_UNREADABLE',
        message: `${err.code ?? ''} ${err.message}`.trim(),
        ...(err.code === undefined ? {} : { errno: err.code }),
      },
    });
  } finally {
    if (src !== undefined) fs.closeSync(src);
    if (out !== undefined) fs.closeSync(out);
  }
}

/**
 * SHA-256 only, of many files in one task: verify checks each blob against its address (its SHA-256).
 * @param {string[]} paths
 * @returns {AddressResult[]}
 */
function hashAddresses(paths) {
  return paths.map((path) => {
    let fd;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const sha256 = createHash('sha256');
      let size = 0;
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, CHUNK, null);
        if (n === 0) break;
        sha256.update(n === CHUNK ? buffer : buffer.subarray(0, n));
        size += n;
      }
      return { sha256: sha256.digest('hex'), size };
    } catch (caught) {
      const err = /** @type {NodeJS.ErrnoException} */ (caught);
      return {
        error: {
          code: err.code === 'ENOENT' ? 'E_BLOB_MISSING' : 'E_BLOB_CORRUPT',
          message: `${err.code ?? ''} ${err.message}`.trim(),
        },
      };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  });
}

serveRequests(
  /** @type {(task: FileWorkerRequest) => FileWorkerResult | Promise<FileWorkerResult>} */
  (task) => {
    if ('addresses' in task) return { addresses: hashAddresses(task.addresses) };
    return new Promise((resolve) =>
      hashFile(task, (result) => {
        if (result.error && task.tmpPath) {
          try {
            fs.rmSync(task.tmpPath, { force: true });
          } catch {
            /* the caller cleans tmp/ on next open */
          }
        }
        resolve(result);
      }),
    );
  },
);
