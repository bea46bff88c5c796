import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { defineJobType } from '@vestige/evidence';
import { JobRegistry } from './job-registry.ts';
import { LocalQueue } from './local-queue.ts';

const square = defineJobType({
  id: 'test.square',
  schema: z.object({ n: z.number().int() }).strict(),
  async run({ n }, ctx) {
    ctx.progress(0.5);
    await new Promise((r) => setTimeout(r, 5));
    return n * n;
  },
});

describe('LocalQueue', () => {
  it('runs jobs with bounded concurrency and returns results', async () => {
    let active = 0;
    let peak = 0;
    // The first jobs wait until two run at once (never on a timer), so the test means the same under load.
    let bothRunning!: () => void;
    const twoActive = new Promise<void>((resolve) => (bothRunning = resolve));
    const tracked = defineJobType({
      id: 'test.tracked',
      schema: z.object({ n: z.number() }),
      async run({ n }) {
        active++;
        peak = Math.max(peak, active);
        if (active === 2) bothRunning();
        if (n <= 2) await twoActive;
        await Promise.resolve();
        active--;
        return n + 1;
      },
    });
    const queue = new LocalQueue(new JobRegistry().register(square, tracked), { concurrency: 2 });
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => queue.enqueue('test.tracked', { n })));
    expect(await Promise.all(ids.map((id) => queue.waitFor(id)))).toEqual([2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'completed', progress: 1, attempts: 1 });
    await queue.close();
  });

  it('validates payloads at the edge with a typed error', async () => {
    const queue = new LocalQueue(new JobRegistry().register(square));
    await expect(queue.enqueue('test.square', { n: 'four' })).rejects.toMatchObject({ code: 'E_PARAM_INVALID' });
    await expect(queue.enqueue('test.nope', {})).rejects.toMatchObject({
      code: 'E_PARAM_INVALID',
      message: expect.stringContaining('unknown job type'),
    });
    await queue.close();
  });

  it('retries transient failures, never bad input', async () => {
    let calls = 0;
    const flaky = defineJobType({
      id: 'test.flaky',
      schema: z.object({}),
      async run() {
        calls++;
        if (calls < 3) throw new Error('disk busy');
        return 'ok';
      },
    });
    let badCalls = 0;
    const bad = defineJobType({
      id: 'test.bad',
      schema: z.object({}),
      async run() {
        badCalls++;
        throw new VestigeError('E_INPUT_CORRUPT', 'file is damaged');
      },
    });
    const queue = new LocalQueue(new JobRegistry().register(flaky, bad));
    const id = await queue.enqueue('test.flaky', {}, { attempts: 3, backoffMs: 1 });
    expect(await queue.waitFor(id)).toBe('ok');
    expect(calls).toBe(3);
    const badId = await queue.enqueue('test.bad', {}, { attempts: 5, backoffMs: 1 });
    await expect(queue.waitFor(badId)).rejects.toMatchObject({ code: 'E_INPUT_CORRUPT' });
    expect(badCalls).toBe(1);
    await queue.close();
  });

  it('cancels waiting and running jobs through their abort signal', async () => {
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const slow = defineJobType({
      id: 'test.slow',
      schema: z.object({}),
      run: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          // Runs until cancelled: the test waits on the job starting, never on a clock.
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    const queue = new LocalQueue(new JobRegistry().register(slow), { concurrency: 1 });
    const running = await queue.enqueue('test.slow', {});
    const waiting = await queue.enqueue('test.slow', {});
    await firstStarted;
    await queue.cancel(waiting);
    await queue.cancel(running);
    await expect(queue.waitFor(running)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await expect(queue.waitFor(waiting)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await queue.close();
  });

  it('treats the same job id as the same job', async () => {
    const queue = new LocalQueue(new JobRegistry().register(square));
    const a = await queue.enqueue('test.square', { n: 3 }, { jobId: 'frame-chunk-1' });
    const b = await queue.enqueue('test.square', { n: 3 }, { jobId: 'frame-chunk-1' });
    expect(a).toBe(b);
    expect(await queue.waitFor(a)).toBe(9);
    await queue.close();
  });
});
