import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './support.ts';

export interface RedisForTest {
  url: string;
  port: number;
  stop(): Promise<void>;
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

/**
 * A real redis-server for one test file: loopback only, a random port, AOF on (as production runs it),
 * its data in a temp folder, and `timeout` so that it stops by itself even if the test process dies.
 */
export async function startRedis(): Promise<RedisForTest> {
  const redisPath = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p));
  if (!redisPath) throw new Error('redis-server is required for this test (Debian package redis-server; `pnpm test` installs it when run as root).');
  const port = await freePort();
  const dir = makeTempDir('vestige-redis-');
  const child: ChildProcess = spawn('timeout', ['900', redisPath, '--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(join(dir), { recursive: true, force: true });
    },
  };
}
