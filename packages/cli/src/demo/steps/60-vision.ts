import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CaseStore, ingest } from '@vestige/evidence';
import { LocalQueue } from '@vestige/jobs';
import { VISION_FIXTURES, generateFaceClip } from '@vestige/samples';
import {
  PROPOSAL_NOTICE,
  closeSharedVisionPool,
  coverAt,
  proposeRedaction,
  renderRedaction,
  sharedVisionPool,
  trackSheets,
  triageCase,
} from '@vestige/vision';
import type { DemoStep } from '../step.ts';
import { jobRegistry } from '../../job-types.ts';

export const step: DemoStep = {
  title:
    'Assisted review: a triage order of the sample images, and faces found and blurred in a short body-worn-style clip (the tool proposes; a person decides)',
  async run(ctx) {
    const clip = await generateFaceClip(join(ctx.samplesDir, 'generated', 'vision'));
    const store = CaseStore.open(ctx.caseDir);
    const queue = new LocalQueue(jobRegistry(), { concurrency: availableParallelism() });
    try {
      const photos = ['astronaut.jpg', 'camera.jpg', 'grace_hopper.jpg', 'coffee.jpg', 'chelsea.jpg'].map((f) =>
        join(VISION_FIXTURES, f),
      );
      const ingested = await ingest(store, [clip.path, ...photos], { operator: ctx.operator });
      const clipId = ingested.files.find((f) => f.path === clip.path)!.itemId;
      ctx.summary(PROPOSAL_NOTICE);
      const triage = await triageCase(store, { operator: ctx.operator, queue });
      const b = triage.order.backend as { backend?: string; simd?: boolean; tfjs?: string } | null;
      ctx.summary(
        `triage: ${triage.scored} images and videos scored (${triage.cached} already), model ${triage.order.model?.id}, backend ${b?.backend}${b?.simd ? ' with SIMD' : ''}, tfjs ${b?.tfjs}; review order:`,
      );
      for (const r of triage.order.order.slice(0, 8))
        ctx.summary(
          `  ${String(r.rank).padStart(2)}. ${r.itemId}  priority ${r.priority.toFixed(4)}  ${store.item(r.itemId).name}`,
        );
      if (triage.order.order.length > 8)
        ctx.summary(`  … ${triage.order.order.length - 8} more (case record vision.triage/review-order)`);
      const list = await proposeRedaction(store, clipId, { operator: ctx.operator, pool: sharedVisionPool() });
      const withFace = clip.face.filter((f) => f.visible >= 0.3).length;
      // Covered: the whole visible face lies inside one of the frame's boxes.
      const covered = clip.face.filter((f, n) => {
        const [x, y, w, h] = f.box;
        return (
          f.visible >= 0.3 &&
          coverAt(list, n).some((r) => r.x <= x && r.y <= y && r.x + r.width >= x + w && r.y + r.height >= y + h)
        );
      }).length;
      ctx.summary(
        `redaction proposal for ${clipId} (${clip.frames} frames): ${list.tracks.length} face track(s), detection every ${String(list.detection?.sampleEvery)} frames; the face is covered on ${covered} of the ${withFace} frames that show it`,
      );
      const sheets = await trackSheets(store, list, { operator: ctx.operator });
      for (const s of sheets) ctx.summary(`  review sheet for ${s.track}: ${s.itemId} (frames ${s.frames.join(', ')})`);
      const rendered = await renderRedaction(store, clipId, { operator: ctx.operator });
      ctx.summary(
        `redacted copy: ${rendered.itemId} ${rendered.name}, ${rendered.frames} frames, faces blurred (provenance ${rendered.provenanceId}); the original ${clipId} is unchanged`,
      );
      ctx.shared.set('vision', { clipId, redactedId: rendered.itemId });
    } finally {
      await queue.close();
      store.close();
      await closeSharedVisionPool();
    }
  },
};
