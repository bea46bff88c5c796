import { VestigeError, registry, schemaProblems, type Registry } from '@vestige/evidence';
import { allFrames } from './all.ts';
import { framesAtTimes } from './at-times.ts';
import { everyNthFrame } from './every-nth.ts';
import { intraFrames } from './iframes.ts';
import { keyframesForReconstruction } from './keyframes.ts';
import { frameIndexRange } from './index-range.ts';
import { sceneChanges } from './scene-change.ts';
import type { FrameSelector } from './selector.ts';
import { sharpestPerWindow } from './sharpest.ts';
import { timeRange } from './time-range.ts';

const selectors = registry<FrameSelector<never>>('frame selector');

/** The registry itself, for code that walks every kind; `frameSelector(id)` is the typed lookup. */
export const frameSelectorRegistry: Registry<FrameSelector<never>> = selectors;

/** Adds a selector (one file per selector; this is the only list); an id registered twice is refused. */
export function registerFrameSelector<P>(selector: FrameSelector<P>): void {
  selectors.register(selector as unknown as FrameSelector<never>);
}

for (const s of [
  allFrames,
  everyNthFrame,
  frameIndexRange,
  timeRange,
  framesAtTimes,
  intraFrames,
  sceneChanges,
  sharpestPerWindow,
  keyframesForReconstruction,
]) {
  registerFrameSelector(s as FrameSelector<unknown>);
}

export function frameSelectors(): FrameSelector<unknown>[] {
  return selectors.list() as unknown as FrameSelector<unknown>[];
}

export function frameSelector(id: string): FrameSelector<unknown> {
  return selectors.get(id) as unknown as FrameSelector<unknown>;
}

/** Validates parameters against the selector's schema; bad parameters are the user's to fix, so say which. */
export function validateSelection(id: string, params: unknown): { selector: FrameSelector<unknown>; params: unknown } {
  const selector = frameSelector(id);
  const parsed = selector.schema.safeParse(params ?? {});
  if (!parsed.success) {
    throw new VestigeError(
      'E_PARAM_INVALID',
      `bad parameters for frame selector '${id}': ${schemaProblems(parsed.error.issues, 5, 'params')}`,
      {
        details: { params },
      },
    );
  }
  return { selector, params: parsed.data };
}
