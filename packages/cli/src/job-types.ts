import { JobRegistry, ingestJob, verifyCaseJob } from '@vestige/jobs';
import { colmapEngine, reconstructDenseJob, reconstructSparseJob } from '@vestige/reconstruct';
import { facesJob, triageJob } from '@vestige/vision';

/** Every job type a `vestige worker` can run. Packages export their job types; they are listed here. */
export function jobRegistry(): JobRegistry {
  return new JobRegistry().register(ingestJob, verifyCaseJob, reconstructSparseJob, reconstructDenseJob, triageJob, facesJob);
}

/** Capabilities this machine has for the embedded queue: `cuda` when its COLMAP was built with CUDA. */
export function localCapabilities(): string[] {
  return colmapEngine.probe().dense ? ['cuda'] : [];
}
