import { BullMqWorker, checkCapability, redisConnection } from '@vestige/jobs';
import { ExitCode, type CliCommand } from '../command.ts';
import { requireString } from '../case-options.ts';
import { jobRegistry, localCapabilities } from '../job-types.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'worker',
  summary: 'Run jobs from the distributed queue (Redis) on this node until stopped',
  usage: `vestige worker --redis redis://HOST:PORT [--queue NAME] [--concurrency N] [--capability NAME]…

A render or batch node: takes jobs from the BullMQ queue in Redis and runs them with the same code as the
CLI. Case folders named in jobs must be reachable at the same paths on every node (shared storage).
Stops cleanly on Ctrl-C / SIGTERM, finishing the jobs in hand.

  --capability NAME  also take jobs that need NAME (repeatable), e.g. cuda for dense stereo (reconstruct.dense):
                     such jobs wait in their own queue until a worker that advertises it takes them.`,
  options: { redis: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, capability: { type: 'string', multiple: true } },
  async run({ values }, out) {
    const connection = redisConnection(requireString(values, 'redis', 'the Redis URL of the queue'));
    const registry = jobRegistry();
    const capabilities = ((values.capability as string[] | undefined) ?? []).map(checkCapability);
    for (const c of capabilities) {
      if (c === 'cuda' && !localCapabilities().includes('cuda')) out.stderr('warning: --capability cuda, but this node\'s COLMAP was built without CUDA: dense jobs taken here will fail (vestige doctor).');
    }
    const worker = new BullMqWorker(registry, connection, {
      capabilities,
      ...(typeof values.queue === 'string' ? { name: values.queue } : {}),
      concurrency: Number(values.concurrency ?? 1),
      events: {
        completed: (id) => out.stderr(`job ${id} completed`),
        failed: (id, err, willRetry) => out.stderr(`job ${id} failed: ${err.code}: ${shown(err.message)}${willRetry ? ' (will retry)' : ''}`),
      },
    });
    await worker.waitUntilReady();
    out.stderr(`worker ready: job types ${registry.ids().join(', ')}${capabilities.length ? `; capabilities ${capabilities.join(', ')}` : ''}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await worker.close();
    return ExitCode.ok;
  },
};
