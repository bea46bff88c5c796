import { readFileSync } from 'node:fs';
import { VestigeError } from '@vestige/evidence/errors';
import type { QueueBackend } from '@vestige/jobs';
import type { ReconstructionSettingsInput } from '@vestige/reconstruct';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { resolveItemId } from '../option-parsers.ts';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VestigeError('E_USAGE', `${what} ${path} is not readable JSON: ${(err as Error).message}`, {
      file: path,
    });
  }
}

/** Dense stereo goes through the queue, so it runs only where the `cuda` capability is. */
async function queueDense(
  caseDir: string,
  reconstructionId: string,
  operator: string,
  redis: string | undefined,
): Promise<string> {
  const [{ BullMqQueue, LocalQueue, redisConnection }, { jobRegistry, localCapabilities }] = await Promise.all([
    import('@vestige/jobs'),
    import('../job-types.ts'),
  ]);
  const registry = jobRegistry();
  const queue: QueueBackend = redis
    ? new BullMqQueue(registry, redisConnection(redis))
    : new LocalQueue(registry, { capabilities: localCapabilities() });
  try {
    const id = await queue.enqueue('reconstruct.dense', { caseDir, reconstructionId, operator });
    if (queue.kind === 'bullmq') return `dense stereo queued as job ${id} for a worker with --capability cuda`;
    const result = (await queue.waitFor(id)) as { sceneId: string; points: number };
    return `dense scene ${result.sceneId}: ${result.points} points`;
  } finally {
    await queue.close();
  }
}

export const command: CliCommand = {
  name: 'reconstruct',
  summary:
    "Photogrammetry: photos (or a video's keyframes) → a scaled, levelled 3D scene with a quality report and stated uncertainty",
  usage: `vestige reconstruct ITEM… --case DIR --operator NAME [--video ITEM] [--scale FILE.json] [--settings FILE.json]
                   [--no-level] [--name TEXT] [--dense [--redis redis://HOST:PORT]] [--json]

Reconstructs the scene the photos show with COLMAP (a separate program: apt-get install colmap): a camera pose
for every photo, a sparse point cloud, and a quality report (photos registered and not, with reasons;
reprojection error; track lengths; scale residual; settings). The result is a scene in the case that opens in
the viewer like a laser scan, each photo placed where it was taken. If anything fails, no scene is left.

  ITEM…            photo items (I-000012 or a SHA-256), in the order they were taken
  --video ITEM     a video item: its keyframes (moved enough, still overlapping, never blurred) are the photos
  --scale FILE     known distances (JSON list): the first sets metric scale, the rest are checks, e.g.
                   [{"label":"scale bar","metres":1.0,
                     "a":[{"photo":"I-000003","x":812.5,"y":433.0},{"photo":"I-000004","x":640.1,"y":420.7}],
                     "b":[{"photo":"I-000003","x":1204.0,"y":441.2},{"photo":"I-000004","x":1033.8,"y":455.9}]}]
                   (pixel coordinates in the upright photo, the top-left pixel's centre at 0.5, 0.5).
                   With a scale the scene states the uncertainty of distances measured in it.
  --settings FILE  engine settings (JSON): cameraModel, maxImageSize, maxFeatures, matching
                   (exhaustive|sequential|auto), sequentialOverlap, seed, threads, shareIntrinsics
  --no-level       do not level the scene to the floor
  --dense          then run dense stereo: needs COLMAP built with CUDA; without --redis it runs here only if
                   this machine has that, with --redis it waits for \`vestige worker --capability cuda\``,
  options: {
    ...caseOption,
    ...operatorOption,
    video: { type: 'string' },
    scale: { type: 'string' },
    settings: { type: 'string' },
    'no-level': { type: 'boolean' },
    name: { type: 'string' },
    dense: { type: 'boolean' },
    redis: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const operator = requireOperator(values);
    const { reconstruct, summariseReport } = await import('@vestige/reconstruct');
    if (positionals.length === 0 && typeof values.video !== 'string')
      throw new VestigeError('E_USAGE', 'reconstruct needs photo items or --video ITEM.', {
        hint: this.usage.split('\n')[0],
      });
    const knownDistances =
      typeof values.scale === 'string' ? (readJson(values.scale, 'The known-distance file') as never) : undefined;
    const settings =
      typeof values.settings === 'string'
        ? (readJson(values.settings, 'The settings file') as ReconstructionSettingsInput)
        : undefined;
    return withCase(values, {}, async (store) => {
      const result = await reconstruct(store, {
        operator,
        now: () => new Date(),
        photos: positionals.map((p) => resolveItemId(store, p)),
        ...(typeof values.video === 'string' ? { video: { itemId: resolveItemId(store, values.video) } } : {}),
        ...(knownDistances ? { knownDistances } : {}),
        ...(settings ? { settings } : {}),
        ...(values['no-level'] ? { level: false } : {}),
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        onProgress: (m) => out.stderr(`  ${m}`),
      });
      const dense = values.dense
        ? await queueDense(store.dir, result.id, operator, typeof values.redis === 'string' ? values.redis : undefined)
        : undefined;
      if (out.json)
        out.stdout(
          JSON.stringify({
            reconstructionId: result.id,
            sceneId: result.sceneId,
            provenanceId: result.provenanceId,
            report: result.report,
            ...(dense ? { dense } : {}),
          }),
        );
      else {
        out.stdout(`reconstruction ${result.id} → scene ${result.sceneId} (provenance ${result.provenanceId})`);
        for (const line of summariseReport(result.report)) out.stdout(`  ${line}`);
        if (dense) out.stdout(`  ${dense}`);
      }
      return result.report.photos.registered < result.report.photos.given ? ExitCode.partial : ExitCode.ok;
    });
  },
};
