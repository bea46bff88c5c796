import { VestigeError } from '@vestige/evidence';
import type { JobType } from './job-type.ts';

/** The job types a queue or worker can run, by id. */
export class JobRegistry {
  private readonly types = new Map<string, JobType<unknown, unknown>>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payload types differ per job type; validated by each schema
  register(...types: Array<JobType<any, unknown>>): this {
    for (const type of types) {
      if (this.types.has(type.id)) throw new VestigeError('E_PARAM_INVALID', `job type ${type.id} is registered twice`);
      this.types.set(type.id, type);
    }
    return this;
  }

  get(id: string): JobType<unknown, unknown> {
    const type = this.types.get(id);
    if (!type) {
      throw new VestigeError('E_PARAM_INVALID', `unknown job type "${id}"`, { hint: `Known job types: ${[...this.types.keys()].sort().join(', ') || 'none'}.` });
    }
    return type as unknown as JobType<unknown, unknown>;
  }

  ids(): string[] {
    return [...this.types.keys()].sort();
  }

  /** Validates a payload at the edge, with the job type named in the error. */
  validate(id: string, payload: unknown): unknown {
    const type = this.get(id);
    const parsed = type.schema.safeParse(payload);
    if (!parsed.success) {
      throw new VestigeError('E_PARAM_INVALID', `invalid payload for job ${id}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`, {
        hint: 'Check the job parameters against the job type.',
      });
    }
    return parsed.data;
  }
}
