import { readFileSync } from 'node:fs';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'video enhance',
  aliases: ['video-enhance'],
  summary:
    'Run a video recipe (deinterlace, stabilise, denoise, average, speed, imaging steps per frame) on a video item',
  usage: `vestige video enhance ITEM --case DIR --operator NAME --recipe FILE.json [--format ffv1|h264] [--json]

A video recipe is JSON:
  { "name": "night-cam",
    "steps": [ { "op": "deinterlace", "params": { "method": "bwdif" } },
               { "op": "stabilise", "params": { "smoothing": 15 } },
               { "op": "denoise", "params": { "method": "hqdn3d", "strength": 4 } },
               { "op": "imaging", "params": { "recipe": { "steps": [ { "op": "levels", "params": { … } } ] } } },
               { "op": "speed", "params": { "factor": 0.5 } } ],
    "output": { "format": "ffv1" } }
Video steps: listed below; "imaging" runs an imaging recipe (see 'vestige help enhance')
on every frame (constant-frame-rate video only). Output is lossless FFV1/Matroska by default, H.264 MP4 for
viewing. The result is a derived item whose provenance names every step, its parameters and the ffmpeg commands.`,
  async usageDetails() {
    const { videoSteps } = await import('@vestige/video');
    return `Video steps: ${videoSteps.map((s) => s.id).join(', ')}.`;
  },
  options: { ...caseOption, ...operatorOption, recipe: { type: 'string' }, format: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1)
      throw new VestigeError('E_USAGE', 'video enhance takes exactly one video item id.', {
        hint: this.usage.split('\n')[0],
      });
    const operator = requireOperator(values);
    const file = requireString(values, 'recipe', 'the video recipe (JSON file)');
    let recipe: Record<string, unknown>;
    try {
      recipe = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new VestigeError('E_RECIPE_INVALID', `cannot read recipe ${file}: ${(err as Error).message}`, {
        file,
        cause: err,
      });
    }
    if (values.format !== undefined) {
      if (values.format !== 'ffv1' && values.format !== 'h264')
        throw new VestigeError('E_USAGE', `--format is ffv1 or h264, not '${String(values.format)}'.`);
      recipe = Array.isArray(recipe)
        ? { steps: recipe, output: { format: values.format } }
        : { ...recipe, output: { format: values.format } };
    }
    const { enhanceVideo } = await import('@vestige/video');
    return withCase(values, {}, async (store) => {
      const report = await enhanceVideo(store, itemId, recipe, { operator });
      out.stdout(
        out.json
          ? JSON.stringify(report)
          : `${report.itemId}  ${shown(report.name)}  ${report.frames} frames  sha256 ${report.sha256}  (provenance ${report.provenanceId})`,
      );
      return ExitCode.ok;
    });
  },
};
