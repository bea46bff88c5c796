import type { BullMqQueue, JobRecord, JobState } from '@vestige/jobs';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand, type CommandOutput, type ParsedValues } from '../command.ts';

const LOCAL_ONLY =
  'The embedded local queue lives only while the command that queued the job runs; `vestige jobs` works on the distributed queue: add --redis redis://HOST:PORT.';

async function withQueue<T>(values: ParsedValues, work: (queue: BullMqQueue) => Promise<T>): Promise<T> {
  if (typeof values.redis !== 'string') throw new VestigeError('E_USAGE', LOCAL_ONLY);
  const [{ BullMqQueue, redisConnection }, { jobRegistry }] = await Promise.all([
    import('@vestige/jobs'),
    import('../job-types.ts'),
  ]);
  const queue = new BullMqQueue(
    jobRegistry(),
    redisConnection(values.redis),
    typeof values.queue === 'string' ? values.queue : undefined,
  );
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

function jobId(positionals: string[], usage: string): string {
  if (!positionals[0])
    throw new VestigeError('E_USAGE', 'which job? Give its id (as `vestige jobs list` shows it).', {
      hint: usage.split('\n')[0],
    });
  return positionals[0];
}

function line(j: JobRecord): string {
  const progress = j.state === 'active' ? ` ${Math.round(j.progress * 100)}%` : '';
  const error = j.error ? `  ${j.error.code}: ${j.error.message.slice(0, 120)}` : '';
  return `${j.id.padEnd(24)} ${j.type.padEnd(16)} ${(j.state + progress).padEnd(12)} tries ${j.attempts}${j.parentId ? `  part of ${j.parentId}` : ''}${error}`;
}

const common = { redis: { type: 'string' as const }, queue: { type: 'string' as const } };
const STATES: JobState[] = ['waiting', 'active', 'completed', 'failed', 'cancelled'];

function say(out: CommandOutput, json: unknown, text: string): void {
  out.stdout(out.json ? JSON.stringify(json) : text);
}

/** `jobs cancel` and `jobs retry`: one job id, one call on the queue, one line said. */
function jobAction(
  verb: string,
  summary: string,
  act: (queue: BullMqQueue, id: string) => Promise<unknown>,
  said: (id: string) => [unknown, string],
): CliCommand {
  return {
    name: `jobs ${verb}`,
    summary,
    usage: `vestige jobs ${verb} JOB-ID --redis redis://HOST:PORT [--queue NAME] [--json]`,
    options: common,
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const id = jobId(positionals, this.usage);
      await withQueue(values, (q) => act(q, id));
      say(out, ...said(id));
      return ExitCode.ok;
    },
  };
}

export const commands: CliCommand[] = [
  {
    name: 'jobs list',
    summary: 'List the jobs on the distributed queue (state, progress, tries, flow parent, error)',
    usage: `vestige jobs list --redis redis://HOST:PORT [--state waiting|active|completed|failed|cancelled] [--limit 100] [--queue NAME] [--json]`,
    options: { ...common, state: { type: 'string' }, limit: { type: 'string' } },
    async run({ values }, out) {
      const state = values.state as JobState | undefined;
      if (state && !STATES.includes(state)) throw new VestigeError('E_USAGE', `--state is one of ${STATES.join(', ')}`);
      const jobs = await withQueue(values, (q) =>
        q.list({ ...(state ? { states: [state] } : {}), limit: Number(values.limit ?? 100) }),
      );
      say(out, jobs, jobs.length ? jobs.map(line).join('\n') : 'no jobs');
      return ExitCode.ok;
    },
  },
  {
    name: 'jobs log',
    summary: "Show a job's log: its own lines and the farm's (attempts, failures, block lists, takeovers)",
    usage: `vestige jobs log JOB-ID --redis redis://HOST:PORT [--queue NAME] [--json]`,
    options: common,
    allowPositionals: true,
    async run({ values, positionals }, out) {
      const id = jobId(positionals, this.usage);
      const lines = await withQueue(values, async (q) => {
        if (!(await q.get(id))) throw new VestigeError('E_PARAM_INVALID', `no job ${id} on this queue`);
        return q.logs(id);
      });
      say(out, lines, lines.join('\n'));
      return ExitCode.ok;
    },
  },
  jobAction(
    'cancel',
    'Cancel a job that waits or runs (and the chunks of a render); the worker holding it stops it',
    (q, id) => q.cancel(id),
    (id) => [{ jobId: id, cancelled: true }, `cancel sent for ${id}`],
  ),
  jobAction(
    'retry',
    'Run a failed job again; a render keeps the frames already drawn and redraws only the missing ones',
    (q, id) => q.retry(id),
    (id) => [{ jobId: id, retried: true }, `job ${id} queued again`],
  ),
];
