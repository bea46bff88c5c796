/**
 * Photos from a video: keyframes chosen by the video package's `keyframes` selector (moved enough, still
 * overlapping, not blurred) and stored as derived frame items with their own provenance, like any extraction.
 */
import type { CaseStore } from '@vestige/evidence';
import { extractFrames, type ExtractFramesReport, type KeyframeParams } from '@vestige/video';

export interface SelectedFrames {
  readonly report: ExtractFramesReport;
  /** Frame items in presentation order: the order sequential matching relies on. */
  readonly itemIds: string[];
}

export async function selectKeyframes(
  store: CaseStore,
  videoItemId: string,
  params: Partial<KeyframeParams>,
  options: { operator: string; now: () => Date; signal?: AbortSignal },
): Promise<SelectedFrames> {
  const report = await extractFrames(
    store,
    videoItemId,
    { selector: 'keyframes', params },
    { operator: options.operator, now: options.now, ...(options.signal ? { signal: options.signal } : {}) },
  );
  const frames = [...report.frames].sort((a, b) => a.index - b.index);
  return { report, itemIds: frames.map((f) => f.itemId) };
}
