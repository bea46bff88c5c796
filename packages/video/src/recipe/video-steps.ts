import { registry, type Registry } from '@vestige/evidence';
import { slidingAverage } from './steps/average.ts';
import { deinterlace } from './steps/deinterlace.ts';
import { temporalDenoise } from './steps/denoise.ts';
import { speed } from './steps/speed.ts';
import { stabilise } from './steps/stabilise.ts';
import type { VideoStep } from './steps/video-step.ts';

export type { VideoStep };

/** The video recipe steps, one file each in steps/ (as imaging's operations are in ops/); this is the only list. */
const steps = registry<VideoStep<never>>('video step', [
  deinterlace,
  stabilise,
  temporalDenoise,
  slidingAverage,
  speed,
] as unknown as Array<VideoStep<never>>);

export const videoSteps: ReadonlyArray<VideoStep<never>> = steps.list();

/** The registry itself, for code that walks every kind. */
export const videoStepRegistry: Registry<VideoStep<never>> = steps;

/** The step, or undefined: a recipe reports an unknown one as its own error (E_RECIPE_INVALID, with the step). */
export function videoStep(id: string): VideoStep<unknown> | undefined {
  return steps.has(id) ? (steps.get(id) as VideoStep<unknown>) : undefined;
}
