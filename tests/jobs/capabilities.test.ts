/**
 * Capability routing: a job type that requires a capability goes to that capability's own queue and is run only
 * by a worker advertising it; the embedded queue refuses it with a typed error that says where it can run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BullMqQueue,
  BullMqWorker,
  JobRegistry,
  LocalQueue,
  capabilityQueueName,
  defineJobType,
  redisConnection,
} from '@vestige/jobs';
import { startRedis, type RedisForTest } from '../support-redis.ts';

let redis: RedisForTest;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** The same two job types, each answering with the name of the node that ran it. */
function registry(node: string): JobRegistry {
  return new JobRegistry().register(
    defineJobType({ id: 'test.anywhere', schema: z.object({}), run: async () => node }),
    defineJobType({ id: 'test.gpu', requires: 'cuda', schema: z.object({}), run: async () => node }),
  );
}

describe('capability routing', () => {
  it('names one queue per capability beside the general one', () => {
    expect(capabilityQueueName('vestige', undefined)).toBe('vestige');
    expect(capabilityQueueName('vestige', 'cuda')).toBe('vestige.cuda');
  });

  it('the embedded queue refuses a job whose capability it lacks, and runs it when it has it', async () => {
    const without = new LocalQueue(registry('here'));
    await expect(without.enqueue('test.gpu', {})).rejects.toMatchObject({
      code: 'E_CAPABILITY_MISSING',
      hint: expect.stringContaining('vestige worker --redis redis://HOST:PORT --capability cuda'),
    });
    await without.close();
    const withCuda = new LocalQueue(registry('here'), { capabilities: ['cuda'] });
    expect(await withCuda.waitFor(await withCuda.enqueue('test.gpu', {}))).toBe('here');
    await withCuda.close();
  });

  it('on BullMQ only a worker that advertises the capability takes the job; the others keep taking general jobs', async () => {
    const connection = redisConnection(redis.url);
    const queue = new BullMqQueue(registry('producer'), connection);
    const plain = new BullMqWorker(registry('plain node'), connection);
    await plain.waitUntilReady();
    const gpuJob = await queue.enqueue('test.gpu', {});
    expect(gpuJob).toMatch(/^cuda\//);
    // The plain node runs general work while the GPU job waits in its own queue.
    expect(await queue.waitFor(await queue.enqueue('test.anywhere', {}))).toBe('plain node');
    expect(await queue.get(gpuJob)).toMatchObject({ state: 'waiting', type: 'test.gpu' });
    const gpu = new BullMqWorker(registry('gpu node'), connection, { capabilities: ['cuda'] });
    await gpu.waitUntilReady();
    expect(await queue.waitFor(gpuJob)).toBe('gpu node');
    expect(await queue.get(gpuJob)).toMatchObject({ id: gpuJob, state: 'completed' });
    await Promise.all([plain.close(), gpu.close(), queue.close()]);
  });
});
