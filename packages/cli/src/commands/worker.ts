import { BullMqWorker, redisConnection } from '@vestige/jobs';
import { ExitCode, type CliCommand } from '../command.ts';
import { requireString } from '../case-options.ts';
import { jobRegistry } from '../job-types.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'worker',
  summary: 'Run jobs from the distributed queue (Redis) on this node until stopped',
  usage: `vestige worker --redis redis://HOST:PORT [--queue NAME] [--concurrency N]

A render or batch node: takes jobs from the BullMQ queue in Redis and runs them with the same code as the
CLI. Case folders named in jobs must be reachable at the same paths on every node (shared storage).
Stops cleanly on Ctrl-C / SIGTERM, finishing the jobs in hand.`,
  options: { redis: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' } },
  async run({ values }, out) {
    const connection = redisConnection(requireString(values, 'redis', 'the Redis URL of the queue'));
    const registry = jobRegistry();
    const worker = new BullMqWorker(registry, connection, {
      ...(typeof values.queue === 'string' ? { name: values.queue } : {}),
      concurrency: Number(values.concurrency ?? 1),
      events: {
        completed: (id) => out.stderr(`job ${id} completed`),
        failed: (id, err, willRetry) => out.stderr(`job ${id} failed: ${err.code}: ${shown(err.message)}${willRetry ? ' (will retry)' : ''}`),
      },
    });
    await worker.waitUntilReady();
    out.stderr(`worker ready: job types ${registry.ids().join(', ')}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await worker.close();
    return ExitCode.ok;
  },
};
