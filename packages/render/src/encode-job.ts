/** `render.encode`: a render's frames, in order, into the video (and lossless master); any node with ffmpeg. */
import { z } from 'zod';
import { CaseStore } from '@vestige/evidence';
import { defineJobType } from '@vestige/jobs';
import { encodeFrames, type EncodeOutput } from './encode.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const EncodeSettingsSchema = z
  .object({
    crf: z.number().int().min(0).max(51).default(18),
    preset: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
      .default('medium'),
    master: z.boolean().default(false),
  })
  .strict()
  .default({ crf: 18, preset: 'medium', master: false });

export const EncodePayloadSchema = z
  .object({
    caseDir: z.string().min(1),
    frames: z.array(sha256).min(1),
    fps: z.number().positive().max(240),
    settings: EncodeSettingsSchema,
  })
  .strict();

export const encodeJob = defineJobType({
  id: 'render.encode',
  schema: EncodePayloadSchema,
  async run(p, ctx): Promise<EncodeOutput> {
    const store = CaseStore.open(p.caseDir);
    try {
      ctx.progress(0, `encoding ${p.frames.length} frames`);
      const out = await encodeFrames(store, p.frames, { ...p.settings, fps: p.fps }, ctx.signal);
      ctx.log(
        `video sha256 ${out.video.sha256}${out.master ? ` master sha256 ${out.master.sha256}` : ''} frames ${out.videoFrames}`,
      );
      return out;
    } finally {
      store.close();
    }
  },
});
