import { JobRegistry, ingestJob, verifyCaseJob } from '@vestige/jobs';

/** Every job type a `vestige worker` can run. Packages export their job types; they are listed here. */
export function jobRegistry(): JobRegistry {
  return new JobRegistry().register(ingestJob, verifyCaseJob);
}
