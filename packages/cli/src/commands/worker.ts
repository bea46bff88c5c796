import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { requireString } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'worker',
  summary: 'Run jobs from the distributed queue (Redis) on this node until stopped',
  usage: `vestige worker --redis redis://HOST:PORT [--queue NAME] [--concurrency N] [--capability NAME]… [--lock-seconds 30]

A render or batch node: takes jobs from the BullMQ queue in Redis and runs them with the same code as the
CLI. Case folders named in jobs must be reachable at the same paths on every node (shared storage).
Stops cleanly on Ctrl-C / SIGTERM, finishing the jobs in hand.

  --capability NAME  also take jobs that need NAME (repeatable): cuda for dense stereo (reconstruct.dense),
                     render for the render farm (render.frames, render.still). Such jobs wait in their own
                     queue until a worker that advertises the capability takes them. A render node renders
                     a small canary frame at start; its hash is the node's render class (printed).
  --lock-seconds S   a job whose worker stops answering is taken over by another after about S seconds
                     (default 30; the job log says so).`,
  options: {
    redis: { type: 'string' },
    queue: { type: 'string' },
    concurrency: { type: 'string' },
    capability: { type: 'string', multiple: true },
    'lock-seconds': { type: 'string' },
  },
  async run({ values }, out) {
    const redis = requireString(values, 'redis', 'the Redis URL of the queue');
    const { BullMqWorker, checkCapability, redisConnection } = await import('@vestige/jobs');
    const connection = redisConnection(redis);
    const { jobRegistry, localCapabilities } = await import('../job-types.ts');
    const registry = jobRegistry();
    const capabilities = ((values.capability as string[] | undefined) ?? []).map(checkCapability);
    const lockSeconds = values['lock-seconds'] === undefined ? 30 : Number(values['lock-seconds']);
    if (!(lockSeconds >= 1)) throw new VestigeError('E_USAGE', '--lock-seconds must be at least 1');
    for (const c of capabilities) {
      if (c === 'cuda' && !localCapabilities().includes('cuda'))
        out.stderr(
          "warning: --capability cuda, but this node's COLMAP was built without CUDA: dense jobs taken here will fail (vestige doctor).",
        );
    }
    const { closeRenderNode, renderNode } = await import('../render-host.ts');
    if (capabilities.includes('render')) {
      // The canary before any job: a node that cannot render says so at once, and its class is known.
      const me = await renderNode().identity();
      out.stderr(
        `render node ${me.worker}: render class ${me.renderClass} (canary sha256 ${me.canarySha256}), ${me.engine}, WebGL ${me.webglRenderer}, viewer bundle ${me.viewerBundle}`,
      );
    }
    const worker = new BullMqWorker(registry, connection, {
      capabilities,
      ...(typeof values.queue === 'string' ? { name: values.queue } : {}),
      concurrency: Number(values.concurrency ?? 1),
      lockDurationMs: lockSeconds * 1000,
      events: {
        progress: (id, fraction, message) =>
          message && out.stderr(`job ${id}: ${Math.round(fraction * 100)}% ${shown(message)}`),
        completed: (id) => out.stderr(`job ${id} completed`),
        failed: (id, err, willRetry) =>
          out.stderr(`job ${id} failed: ${err.code}: ${shown(err.message)}${willRetry ? ' (will retry)' : ''}`),
      },
    });
    await worker.waitUntilReady();
    out.stderr(
      `worker ready (${worker.workerId}): job types ${registry.ids().join(', ')}${capabilities.length ? `; capabilities ${capabilities.join(', ')}` : ''}`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await worker.close();
    await closeRenderNode();
    return ExitCode.ok;
  },
};
