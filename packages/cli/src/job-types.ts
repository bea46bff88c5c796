import { JobRegistry, ingestJob, verifyCaseJob } from '@vestige/jobs';
import { facesJob, triageJob } from '@vestige/vision';

/** Every job type a `vestige worker` can run. Packages export their job types; they are listed here. */
export function jobRegistry(): JobRegistry {
  return new JobRegistry().register(ingestJob, verifyCaseJob).register(triageJob, facesJob);
}
