/**
 * Capability routing: a job type may require one capability (`cuda` for dense stereo, `render` for the render
 * farm); a worker advertises the set it has. Each capability has its own BullMQ queue next to the general one, so
 * a job waits until a worker that has the capability takes it, and no other worker ever sees it. The embedded
 * local queue has the capabilities its caller gives it and refuses, with a typed error, a job it could not run.
 */
import { VestigeError } from '@vestige/evidence';
import type { JobType } from '@vestige/evidence';

const CAPABILITY = /^[a-z][a-z0-9-]{0,31}$/;

/** Validates a capability name (lower-case word: it becomes part of a queue name). */
export function checkCapability(name: string): string {
  if (!CAPABILITY.test(name))
    throw new VestigeError('E_USAGE', `'${name}' is not a capability name.`, {
      hint: 'Capabilities are lower-case words, e.g. cuda or render.',
    });
  return name;
}

/** The BullMQ queue that holds jobs needing `capability` (the general queue when none). */
export function capabilityQueueName(base: string, capability: string | undefined): string {
  return capability ? `${base}.${capability}` : base;
}

/** Job ids on a capability queue carry the capability (`cuda/17`), so one id finds its queue again. */
export function qualifiedJobId(capability: string | undefined, id: string): string {
  return capability ? `${capability}/${id}` : id;
}

export function splitJobId(jobId: string): { capability: string | undefined; id: string } {
  const slash = jobId.indexOf('/');
  return slash < 0
    ? { capability: undefined, id: jobId }
    : { capability: jobId.slice(0, slash), id: jobId.slice(slash + 1) };
}

/** The error a queue or node gives for a job it lacks the capability for, saying where it can run. */
export function capabilityMissing(type: Pick<JobType, 'id' | 'requires'>, where: string): VestigeError {
  const cap = type.requires!;
  return new VestigeError(
    'E_CAPABILITY_MISSING',
    `Job ${type.id} needs a node with the '${cap}' capability, and ${where} does not have it.`,
    {
      hint: `Run it where '${cap}' is: start \`vestige worker --redis redis://HOST:PORT --capability ${cap}\` on such a node and queue the job with --redis redis://HOST:PORT.`,
      details: { jobType: type.id, requires: cap },
    },
  );
}
