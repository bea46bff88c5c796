// Worker thread for BlobWriteQueue: hashes one blob (MD5, SHA-1, SHA-256 over the same bytes) and writes it, fsynced,
// to the temp path the case's blob store gave; the main thread then commits it to its content address. Off the main
// thread so the decode pipes keep flowing while the disk catches up. Plain JavaScript: workers start without a TS loader.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

function fail(id, tmpPath, err) {
  try {
    fs.rmSync(tmpPath, { force: true });
  } catch {}
  parentPort.postMessage({ id, error: { message: err.message, code: err.code } });
}

parentPort.on('message', ({ id, data, tmpPath }) => {
  let fd;
  try {
    // The bytes arrive either as a transferred buffer (no copy) or as a copy; view them in place either way.
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const digests = {
      md5: createHash('md5').update(bytes).digest('hex'),
      sha1: createHash('sha1').update(bytes).digest('hex'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.byteLength,
    };
    fd = fs.openSync(tmpPath, 'wx', 0o600);
    let written = 0;
    while (written < bytes.byteLength) written += fs.writeSync(fd, bytes, written, bytes.byteLength - written);
    // The flush goes to libuv's pool and this thread takes the next blob: many flushes are in flight at once, so the
    // file system commits its journal once for a group of frames instead of once per frame.
    const syncing = fd;
    fd = undefined;
    fs.fsync(syncing, (syncErr) => {
      fs.close(syncing, (closeErr) => {
        const err = syncErr ?? closeErr;
        if (err) fail(id, tmpPath, err);
        else parentPort.postMessage({ id, digests });
      });
    });
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fail(id, tmpPath, err);
  }
});
