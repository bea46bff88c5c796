import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence/errors';
import type { RedactionList } from '@vestige/vision';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { positiveInteger } from '../option-parsers.ts';

function fraction(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n < 1))
    throw new VestigeError('E_USAGE', `--${name} must be a number from 0 to 1, not '${String(value)}'`);
  return n;
}

export const command: CliCommand = {
  name: 'redact',
  summary:
    'Propose face boxes for every frame of a video (or an image), let the officer edit them, and render a redacted derived copy',
  usage: `vestige redact ITEM --case DIR --operator NAME [--out LIST.json] [--sheets DIR] [--sample-every 5]
               [--threshold 0.3] [--margin 0.3] [--mode blur|pixelate] [--strength N] [--json]
vestige redact ITEM --case DIR --operator NAME --render [--list LIST.json] [--format h264|ffv1] [--json]

Propose (first form): faces are detected on every --sample-every-th frame (SSD MobileNet v1, confidence
≥ --threshold: a missed face is worse than an extra box) and linked into tracks that cover the frames in
between, carried past the picture's edge where a face enters or leaves, every box widened by --margin.
The redaction list (JSON: per-track keyframe boxes over frame ranges, manual boxes, audio mute ranges,
style) is saved as case record vision.redaction-lists/ITEM and written to --out for editing; a review
sheet of each track is stored as a derived image (and copied to --sheets DIR).

Edit the list: set "redact": false on a track that may be shown, move keyframes, add
  "manual": [{ "id": "M-001", "frames": [120, 180], "box": [x, y, width, height], "note": "…" }] and
  "mute":   [{ "id": "A-001", "from": 12.5, "to": 15.0, "note": "name spoken" }]   (seconds),
or change "style" ({ "mode": "blur" | "pixelate", "strength": radius or block size in pixels }).

Render (second form): --list saves the edited list over the case's (a custody event) and renders it;
without --list the case's list is rendered. ffmpeg covers each box on its frames and silences the mute
ranges; the result is a new derived item (H.264/AAC MP4 for disclosure, or --format ffv1 lossless) whose
provenance names every box; the original is only read. Images render to PNG.`,
  async usageDetails() {
    const { PROPOSAL_NOTICE } = await import('@vestige/vision');
    return PROPOSAL_NOTICE;
  },
  options: {
    ...caseOption,
    ...operatorOption,
    out: { type: 'string' },
    sheets: { type: 'string' },
    'sample-every': { type: 'string' },
    threshold: { type: 'string' },
    margin: { type: 'string' },
    mode: { type: 'string' },
    strength: { type: 'string' },
    render: { type: 'boolean' },
    list: { type: 'string' },
    format: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const itemId = positionals[0];
    if (!itemId || positionals.length > 1) {
      throw new VestigeError('E_USAGE', 'redact takes exactly one item id.', { hint: this.usage.split('\n')[0] });
    }
    const operator = requireOperator(values);
    const {
      PROPOSAL_NOTICE,
      closeSharedVisionPool,
      formatRedactionList,
      proposeRedaction,
      renderRedaction,
      sharedVisionPool,
      trackSheets,
    } = await import('@vestige/vision');
    try {
      return await withCase(values, {}, async (store) => {
        if (values.render) {
          if (values.format !== undefined && values.format !== 'h264' && values.format !== 'ffv1')
            throw new VestigeError('E_USAGE', `--format is h264 or ffv1, not '${String(values.format)}'`);
          let list: unknown;
          if (typeof values.list === 'string') {
            try {
              list = JSON.parse(readFileSync(values.list, 'utf8')) as unknown;
            } catch (err) {
              throw new VestigeError(
                'E_PARAM_INVALID',
                `cannot read the redaction list ${values.list}: ${(err as Error).message}`,
                { file: values.list, cause: err },
              );
            }
          }
          const report = await renderRedaction(store, itemId, {
            operator,
            ...(list !== undefined ? { list, listFile: values.list as string } : {}),
            ...(values.format ? { format: values.format as 'h264' | 'ffv1' } : {}),
          });
          out.stdout(
            out.json
              ? JSON.stringify(report)
              : `${report.itemId}  ${report.name}  ${report.frames} frames, ${report.boxes} tracks and boxes covered  sha256 ${report.sha256}  (provenance ${report.provenanceId}; list sha256 ${report.listSha256})`,
          );
          return ExitCode.ok;
        }
        if (values.mode !== undefined && values.mode !== 'blur' && values.mode !== 'pixelate')
          throw new VestigeError('E_USAGE', `--mode is blur or pixelate, not '${String(values.mode)}'`);
        const strength = positiveInteger(values.strength, 'strength');
        const sampleEvery = positiveInteger(values['sample-every'], 'sample-every');
        const minScore = fraction(values.threshold, 'threshold');
        const margin = fraction(values.margin, 'margin');
        const list: RedactionList = await proposeRedaction(store, itemId, {
          operator,
          pool: sharedVisionPool(),
          ...(sampleEvery ? { sampleEvery } : {}),
          ...(minScore !== undefined ? { minScore } : {}),
          ...(margin !== undefined ? { margin } : {}),
          style: {
            ...(values.mode ? { mode: values.mode as 'blur' | 'pixelate' } : {}),
            ...(strength ? { strength } : {}),
          },
        });
        const sheets = await trackSheets(store, list, { operator });
        if (typeof values.out === 'string') writeFileSync(values.out, formatRedactionList(list));
        if (typeof values.sheets === 'string') {
          mkdirSync(values.sheets, { recursive: true });
          for (const s of sheets)
            writeFileSync(join(values.sheets, `${itemId}_${s.track}.png`), await store.blobs.read(s.sha256));
        }
        if (out.json) out.stdout(JSON.stringify({ list, sheets }));
        else {
          out.stdout(PROPOSAL_NOTICE);
          out.stdout(
            `${itemId}: ${list.tracks.length} face tracks proposed over ${list.source.frames} frames (case record vision.redaction-lists/${itemId}${typeof values.out === 'string' ? `, written to ${values.out}` : ''})`,
          );
          for (const t of list.tracks)
            out.stdout(
              `  ${t.id}  frames ${t.frames[0]}–${t.frames[1]}  ${t.keyframes.filter((k) => k.score !== null).length} detections  sheet ${sheets.find((s) => s.track === t.id)?.itemId ?? '—'}`,
            );
          out.stdout(
            `Review each track's sheet, edit the list, then: vestige redact ${itemId} --case DIR --operator NAME --render --list LIST.json`,
          );
        }
        return ExitCode.ok;
      });
    } finally {
      await closeSharedVisionPool();
    }
  },
};
