/** The distributed queue on a real Redis: the same job types as the local queue, run by separate workers. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CaseStore, VestigeError, ingestJob, verifyCaseJob } from '@vestige/evidence';
import { BullMqQueue, BullMqWorker, JobRegistry, LocalQueue, defineJobType, redisConnection } from '@vestige/jobs';
import { cliPath, makeTempDir } from '../support.ts';
import { startRedis, type RedisForTest } from '../support-redis.ts';

let redis: RedisForTest;
let dir: string;

const failing = defineJobType({
  id: 'test.fails',
  schema: z.object({}),
  async run() {
    throw new VestigeError('E_INPUT_CORRUPT', 'the exhibit file is damaged');
  },
});
const registry = () => new JobRegistry().register(verifyCaseJob, ingestJob, failing);

beforeAll(async () => {
  redis = await startRedis();
  dir = makeTempDir('vestige-bullmq-');
  fs.mkdirSync(join(dir, 'exhibit'));
  for (let i = 0; i < 5; i++) fs.writeFileSync(join(dir, 'exhibit', `f${i}.bin`), Buffer.alloc(1000 + i, i));
});
afterAll(async () => {
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('BullMQ backend', () => {
  it('runs ingest and verify jobs on two workers and gives the same results as the local queue', async () => {
    const connection = redisConnection(redis.url);
    const workers = [
      new BullMqWorker(registry(), connection, { concurrency: 1 }),
      new BullMqWorker(registry(), connection, { concurrency: 1 }),
    ];
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const queue = new BullMqQueue(registry(), connection);
    try {
      const remoteCase = join(dir, 'remote-case');
      CaseStore.init(remoteCase, { operator: 'PC 1' }).close();
      const ingestId = await queue.enqueue('evidence.ingest', {
        caseDir: remoteCase,
        paths: [join(dir, 'exhibit')],
        operator: 'PC 1',
      });
      const ingested = (await queue.waitFor(ingestId)) as { itemsAdded: number };
      expect(ingested.itemsAdded).toBe(5);
      const verifyId = await queue.enqueue('evidence.verify', { caseDir: remoteCase });
      const verified = (await queue.waitFor(verifyId)) as { ok: boolean; blobsChecked: number };
      expect(verified).toMatchObject({ ok: true, blobsChecked: 5 });
      expect(await queue.get(verifyId)).toMatchObject({ state: 'completed', type: 'evidence.verify' });

      // The embedded queue runs the very same job types to the same result.
      const localCase = join(dir, 'local-case');
      CaseStore.init(localCase, { operator: 'PC 1' }).close();
      const local = new LocalQueue(registry());
      const localIngest = (await local.waitFor(
        await local.enqueue('evidence.ingest', { caseDir: localCase, paths: [join(dir, 'exhibit')], operator: 'PC 1' }),
      )) as { itemsAdded: number };
      expect(localIngest.itemsAdded).toBe(ingested.itemsAdded);
      const a = CaseStore.open(remoteCase, { readOnly: true });
      const b = CaseStore.open(localCase, { readOnly: true });
      expect(a.items().map((i) => [i.id, i.sha256])).toEqual(b.items().map((i) => [i.id, i.sha256]));
      a.close();
      b.close();
      await local.close();
    } finally {
      await queue.close();
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('reports bad input with its code to the producer, without retrying it', async () => {
    const connection = redisConnection(redis.url);
    const worker = new BullMqWorker(registry(), connection);
    await worker.waitUntilReady();
    const queue = new BullMqQueue(registry(), connection);
    try {
      const id = await queue.enqueue('test.fails', {}, { attempts: 4, backoffMs: 10 });
      await expect(queue.waitFor(id)).rejects.toMatchObject({ code: 'E_INPUT_CORRUPT' });
      expect(await queue.get(id)).toMatchObject({ state: 'failed', attempts: 1 });
      await expect(queue.enqueue('evidence.verify', { caseDir: 42 })).rejects.toMatchObject({
        code: 'E_PARAM_INVALID',
      });
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  it('`vestige worker` on a node runs what `vestige queue add --redis` queues', async () => {
    const { spawn, spawnSync } = await import('node:child_process');
    const caseDir = join(dir, 'cli-case');
    CaseStore.init(caseDir, { operator: 'PC 1' }).close();
    const worker = spawn(process.execPath, [cliPath, 'worker', '--redis', redis.url, '--queue', 'cli-test'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stderr!.on('data', (d: Buffer) => d.toString().includes('worker ready') && resolve());
        worker.on('exit', (code) => reject(new Error(`worker exited ${code}`)));
      });
      // The producer uses the queue name the worker listens on.
      const queue = new BullMqQueue(registry(), redisConnection(redis.url), 'cli-test');
      const id = await queue.enqueue('evidence.ingest', { caseDir, paths: [join(dir, 'exhibit')], operator: 'PC 7' });
      expect(await queue.waitFor(id)).toMatchObject({ itemsAdded: 5 });
      await queue.close();
      const r = spawnSync(
        process.execPath,
        [cliPath, 'queue', 'add', 'evidence.verify', '--payload', JSON.stringify({ caseDir }), '--json'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).result).toMatchObject({ ok: true, blobsChecked: 5 });
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
  });
});
