/**
 * The farm's behaviour, the same on the embedded queue and on BullMQ over a real Redis: flows (a parent
 * waits for its children and gets their results in order), a time limit per attempt, a failure cap per
 * worker with block-listing, a worker that declines a job (another takes it; with none left the job fails
 * saying why), cancel, retry (a flow resumes), and the job log that records all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import {
  BullMqQueue,
  BullMqWorker,
  JobRegistry,
  LocalQueue,
  defineJobType,
  redisConnection,
  type QueueBackend,
} from '@vestige/jobs';
import { startRedis, type RedisForTest } from '../support-redis.ts';

/** Fails the first `failUntil` attempts of each job on the workers named in `on` (or everywhere). */
const flaky = defineJobType({
  id: 'test.flaky',
  schema: z.object({ n: z.number(), failOn: z.array(z.string()).optional(), cap: z.number().optional() }),
  failuresPerWorker: (p) => p.cap,
  async run(p, ctx) {
    if (!p.failOn || p.failOn.includes(ctx.worker))
      throw new VestigeError('E_JOB_FAILED', `simulated crash on ${ctx.worker}`);
    return { n: p.n, by: ctx.worker };
  },
});
const picky = defineJobType({
  id: 'test.picky',
  schema: z.object({ only: z.string() }),
  async run(p, ctx) {
    if (ctx.worker !== p.only)
      throw new VestigeError('E_RENDER_CLASS_MISMATCH', `needs ${p.only}, this is ${ctx.worker}`, {
        details: { declineWorker: true },
      });
    return ctx.worker;
  },
});
const slow = defineJobType({
  id: 'test.slow',
  schema: z.object({ ms: z.number(), limit: z.number().optional() }),
  timeoutMs: (p) => p.limit,
  async run(p, ctx) {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, p.ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
    });
    return p.ms;
  },
});
let squaresRun = 0;
const square = defineJobType({
  id: 'test.square',
  schema: z.object({ n: z.number() }),
  run: async ({ n }) => (squaresRun++, n * n),
});
/** Fails until the test mends it: what an operator's retry is for. */
let mended = false;
const fragile = defineJobType({
  id: 'test.fragile',
  schema: z.object({ n: z.number() }),
  async run({ n }) {
    if (!mended) throw new VestigeError('E_JOB_FAILED', 'the shared disk was not mounted');
    return n * n;
  },
});
const sum = defineJobType({
  id: 'test.sum',
  schema: z.object({ upTo: z.number(), poison: z.number().optional() }),
  async run(p, ctx) {
    ctx.log('planning');
    const squares = (await ctx.children(
      'squares',
      Array.from({ length: p.upTo }, (_, i) => ({
        type: i === p.poison ? 'test.fragile' : 'test.square',
        payload: { n: i + 1 },
      })),
    )) as number[];
    const total = squares.reduce((a, b) => a + b, 0);
    const [check] = (await ctx.children('check', [{ type: 'test.square', payload: { n: total } }])) as number[];
    return { total, check, history: (await ctx.history()).filter((l) => l === 'planning').length };
  },
});
const registry = () => new JobRegistry().register(flaky, picky, slow, square, fragile, sum);

let redis: RedisForTest;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function onBothQueues(
  name: string,
  body: (queue: QueueBackend, workers: string[]) => Promise<void>,
): Promise<void> {
  const local = new LocalQueue(registry(), { concurrency: 1 });
  try {
    await body(local, [(await import('@vestige/jobs')).workerName()]);
  } finally {
    await local.close();
  }
  const connection = redisConnection(redis.url);
  const workers = ['node-a', 'node-b'].map(
    (workerId) => new BullMqWorker(registry(), connection, { name: name, workerId, concurrency: 2 }),
  );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const queue = new BullMqQueue(registry(), connection, name);
  try {
    await body(queue, ['node-a', 'node-b']);
  } finally {
    await queue.close();
    await Promise.all(workers.map((w) => w.close()));
  }
}

