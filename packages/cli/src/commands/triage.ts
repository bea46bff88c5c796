import { availableParallelism } from 'node:os';
import type { QueueBackend } from '@vestige/jobs';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { ProgressBar } from '../progress.ts';
import { positiveInteger } from '../option-parsers.ts';

export const command: CliCommand = {
  name: 'triage',
  summary:
    'Score every image and video of a case with a classifier and propose a review order (the tool proposes; a person decides)',
  usage: `vestige triage --case DIR --operator NAME [--redis redis://HOST:PORT] [--batch 32] [--video-frames 8]
               [--classifier SPEC.json] [--force] [--top 20] [--json]

Scores every original image, and frames spread evenly over every video (--video-frames, default 8), with
NSFWJS MobileNetV2 — a generic adult-content model: it was not trained on, and does not detect, any legal
category — and records per item the class probabilities, a review priority (the sum of the hentai, porn
and sexy probabilities), the model and its file hashes, the backend, and the SHA-256 of the pixels it saw
(annotation vision.triage, one custody event each). Each image's 1280-value embedding is stored for
\`vestige similar\`. The review order (highest priority first) is saved as case record
vision.triage/review-order. Scores never categorise anything: an officer looks and decides.

Work runs as jobs of --batch items: on this machine (one model worker per core) or, with --redis, on
\`vestige worker\` nodes. Items already scored with the same model, backend and input are skipped
unless --force. --classifier plugs in a lab's own classifier from disk (a JSON spec naming its folder,
files with SHA-256, classes and review classes). Images that cannot be decoded are listed (exit 2).`,
  options: {
    ...caseOption,
    ...operatorOption,
    redis: { type: 'string' },
    batch: { type: 'string' },
    'video-frames': { type: 'string' },
    classifier: { type: 'string' },
    force: { type: 'boolean' },
    top: { type: 'string' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const batchSize = positiveInteger(values.batch, 'batch');
    const framesPerVideo = positiveInteger(values['video-frames'], 'video-frames');
    const top = positiveInteger(values.top, 'top') ?? 20;
    const { jobRegistry } = await import('../job-types.ts');
    const registry = jobRegistry();
    const { BullMqQueue, LocalQueue, redisConnection } = await import('@vestige/jobs');
    const queue: QueueBackend =
      typeof values.redis === 'string'
        ? new BullMqQueue(registry, redisConnection(values.redis))
        : new LocalQueue(registry, { concurrency: availableParallelism() });
    const { PROPOSAL_NOTICE, closeSharedVisionPool, triageCase } = await import('@vestige/vision');
    try {
      return await withCase(values, {}, async (store) => {
        const bar = new ProgressBar(out.interactive, 'triage');
        const report = await triageCase(store, {
          operator,
          queue,
          ...(batchSize ? { batchSize } : {}),
          ...(framesPerVideo ? { framesPerVideo } : {}),
          ...(values.force ? { force: true } : {}),
          ...(typeof values.classifier === 'string' ? { classifier: values.classifier } : {}),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.finish();
        for (const f of report.failed) out.stderr(`not scored ${f.itemId}: ${f.code} ${f.message}`);
        if (out.json) out.stdout(JSON.stringify(report));
        else {
          const b = report.order.backend as { backend?: string; simd?: boolean; tfjs?: string } | null;
          out.stdout(PROPOSAL_NOTICE);
          out.stdout(
            `${report.items} images and videos: ${report.scored} scored, ${report.cached} already scored, ${report.failed.length} could not be scored` +
              (report.order.model
                ? ` (model ${report.order.model.id} ${report.order.model.version}, backend ${b?.backend}${b?.simd ? ' SIMD' : ''}, tfjs ${b?.tfjs})`
                : ''),
          );
          out.stdout(
            `review order (case record vision.triage/review-order), first ${Math.min(top, report.order.order.length)}:`,
          );
          for (const r of report.order.order.slice(0, top))
            out.stdout(
              `  ${String(r.rank).padStart(5)}  ${r.itemId}  priority ${r.priority.toFixed(6)}  ${store.item(r.itemId).name}`,
            );
        }
        return report.failed.length ? ExitCode.partial : ExitCode.ok;
      });
    } finally {
      await queue.close();
      await closeSharedVisionPool();
    }
  },
};
