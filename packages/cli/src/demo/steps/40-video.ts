import { join } from 'node:path';
import { CaseStore, ingest } from '@vestige/evidence';
import { DEMO_CLIP, generateVideoSamples } from '@vestige/samples';
import { extractFrames, formatClock, probeVideo, resolveFfmpeg, resolveFfprobe } from '@vestige/video';
import type { DemoStep } from '../step.ts';
import { ingestExtractors } from '../../metadata-extractors.ts';

export const step: DemoStep = {
  title: 'Video: probe a CCTV-style clip and take frames from it, frame-accurately, with timestamps and frame types',
  async run(ctx) {
    const ffmpeg = resolveFfmpeg();
    const samples = generateVideoSamples(join(ctx.samplesDir, 'generated', 'video'), {
      ffmpegPath: ffmpeg.path,
      ffprobePath: resolveFfprobe().path,
      only: [DEMO_CLIP],
    });
    const clip = samples.cfr.file;
    const probe = await probeVideo(clip, { decode: true });
    const v = probe.video[0]!;
    ctx.summary(
      `probe ${DEMO_CLIP}: ${v.codec} ${v.width}x${v.height}, ${v.rate.mode} ${v.rate.meanFps?.toFixed(2)} fps, declared ${v.declaredFrames} / counted ${v.countedFrames} / decoded ${v.decodedFrames} frames, ${v.keyframes} keyframes, ${v.duplicateFrames} duplicated frames`,
    );
    const store = CaseStore.open(ctx.caseDir);
    try {
      const ingested = await ingest(store, [clip], { operator: ctx.operator, extractors: ingestExtractors });
      const itemId = ingested.files[0]!.itemId;
      const scenes = await extractFrames(
        store,
        itemId,
        { selector: 'scene', params: { threshold: 0.3 } },
        { operator: ctx.operator },
      );
      ctx.summary(
        `scene changes in ${itemId}: ${scenes.frames.length} frames stored (provenance ${scenes.provenanceId})`,
      );
      for (const f of scenes.frames)
        ctx.summary(
          `  ${f.itemId}  frame ${f.index} at ${formatClock(f.seconds ?? 0)} (${f.time} s), ${f.pictType}-frame, pixels sha256 ${f.pixelHash.slice(0, 16)}…`,
        );
      const sharp = await extractFrames(
        store,
        itemId,
        { selector: 'sharpest', params: { frames: 25 } },
        { operator: ctx.operator },
      );
      ctx.summary(
        `sharpest frame per second (25 frames): ${sharp.frames.map((f) => `frame ${f.index}`).join(', ')} (provenance ${sharp.provenanceId})`,
      );
      const moment = await extractFrames(
        store,
        itemId,
        { selector: 'at-times', params: { times: ['00:00:01.234'] } },
        { operator: ctx.operator },
      );
      ctx.summary(
        `frame on screen at 00:00:01.234: frame ${moment.frames[0]?.index} (shown from ${moment.frames[0]?.time} s) → ${moment.frames[0]?.itemId}`,
      );
      ctx.shared.set('video', { itemId, scenes: scenes.frames.map((f) => f.itemId) });
    } finally {
      store.close();
    }
  },
};
