import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'clip',
  summary: 'Export part of a video item as a new item with frame number, PTS and case reference burned in',
  usage: `vestige clip ITEM --case DIR --operator NAME (--range FIRST-LAST | --time-range FROM..TO) [--format h264|ffv1] [--no-burn-in] [--json]

Every frame of the part keeps its own timing (nothing added or dropped). Burned into each frame: the case
reference, the item, the frame's index in the original stream, its PTS, and — when 'vestige video time' has
recorded a clock correction for the item — the corrected recorder time. H.264 MP4 (default) is for viewing;
--format ffv1 gives a lossless Matroska file. Audio is not carried.`,
  options: {
    ...caseOption,
    ...operatorOption,
    range: { type: 'string' },
    'time-range': { type: 'string' },
    format: { type: 'string' },
    'no-burn-in': { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1)
      throw new VestigeError('E_USAGE', 'clip takes exactly one video item id.', { hint: this.usage.split('\n')[0] });
    const operator = requireOperator(values);
    let selection: { selector: 'range' | 'time-range'; params: Record<string, unknown> };
    if (typeof values.range === 'string' && values['time-range'] === undefined) {
      const m = /^(\d+)(?:-|\.\.)(\d+)$/.exec(values.range.trim());
      if (!m)
        throw new VestigeError(
          'E_USAGE',
          `--range takes FIRST-LAST frame indices (e.g. 120-180), got '${values.range}'.`,
        );
      selection = { selector: 'range', params: { from: Number(m[1]), to: Number(m[2]) } };
    } else if (typeof values['time-range'] === 'string' && values.range === undefined) {
      const parts = values['time-range'].split('..');
      if (parts.length !== 2)
        throw new VestigeError('E_USAGE', `--time-range takes FROM..TO, got '${values['time-range']}'.`);
      selection = { selector: 'time-range', params: { from: parts[0]!.trim(), to: parts[1]!.trim() } };
    } else {
      throw new VestigeError('E_USAGE', 'give one of --range FIRST-LAST or --time-range FROM..TO.', {
        hint: this.usage.split('\n')[0],
      });
    }
    const format = values.format ?? 'h264';
    if (format !== 'h264' && format !== 'ffv1')
      throw new VestigeError('E_USAGE', `--format is h264 or ffv1, not '${String(format)}'.`);
    const { exportClip } = await import('@vestige/video');
    return withCase(values, {}, async (store) => {
      const report = await exportClip(store, itemId, selection, { operator, format, burnIn: !values['no-burn-in'] });
      out.stdout(
        out.json
          ? JSON.stringify(report)
          : `${report.itemId}  ${shown(report.name)}  ${report.frames} frames  sha256 ${report.sha256}  (provenance ${report.provenanceId})`,
      );
      return ExitCode.ok;
    });
  },
};
