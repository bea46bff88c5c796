import { VestigeError } from '@vestige/evidence/errors';
import type { RenderProgressReport, RenderSummary } from '@vestige/render';
import type { CameraPath } from '@vestige/scene';
import type { CaseStore } from '@vestige/evidence';
import { readCameraPathFile } from '../camera-path-file.ts';
import { ExitCode, type CliCommand, type CommandOutput } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { RENDER_OPTIONS_USAGE, recipeSettings, renderOptions, renderQueue } from '../render-options.ts';
import { ProgressBar } from '../progress.ts';

/** The camera path from the case (--path ID) or a file (--path-file, as the viewer exports it). */
async function cameraPath(store: CaseStore, sceneId: string, values: Record<string, unknown>): Promise<CameraPath> {
  const { CameraPathSchema, getSceneRecord } = await import('@vestige/scene');
  if (typeof values['path-file'] === 'string') {
    return CameraPathSchema.parse(await readCameraPathFile(values['path-file']));
  }
  if (typeof values.path !== 'string')
    throw new VestigeError(
      'E_USAGE',
      'render video needs --path ID (a camera path saved in the scene) or --path-file FILE.',
    );
  const path = getSceneRecord(store, 'camera-paths', sceneId, values.path);
  if (!path)
    throw new VestigeError('E_INPUT_MISSING', `No camera path '${values.path}' in scene ${sceneId}.`, {
      hint: 'List them with `vestige scene path list SCENE-ID --case DIR`.',
    });
  return path;
}

function frameRange(value: unknown): { from: number; to: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(String(value));
  if (!m)
    throw new VestigeError(
      'E_USAGE',
      `--frames needs FROM-TO (0-based, inclusive), e.g. 0-47, not '${String(value)}'.`,
    );
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** A bar on a terminal; otherwise a line about every tenth of the render. */
function progressPrinter(
  out: CommandOutput,
  formatEta: (seconds: number | null) => string,
): (p: RenderProgressReport) => void {
  const bar = new ProgressBar(out.interactive, 'frames');
  let lastTenth = -1;
  return (p) => {
    if (out.interactive) return bar.update(p.done, p.total);
    const tenth = Math.floor((p.done / Math.max(1, p.total)) * 10);
    if (tenth === lastTenth || out.json) return;
    lastTenth = tenth;
    out.stderr(`frames ${p.done}/${p.total}, ${p.rate.toFixed(2)} frames/s, ETA ${formatEta(p.etaS)}`);
  };
}

function printSummary(out: CommandOutput, s: RenderSummary): void {
  if (out.json) return out.stdout(JSON.stringify(s));
  out.stdout(
    `render ${s.renderId}: ${s.frames} frames of scene ${s.sceneId}, render class ${s.renderClasses.join(', ')}`,
  );
  out.stdout(`  video  ${s.video.itemId}  sha256 ${s.video.sha256}`);
  if (s.master) out.stdout(`  master ${s.master.itemId}  sha256 ${s.master.sha256}`);
  if (s.report) out.stdout(`  report ${s.report.itemId}  sha256 ${s.report.sha256}`);
  out.stdout(`  provenance ${s.provenanceId}; every frame's SHA-256 is in it and in the report`);
}

export const command: CliCommand = {
  name: 'render video',
  summary: 'Render a camera path of a scene into a fly-through video (frames, H.264, report), here or on render nodes',
  usage: `vestige render video SCENE-ID --case DIR --operator NAME (--path ID | --path-file FILE) [options] [--json]

Draws every frame with the viewer's own code in headless Chromium (render mode: load every node the
point budget selects, then draw once; byte-identical on nodes of one render class), stores each frame
as a PNG blob, encodes H.264 (yuv420p, +faststart) and optionally a lossless master, and records
provenance (tiles in; every frame's hash; video out), an HTML render report and a renders record.

${RENDER_OPTIONS_USAGE}
  --frames FROM-TO      render only these frames (0-based, inclusive)
  --chunk N             frames per render.frames job (default 24)
  --attempts N          tries per chunk (default 3)
  --master              also write a lossless FFV1 master
  --crf N, --preset P   H.264 quality (default 18, medium)
  --timeout-s S         longest time one chunk may take on one node (default 3600)
  --min-frame-ms MS     a frame drawn faster than this counts as a failed render (default 0: off)
  --failures-per-worker N  block-list a node for a chunk after N failures there (default 2)
  --detach              with --redis: queue it and print the job id without waiting`,
  options: {
    ...caseOption,
    ...operatorOption,
    ...renderOptions,
    path: { type: 'string' },
    'path-file': { type: 'string' },
    frames: { type: 'string' },
    chunk: { type: 'string' },
    attempts: { type: 'string' },
    master: { type: 'boolean' },
    crf: { type: 'string' },
    preset: { type: 'string' },
    'timeout-s': { type: 'string' },
    'min-frame-ms': { type: 'string' },
    'failures-per-worker': { type: 'string' },
    detach: { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const sceneId = positionals[0];
    if (!sceneId)
      throw new VestigeError('E_USAGE', 'render video needs the scene id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    const { loadScene } = await import('@vestige/scene');
    const payload = await withCase(values, { readOnly: true }, async (store) => {
      loadScene(store, sceneId);
      const range = frameRange(values.frames);
      const num = (name: string) => (values[name] === undefined ? undefined : Number(values[name]));
      return {
        caseDir: store.dir,
        operator,
        recipe: {
          ...(await recipeSettings(store, sceneId, values)),
          cameraPath: await cameraPath(store, sceneId, values),
          ...(range ? { frames: range } : {}),
        },
        ...(values.chunk ? { chunkSize: num('chunk') } : {}),
        ...(values.attempts ? { attempts: num('attempts') } : {}),
        farm: {
          ...(values['timeout-s'] ? { taskTimeoutS: num('timeout-s') } : {}),
          ...(values['min-frame-ms'] ? { minFrameMs: num('min-frame-ms') } : {}),
          ...(values['failures-per-worker'] ? { failuresPerWorker: num('failures-per-worker') } : {}),
        },
        video: {
          ...(values.master ? { master: true } : {}),
          ...(values.crf ? { crf: num('crf') } : {}),
          ...(typeof values.preset === 'string' ? { preset: values.preset } : {}),
        },
      };
    });
    const queue = await renderQueue(values);
    const { formatEta, runRender, submitRender } = await import('@vestige/render');
    const { closeRenderNode } = await import('../render-host.ts');
    try {
      if (queue.kind === 'bullmq' && values.detach) {
        const { jobId } = await submitRender(queue, payload as never);
        out.stdout(
          out.json
            ? JSON.stringify({ jobId, queued: true })
            : `queued render job ${jobId}; follow it with \`vestige jobs list --redis …\``,
        );
        return ExitCode.ok;
      }
      printSummary(out, await runRender(queue, payload as never, progressPrinter(out, formatEta)));
      return ExitCode.ok;
    } finally {
      await queue.close();
      await closeRenderNode();
    }
  },
};
