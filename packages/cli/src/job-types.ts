import * as fs from 'node:fs';
import { ingestJob, verifyCaseJob } from '@vestige/evidence';
import { perceptualHashJob } from '@vestige/hashing';
import { JobRegistry } from '@vestige/jobs';
import { colmapEngine, reconstructDenseJob, reconstructSparseJob } from '@vestige/reconstruct';
import { CHROMIUM_PATH, renderJobTypes } from '@vestige/render';
import { sceneBuildJob } from '@vestige/scene';
import { videoFramesJob } from '@vestige/video';
import { facesJob, triageJob } from '@vestige/vision';
import { renderNode } from './render-host.ts';

/** Every job type a `vestige worker` can run. Packages export their job types; they are listed here. */
export function jobRegistry(): JobRegistry {
  return new JobRegistry().register(
    ingestJob,
    verifyCaseJob,
    videoFramesJob,
    perceptualHashJob,
    sceneBuildJob,
    reconstructSparseJob,
    reconstructDenseJob,
    triageJob,
    facesJob,
    ...renderJobTypes(renderNode),
  );
}

/**
 * Capabilities this machine has for the embedded queue: `cuda` when its COLMAP was built with CUDA, `render` when
 * Chromium is installed.
 */
export function localCapabilities(): string[] {
  return [...(colmapEngine.probe().dense ? ['cuda'] : []), ...(fs.existsSync(CHROMIUM_PATH) ? ['render'] : [])];
}