describe('farm behaviour on the local queue and on BullMQ', () => {
  it("runs a flow: the parent gets its children's results in order, stage after stage", async () => {
    await onBothQueues('flow', async (queue) => {
      const id = await queue.enqueue('test.sum', { upTo: 6 });
      const result = (await queue.waitFor(id)) as { total: number; check: number };
      expect(result).toMatchObject({ total: 91, check: 91 * 91 });
      const children = (await queue.list()).filter((j) => j.parentId === id);
      expect(children).toHaveLength(7);
      expect((await queue.logs(id)).some((l) => /completed on worker/.test(l))).toBe(true);
    });
  });

  it("fails a parent with its child's reason when a child fails for good (the others still finish); a retry re-runs only the failed child", async () => {
    await onBothQueues('flow-fail', async (queue) => {
      mended = false;
      const id = await queue.enqueue('test.sum', { upTo: 4, poison: 2 });
      await expect(queue.waitFor(id)).rejects.toMatchObject({
        code: 'E_JOB_FAILED',
        message: expect.stringMatching(/shared disk was not mounted/),
      });
      const children = (await queue.list()).filter((j) => j.parentId === id);
      expect(children.filter((c) => c.state === 'completed')).toHaveLength(3);
      mended = true;
      const before = squaresRun;
      await queue.retry(id);
      expect(await queue.waitFor(id)).toMatchObject({ total: 30, check: 900 });
      // The three squares done before were not run again: only the final check was.
      expect(squaresRun - before).toBe(1);
    });
  });

  it('stops an attempt at its time limit with E_JOB_TIMEOUT', async () => {
    await onBothQueues('timeout', async (queue) => {
      const id = await queue.enqueue('test.slow', { ms: 60_000, limit: 300 });
      await expect(queue.waitFor(id)).rejects.toMatchObject({ code: 'E_JOB_TIMEOUT' });
      expect(await queue.waitFor(await queue.enqueue('test.slow', { ms: 10, limit: 5_000 }))).toBe(10);
    });
  });

  it('block-lists a worker after its failure cap for a job and lets another finish it; with every worker blocked the job fails naming them', async () => {
    await onBothQueues('cap', async (queue, workers) => {
      const all = await queue.enqueue('test.flaky', { n: 1, failOn: workers, cap: 1 }, { attempts: 5, backoffMs: 10 });
      await expect(queue.waitFor(all)).rejects.toMatchObject({
        code: 'E_WORKERS_EXHAUSTED',
        message: expect.stringContaining(workers.at(-1)!),
      });
      const log = await queue.logs(all);
      for (const w of workers) {
        expect(log.filter((l) => l.startsWith(`worker ${w} block-listed for this job: 1 failures`))).toHaveLength(1);
        expect(log.filter((l) => l.startsWith('attempt') && l.includes(`started on worker ${w}`))).toHaveLength(1);
      }
      if (workers.length === 1) return;
      const one = await queue.enqueue(
        'test.flaky',
        { n: 2, failOn: ['node-a'], cap: 1 },
        { attempts: 5, backoffMs: 10 },
      );
      expect(await queue.waitFor(one)).toMatchObject({ n: 2, by: 'node-b' });
      expect((await queue.logs(one)).filter((l) => /started on worker node-a/.test(l)).length).toBeLessThanOrEqual(1);
    });
  });

  it("hands a job its worker declines to another worker; with none left the job fails with the worker's reason", async () => {
    await onBothQueues('decline', async (queue, workers) => {
      const fits = await queue.enqueue('test.picky', { only: workers.at(-1)! }, { attempts: 1 });
      expect(await queue.waitFor(fits)).toBe(workers.at(-1));
      const none = await queue.enqueue('test.picky', { only: 'node-z' }, { attempts: 3 });
      await expect(queue.waitFor(none)).rejects.toMatchObject({
        code: expect.stringMatching(/^E_(RENDER_CLASS_MISMATCH|WORKERS_EXHAUSTED)$/),
      });
      const other = await queue.enqueue('test.square', { n: 3 });
      expect(await queue.waitFor(other)).toBe(9);
    });
  });

  it('cancels a running job: it ends cancelled, not retried', async () => {
    await onBothQueues('cancel', async (queue) => {
      const id = await queue.enqueue('test.slow', { ms: 60_000 }, { attempts: 3 });
      while ((await queue.get(id))?.state !== 'active') await new Promise((r) => setTimeout(r, 20));
      await queue.cancel(id);
      await expect(queue.waitFor(id)).rejects.toMatchObject({ code: 'E_CANCELLED' });
      expect((await queue.get(id))?.state).toBe('cancelled');
    });
  });
});
