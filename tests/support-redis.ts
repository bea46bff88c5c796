import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './support.ts';

export interface RedisForTest {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server (SIGTERM: it writes its AOF out) and starts it again on the same port and data. */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function launch(redisPath: string, port: number, dir: string): Promise<ChildProcess> {
  const child: ChildProcess = spawn(
    'timeout',
    [
      '900',
      redisPath,
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return child;
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exit = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exit;
}

/**
 * A real redis-server for one test file: loopback only, a random port, AOF on (as production runs it),
 * its data in a temp folder, and `timeout` so that it stops by itself even if the test process dies.
 */
export async function startRedis(): Promise<RedisForTest> {
  const redisPath = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p));
  if (!redisPath)
    throw new Error(
      'redis-server is required for this test (Debian package redis-server; `pnpm test` installs it when run as root).',
    );
  const port = await freePort();
  const dir = makeTempDir('vestige-redis-');
  let child = await launch(redisPath, port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopped(child);
      fs.rmSync(join(dir), { recursive: true, force: true });
    },
    restart: async () => {
      await stopped(child);
      child = await launch(redisPath, port, dir);
    },
  };
}
