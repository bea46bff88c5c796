/**
 * Queueing a render and following it: the CLI, the demo and the tests all submit `render.video` this way
 * and read frames done, frames per second and the time left from the chunks' progress — on the local
 * queue and on Redis alike (a chunk's id is the parent's id + `.frames.N`).
 */
import type { QueueBackend } from '@vestige/jobs';
import { VideoPayloadSchema, chunksOf, type RenderSummary, type VideoPayloadInput } from './video-job.ts';
import { recipeFrames } from './scene-check.ts';

export interface RenderProgressReport {
  done: number;
  total: number;
  /** Frames per second so far, 0 until the first frame. */
  rate: number;
  /** Seconds left at that rate, or null until it is known. */
  etaS: number | null;
}

/** Adds up the chunks' progress of one render into frames done and an estimate of the time left. */
export class RenderProgress {
  private readonly done = new Map<number, number>();
  private readonly started = Date.now();
  readonly total: number;

  constructor(
    private readonly parentId: string,
    private readonly chunkFrames: readonly number[],
  ) {
    this.total = chunkFrames.reduce((a, b) => a + b, 0);
  }

  /** Takes a progress event; true when it was one of this render's chunks. */
  update(jobId: string, fraction: number): boolean {
    const bare = this.parentId.includes('/') ? this.parentId.slice(this.parentId.indexOf('/') + 1) : this.parentId;
    const m = /^(?:[a-z][a-z0-9-]*\/)?(.+)\.frames\.(\d+)$/.exec(jobId);
    if (!m || m[1] !== bare) return false;
    const i = Number(m[2]);
    this.done.set(i, Math.round(fraction * (this.chunkFrames[i] ?? 0)));
    return true;
  }

  report(now = Date.now()): RenderProgressReport {
    const done = [...this.done.values()].reduce((a, b) => a + b, 0);
    const seconds = (now - this.started) / 1000;
    const rate = done > 0 && seconds > 0 ? done / seconds : 0;
    return { done, total: this.total, rate, etaS: rate > 0 ? (this.total - done) / rate : null };
  }
}

/** `h:mm:ss` or `m:ss`. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s % 60).padStart(2, '0')}`;
}

/** Queues a render (jobId optional) and returns its id and a tracker for its progress. */
export async function submitRender(
  queue: QueueBackend,
  input: VideoPayloadInput,
  options: { jobId?: string } = {},
): Promise<{ jobId: string; progress: RenderProgress }> {
  const payload = VideoPayloadSchema.parse(input);
  const chunks = chunksOf(recipeFrames(payload.recipe), payload.chunkSize).map((c) => c.to - c.from + 1);
  const jobId = await queue.enqueue('render.video', payload, options.jobId ? { jobId: options.jobId } : {});
  return { jobId, progress: new RenderProgress(jobId, chunks) };
}

/** Queues a render, calls `onProgress` as frames arrive, and resolves with the render's summary. */
export async function runRender(
  queue: QueueBackend,
  payload: VideoPayloadInput,
  onProgress?: (p: RenderProgressReport) => void,
): Promise<RenderSummary> {
  const { jobId, progress } = await submitRender(queue, payload);
  const stop = queue.watch({
    progress: (id, fraction) => progress.update(id, fraction) && onProgress?.(progress.report()),
  });
  try {
    return (await queue.waitFor(jobId)) as RenderSummary;
  } finally {
    stop();
  }
}
