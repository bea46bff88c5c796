import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Longest socket path every platform accepts (Linux allows 108 bytes, macOS 104, both counting the final NUL). */
const MAX_SOCKET_PATH = 100;

/**
 * A connected pair of local stream sockets for a child's output: `far` is handed to the child as one of its stdio
 * descriptors (then closed here), `near` delivers what the child writes into one reused `buffer` through `onRead`;
 * `onRead` returning false pauses the reading until `near.resume()`.
 *
 * Why not a plain `stdio: 'pipe'`: Node allocates a fresh 64 KiB buffer for every read of such a pipe, and a 1080p
 * decode streams about 3 MB of raw pixels and a PNG per frame; those allocations alone made V8 collect garbage every
 * few frames and cost more than the reads. Reading into one buffer that stays in the CPU cache costs only the copy. The
 * pair is made with a listening socket in a fresh private folder (mode 0700), so no other user can connect in between.
 *
 * Returns null where local stream sockets cannot be made this way (Windows, or a temp folder path too long); callers
 * then use an ordinary pipe.
 */
export async function localSocketPair(
  buffer: Buffer,
  onRead: (bytes: number, buffer: Buffer) => boolean | void,
): Promise<{ near: Socket; far: Socket } | null> {
  if (process.platform === 'win32') return null;
  const dir = mkdtempSync(join(tmpdir(), 'vestige-'));
  const path = join(dir, 's');
  if (path.length > MAX_SOCKET_PATH) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const accepted = new Promise<Socket>((resolve, reject) => {
      server.once('connection', resolve);
      server.once('error', reject);
    });
    // Returning false stops reading (the child then blocks on a full socket) until `near.resume()`.
    const callback = (n: number, buf: Uint8Array): boolean => onRead(n, buf as Buffer) !== false;
    const near = createConnection({ path, onread: { buffer, callback } });
    await new Promise<void>((resolve, reject) => {
      near.once('connect', resolve);
      near.once('error', reject);
    });
    const far = await accepted;
    return { near, far };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
