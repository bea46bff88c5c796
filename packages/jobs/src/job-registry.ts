import { VestigeError, registry, schemaProblems } from '@vestige/evidence';
import type { JobType } from '@vestige/evidence';

/** The job types a queue or worker can run, by id. */
export class JobRegistry {
  private readonly types = registry<JobType<unknown, unknown>>('job type');

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payload types differ per job type; validated by each
  // schema
  register(...types: Array<JobType<any, unknown>>): this {
    this.types.register(...(types as Array<JobType<unknown, unknown>>));
    return this;
  }

  /** The job type, or `E_PARAM_INVALID` naming the known ones. */
  get(id: string): JobType<unknown, unknown> {
    return this.types.get(id);
  }

  ids(): string[] {
    return this.types
      .list()
      .map((t) => t.id)
      .sort();
  }

  /** Validates a payload at the edge, with the job type named in the error. */
  validate(id: string, payload: unknown): unknown {
    const type = this.get(id);
    const parsed = type.schema.safeParse(payload);
    if (!parsed.success) {
      throw new VestigeError(
        'E_PARAM_INVALID',
        `invalid payload for job ${id}: ${schemaProblems(parsed.error.issues, 5, '(payload)')}`,
        {
          hint: 'Check the job parameters against the job type.',
        },
      );
    }
    return parsed.data;
  }
}
