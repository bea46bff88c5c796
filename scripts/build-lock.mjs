import * as fs from 'node:fs';

/**
 * One build at a time across processes (test files run in parallel workers, and each may find a build
 * stale): the others wait, then find it fresh. A lock older than three minutes is taken as left by a
 * killed build. `fn` may be synchronous or return a promise; the lock is held until it settles.
 */
export function withBuildLock(lock, fn) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (Date.now() > deadline) fs.rmSync(lock, { force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  const release = () => fs.rmSync(lock, { force: true });
  let result;
  try {
    result = fn();
  } catch (err) {
    release();
    throw err;
  }
  if (result && typeof result.then === 'function') return result.finally(release);
  release();
  return result;
}
