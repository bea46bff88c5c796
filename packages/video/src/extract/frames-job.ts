/**
 * `video.frames`: frame extraction as a job, so the videos of a large seizure spread across farm nodes. It runs
 * `extractFrames`, the same code as `vestige frames`: the frames become derived items of the case with their
 * provenance, identical to the command's for the same item and selector.
 */
import { z } from 'zod';
import { defineJobType, inJobCase, payloadItems } from '@vestige/evidence';
import { extractFrames } from './extract-frames.ts';

export const videoFramesPayload = z
  .object({
    caseDir: z.string().min(1),
    itemId: z.string().min(1),
    operator: z.string().min(1),
    /**
     * A frame selector id (`all`, `every`, `range`, `time-range`, `at-times`, `iframes`, `scene`, `sharpest`) and its
     * parameters.
     */
    selector: z.string().min(1).default('all'),
    params: z.record(z.string(), z.unknown()).optional(),
    /** Absolute index of the video stream (default: the first). */
    stream: z.number().int().min(0).optional(),
  })
  .strict();

export const videoFramesJob = defineJobType({
  id: 'video.frames',
  schema: videoFramesPayload,
  run: (p, ctx) =>
    inJobCase(p.caseDir, async (store) => {
      // Only that the item exists: whether it holds video is ffprobe's to say (CCTV formats sniff as octet-stream),
      // and extractFrames refuses a still or an audio file with E_INPUT_UNSUPPORTED.
      payloadItems(store, 'video.frames', [p.itemId]);
      const report = await extractFrames(
        store,
        p.itemId,
        { selector: p.selector, params: p.params ?? {} },
        {
          operator: p.operator,
          ...(p.stream !== undefined ? { stream: p.stream } : {}),
          signal: ctx.signal,
          onProgress: (done, expected) =>
            ctx.progress(expected ? Math.min(1, done / expected) : 0, `${done} frames stored`),
        },
      );
      return {
        itemId: p.itemId,
        provenanceId: report.provenanceId,
        decodedFrames: report.decodedFrames,
        damaged: report.damaged,
        warnings: report.warnings,
        frames: report.frames.map((f) => ({
          itemId: f.itemId,
          index: f.index,
          time: f.time,
          sha256: f.sha256,
          pixelHash: f.pixelHash,
        })),
      };
    }),
});
