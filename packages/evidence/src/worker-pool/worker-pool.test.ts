import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.ts';

type Probe =
  | { type: 'echo'; value: unknown }
  | { type: 'gate'; gates: Int32Array; index: number; value: unknown }
  | { type: 'throw'; code?: string; file?: string }
  | { type: 'exit'; code: number }
  | { type: 'uncaught' }
  | { type: 'until-cancelled'; started: Int32Array }
  | { type: 'progress'; steps: number }
  | { type: 'load'; value: string }
  | { type: 'loaded' }
  | { type: 'sum'; bytes: ArrayBuffer };

const PROBE = new URL('./probe-worker.mjs', import.meta.url);
const pools: WorkerPool<Probe, unknown>[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function probes(size: number, requestsPerWorker = 1): WorkerPool<Probe, unknown> {
  const pool = new WorkerPool<Probe, unknown>(PROBE, { name: 'probe', size, requestsPerWorker });
  pools.push(pool);
  return pool;
}

/** Shared flags a `gate` request waits on until the test opens them. */
function gates(n: number): { gates: Int32Array; open(index: number): void } {
  const flags = new Int32Array(new SharedArrayBuffer(4 * n));
  return {
    gates: flags,
    open(index) {
      Atomics.store(flags, index, 1);
      Atomics.notify(flags, index);
    },
  };
}

/** Atomics.waitAsync (Node 16+; TypeScript's lib has it from ES2024 only). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { value: Promise<string> | string };
  }
).waitAsync;

const osThreads = () => readdirSync('/proc/self/task').length;

describe('WorkerPool', () => {
  it('starts one worker per available core unless told otherwise', async () => {
    const pool = new WorkerPool<Probe, unknown>(PROBE, { name: 'probe' });
    pools.push(pool);
    expect(pool.size).toBe(availableParallelism());
    expect(pool.threads).toBe(availableParallelism());
  });

  it('answers each request by its id, whatever order the answers come back in', async () => {
    const pool = probes(2);
    const g = gates(2);
    const first = pool.run({ type: 'gate', gates: g.gates, index: 0, value: 'first' });
    const second = pool.run({ type: 'gate', gates: g.gates, index: 1, value: 'second' });
    let firstDone = false;
    void first.then(() => (firstDone = true));
    g.open(1);
    expect(await second).toMatchObject({ value: 'second' });
    expect(firstDone).toBe(false);
    g.open(0);
    expect(await first).toMatchObject({ value: 'first' });
    // Many at once, more than the workers: each promise gets its own answer.
    const values = Array.from({ length: 50 }, (_, i) => i);
    const answers = (await Promise.all(values.map((value) => pool.run({ type: 'echo', value })))) as Array<{
      value: number;
      threadId: number;
    }>;
    expect(answers.map((a) => a.value)).toEqual(values);
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(2);
  });

  it('rejects a request whose handler throws with a typed error, keeping its Vestige code, file and hint', async () => {
    const pool = probes(1);
    const { threadId } = (await pool.run({ type: 'echo', value: 0 })) as { threadId: number };
    await expect(pool.run({ type: 'throw', code: 'E_INPUT_CORRUPT', file: 'a.laz' })).rejects.toMatchObject({
      name: 'VestigeError',
      code: 'E_INPUT_CORRUPT',
      file: 'a.laz',
      hint: 'Give it another file.',
      message: 'the probe refused the file',
      details: { worker: 'probe' },
    });
    await expect(pool.run({ type: 'throw' })).rejects.toMatchObject({
      code: 'E_INTERNAL',
      message: 'the probe failed as asked',
    });
    // A thrown error is the request's failure, not the worker's: the same thread goes on.
    expect(await pool.run({ type: 'echo', value: 1 })).toEqual({ value: 1, threadId });
  });

  it('fails every request a worker held when it exits inside the thread, and replaces the worker', async () => {
    const pool = probes(1, 2);
    const g = gates(1);
    const { threadId } = (await pool.run({ type: 'echo', value: 0 })) as { threadId: number };
    const held = pool.run({ type: 'gate', gates: g.gates, index: 0, value: 'never' });
    const exiting = pool.run({ type: 'exit', code: 3 });
    await expect(exiting).rejects.toMatchObject({
      code: 'E_WORKER_FAILED',
      message: expect.stringMatching(/^A probe worker thread stopped \(exit code 3\) while it ran request \d+\.$/),
    });
    await expect(held).rejects.toMatchObject({ code: 'E_WORKER_FAILED', details: { worker: 'probe' } });
    const after = (await pool.run({ type: 'echo', value: 2 })) as { value: number; threadId: number };
    expect(after.value).toBe(2);
    expect(after.threadId).not.toBe(threadId);
    expect(pool.threads).toBe(1);
  });

  it('fails the held request of a worker that dies of an uncaught error, naming the error', async () => {
    const pool = probes(1);
    await expect(pool.run({ type: 'uncaught' })).rejects.toMatchObject({
      code: 'E_WORKER_FAILED',
      message: expect.stringContaining('failed: an error no request caught'),
    });
    expect(await pool.run({ type: 'echo', value: 3 })).toMatchObject({ value: 3 });
  });

  it('prepares a replacement worker with the kept requests (a loaded model) before any other request', async () => {
    const pool = probes(2);
    const loadedOn = await pool.everyWorker({ type: 'load', value: 'model-a' }, { keep: 'model' });
    expect(new Set(loadedOn).size).toBe(2);
    await expect(pool.run({ type: 'exit', code: 1 })).rejects.toMatchObject({ code: 'E_WORKER_FAILED' });
    expect(pool.threads).toBe(1);
    // Enough requests to need the replacement: every worker answers with the kept model.
    const answers = await Promise.all(Array.from({ length: 8 }, () => pool.run({ type: 'loaded' })));
    expect(pool.threads).toBe(2);
    expect(answers).toEqual(Array(8).fill('model-a'));
  });

  it('gives up on a script that cannot start: each waiting request fails once, with no endless replacements', async () => {
    const pool = new WorkerPool<Probe, unknown>(new URL('data:text/javascript,throw new Error("no such model")'), {
      name: 'broken',
      size: 2,
    });
    pools.push(pool);
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => pool.run({ type: 'echo', value: i })));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'E_WORKER_FAILED',
      message: expect.stringContaining('no such model'),
    });
  });

  it('cancels a queued request without running it, and a running one through its signal', async () => {
    const pool = probes(1);
    const g = gates(1);
    const busy = pool.run({ type: 'gate', gates: g.gates, index: 0, value: 'busy' });
    const controller = new AbortController();
    const queued = pool.run({ type: 'echo', value: 'queued' }, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'E_CANCELLED', message: 'A probe request was cancelled.' });
    g.open(0);
    await busy;

    const started = new Int32Array(new SharedArrayBuffer(4));
    const stop = new AbortController();
    const running = pool.run({ type: 'until-cancelled', started }, { signal: stop.signal });
    await waitAsync(started, 0, 0).value;
    stop.abort(new Error('the officer stopped it'));
    await expect(running).rejects.toMatchObject({ code: 'E_CANCELLED', cause: new Error('the officer stopped it') });
    // One request per worker: this is answered only once the cancelled handler has returned.
    expect(await pool.run({ type: 'echo', value: 'next' })).toMatchObject({ value: 'next' });
    await expect(pool.run({ type: 'echo', value: 'late' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
  });

  it('close() rejects running and queued requests, terminates every thread, and refuses new work', async () => {
    const before = osThreads();
    const pool = new WorkerPool<Probe, unknown>(PROBE, { name: 'probe', size: 3 });
    const g = gates(1);
    await Promise.all(Array.from({ length: 6 }, (_, value) => pool.run({ type: 'echo', value })));
    await expect(pool.run({ type: 'exit', code: 1 })).rejects.toMatchObject({ code: 'E_WORKER_FAILED' });
    const running = pool.run({ type: 'gate', gates: g.gates, index: 0, value: 'running' });
    const queued = Array.from({ length: 4 }, () =>
      pool.run({ type: 'gate', gates: g.gates, index: 0, value: 'queued' }),
    );
    expect(osThreads()).toBeGreaterThan(before);
    const outcomes = Promise.allSettled([running, ...queued]);
    await pool.close();
    for (const outcome of await outcomes)
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'E_CANCELLED' } });
    await expect(pool.run({ type: 'echo', value: 1 })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(pool.threads).toBe(0);
    // The replaced worker and the closed ones are all gone: no thread outlives the pool.
    expect(osThreads()).toBe(before);
  });

  it('passes progress before the answer, and transfers buffers instead of copying them', async () => {
    const pool = probes(1);
    const seen: unknown[] = [];
    expect(await pool.run({ type: 'progress', steps: 3 }, { onPartial: (p) => seen.push(p) })).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    const bytes = new Uint8Array([1, 2, 3, 4]).buffer;
    const sum = pool.run({ type: 'sum', bytes }, { transfer: [bytes] });
    expect(bytes.byteLength).toBe(0);
    expect(await sum).toBe(10);
  });
});
