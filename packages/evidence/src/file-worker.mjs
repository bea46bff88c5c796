// Worker thread for the I/O- and hash-bound part of ingest and verify. Plain JavaScript on purpose: worker
// threads start without the TypeScript loader, and this file must stay dependency-free.
// Each task reads its file exactly once, feeding MD5, SHA-1 and SHA-256 and (for ingest) the blob store's
// temp file from the same buffer.
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);

/**
 * Hashes (and copies) synchronously, then hands the fsync to libuv's thread pool and returns: the worker
 * takes its next file while the disk flushes this one. `finish` is called once the copy is durable.
 */
function hashFile(task, finish) {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  let src;
  let out;
  try {
    src = fs.openSync(task.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const before = fs.fstatSync(src);
    if (!before.isFile()) return finish({ error: { code: 'E_INPUT_NOT_FILE', message: 'not a regular file' } });
    if (task.tmpPath) out = fs.openSync(task.tmpPath, 'wx', 0o600);
    let size = 0;
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
    if (size !== after.size || size !== before.size || after.mtimeMs !== before.mtimeMs ||
        (task.expectedSize !== undefined && task.expectedSize !== size)) {
      return finish({ error: { code: 'E_INPUT_CHANGED', message: `file changed while it was read (size ${task.expectedSize ?? before.size} → ${size} read, now ${after.size})` } });
    }
    const result = { digests: { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex'), size }, mtimeMs: after.mtimeMs, head, synced: task.syncNow !== false };
    // Small files are flushed later in one batch by the caller: one journal commit for many files.
    if (out === undefined || task.syncNow === false) return finish(result);
    const fd = out;
    out = undefined;
    fs.fsync(fd, (err) => {
      fs.close(fd, () => finish(err ? { error: { code: 'E_INPUT_UNREADABLE', message: `cannot flush the stored copy: ${err.message}` } } : result));
    });
  } catch (err) {
    return finish({ error: { code: err.code === 'ENOENT' ? 'E_INPUT_MISSING' : err.code === 'ELOOP' ? 'E_SYMLINK_LOOP' : 'E_INPUT_UNREADABLE', message: `${err.code ?? ''} ${err.message}`.trim(), errno: err.code } });
  } finally {
    if (src !== undefined) fs.closeSync(src);
    if (out !== undefined) fs.closeSync(out);
  }
}

/** SHA-256 only, of many files in one task: verify checks each blob against its address (its SHA-256). */
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
    } catch (err) {
      return { error: { code: err.code === 'ENOENT' ? 'E_BLOB_MISSING' : 'E_BLOB_CORRUPT', message: `${err.code ?? ''} ${err.message}`.trim() } };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  });
}

parentPort.on('message', (task) => {
  if (task.addresses) {
    parentPort.postMessage({ id: task.id, addresses: hashAddresses(task.addresses) });
    return;
  }
  hashFile(task, (result) => {
    if (result.error && task.tmpPath) {
      try { fs.rmSync(task.tmpPath, { force: true }); } catch { /* the caller cleans tmp/ on next open */ }
    }
    parentPort.postMessage({ id: task.id, ...result });
  });
});
