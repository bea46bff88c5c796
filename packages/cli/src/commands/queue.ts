import type { QueueBackend } from '@vestige/jobs';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { requireString } from '../case-options.ts';

export const command: CliCommand = {
  name: 'queue add',
  summary: 'Queue a job (local by default, or on Redis for worker nodes) and optionally wait for it',
  usage: `vestige queue add JOB_TYPE --payload JSON [--redis redis://HOST:PORT] [--attempts N] [--wait] [--json]

Without --redis the job runs here, on the embedded local queue, and the command waits for it.
With --redis it is queued for \`vestige worker\` nodes; --wait waits for the result.
Job types: evidence.ingest {caseDir, paths, operator}, evidence.verify {caseDir},
reconstruct.sparse {caseDir, operator, photos | video, settings?, knownDistances?},
reconstruct.dense {caseDir, reconstructionId, operator} (needs the cuda capability: a worker with --capability cuda).`,
  options: {
    payload: { type: 'string' },
    redis: { type: 'string' },
    attempts: { type: 'string' },
    wait: { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const type = positionals[0];
    if (!type) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(requireString(values, 'payload', 'the job parameters as JSON'));
    } catch (err) {
      if (err instanceof VestigeError) throw err;
      throw new VestigeError('E_USAGE', `--payload is not valid JSON: ${(err as Error).message}`, {
        hint: `e.g. --payload '{"caseDir":"./cases/op-heron"}'`,
      });
    }
    const { jobRegistry, localCapabilities } = await import('../job-types.ts');
    const registry = jobRegistry();
    const { BullMqQueue, LocalQueue, redisConnection } = await import('@vestige/jobs');
    const queue: QueueBackend =
      typeof values.redis === 'string'
        ? new BullMqQueue(registry, redisConnection(values.redis))
        : new LocalQueue(registry, { capabilities: localCapabilities() });
    try {
      const id = await queue.enqueue(type, payload, { attempts: Number(values.attempts ?? 1) });
      if (queue.kind === 'bullmq' && !values.wait) {
        out.stdout(out.json ? JSON.stringify({ jobId: id, queued: true }) : `queued job ${id}`);
        return ExitCode.ok;
      }
      const result = await queue.waitFor(id);
      out.stdout(
        out.json ? JSON.stringify({ jobId: id, result }) : `job ${id} completed:\n${JSON.stringify(result, null, 2)}`,
      );
      return ExitCode.ok;
    } finally {
      await queue.close();
    }
  },
};
