// Worker thread for BlobWriteQueue: hashes one blob (MD5, SHA-1, SHA-256 in one pass) and writes it, fsynced, to the
// temp path the case's blob store gave; the main thread then commits it to its content address. Off the main thread
// so the decode pipes keep flowing while the disk catches up. Plain JavaScript: workers start without a TS loader.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ id, data, tmpPath }) => {
  try {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const digests = {
      md5: createHash('md5').update(bytes).digest('hex'),
      sha1: createHash('sha1').update(bytes).digest('hex'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.byteLength,
    };
    const fd = fs.openSync(tmpPath, 'wx', 0o600);
    try {
      let written = 0;
      while (written < bytes.byteLength) written += fs.writeSync(fd, bytes, written, bytes.byteLength - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    parentPort.postMessage({ id, digests });
  } catch (err) {
    try {
      fs.rmSync(tmpPath, { force: true });
    } catch {}
    parentPort.postMessage({ id, error: { message: err.message, code: err.code } });
  }
});
