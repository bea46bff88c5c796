import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { selectionFromOptions, command as framesCommand } from './frames.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'video sheet',
  aliases: ['video-sheet'],
  summary: 'Contact sheets of selected frames of a video item, each thumbnail labelled with frame index and PTS',
  usage: `vestige video sheet ITEM --case DIR --operator NAME [SELECTOR] [--columns N] [--rows N] [--width PX] [--json]

SELECTOR as for 'vestige frames' (default --every 25). Sheets are stored as derived PNG items.`,
  options: {
    ...Object.fromEntries(Object.entries(framesCommand.options).filter(([k]) => k !== 'stream')),
    ...caseOption,
    ...operatorOption,
    columns: { type: 'string' },
    rows: { type: 'string' },
    width: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1)
      throw new VestigeError('E_USAGE', 'video sheet takes exactly one video item id.', {
        hint: this.usage.split('\n')[0],
      });
    const operator = requireOperator(values);
    const chosen = selectionFromOptions(values);
    const explicit = Object.keys(values).some((k) =>
      ['all', 'every', 'range', 'time-range', 'at', 'iframes', 'scene', 'sharpest', 'sharpest-seconds'].includes(k),
    );
    const selection = explicit ? chosen : { selector: 'every', params: { every: 25 } };
    const num = (v: unknown, d: number) => (v === undefined ? d : Number(v));
    const { contactSheet } = await import('@vestige/video');
    return withCase(values, {}, async (store) => {
      const report = await contactSheet(store, itemId, selection, {
        operator,
        columns: num(values.columns, 4),
        rows: num(values.rows, 4),
        thumbWidth: num(values.width, 320),
      });
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        out.stdout(
          `${report.sheets.length} sheet(s) of ${report.frames.length} frames (provenance ${report.provenanceId ?? '—'})`,
        );
        for (const s of report.sheets) out.stdout(`  ${s.itemId}  ${shown(s.name)}  ${s.sha256}`);
      }
      return ExitCode.ok;
    });
  },
};
