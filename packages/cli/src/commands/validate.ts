import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireString, withCase } from '../case-options.ts';
import { pixelLimitOf, resolveItemId } from '../option-parsers.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'validate',
  summary: 'Re-run the recipe that produced an enhanced item from its original and compare output hashes',
  usage: `vestige validate --case DIR --item RESULT [--operator NAME] [--pixel-limit N] [--json]

Reads the original input(s) of RESULT from the case (their hashes are checked on read), rebuilds the
recipe from the provenance record, runs it again and compares the SHA-256 of every output with the one
recorded. This is the repeatability check an accredited laboratory needs.
The case is opened read-only unless --operator is given, in which case the outcome is also written to
the custody log (action imaging.validated).

Exit codes: 0 identical; 1 different (the recorded and current software versions are printed: outputs
made with other library versions or on another platform may legitimately differ).
--json prints { ok, itemId, provenanceId, outputs: [{name, expected, actual, match}], sameLibraries, … }.`,
  options: {
    ...caseOption,
    ...operatorOption,
    item: { type: 'string', short: 'i' },
    'pixel-limit': { type: 'string' },
  },
  async run({ values }, out) {
    const ref = requireString(values, 'item', 'the enhanced item to validate');
    const operator = typeof values.operator === 'string' && values.operator.trim() ? values.operator.trim() : undefined;
    const pixelLimit = pixelLimitOf(values);
    const { validateItem } = await import('@vestige/imaging');
    return withCase(values, { readOnly: !operator }, async (store) => {
      const report = await validateItem(store, resolveItemId(store, ref), pixelLimit ? { pixelLimit } : {});
      if (operator) {
        store.appendEvent({
          operator,
          action: 'imaging.validated',
          subject: report.itemId,
          details: { provenance: report.provenanceId, ok: report.ok, outputs: report.outputs },
        });
      }
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        for (const o of report.outputs)
          out.stdout(
            `${o.match ? 'IDENTICAL' : 'DIFFERENT'}  ${shown(o.name)}\n  recorded ${o.expected}\n  re-run   ${o.actual}`,
          );
        out.stdout(
          `${report.ok ? 'VALIDATED' : 'NOT REPRODUCED'}: item ${report.itemId}, provenance ${report.provenanceId}`,
        );
        if (!report.ok) {
          out.stdout(
            `  recorded with ${JSON.stringify(report.recordedSoftware)}\n  now: ${JSON.stringify(report.currentLibraries)} on ${process.platform}/${process.arch}`,
          );
          if (!report.sameLibraries)
            out.stdout(
              '  The library versions or platform differ from those recorded; re-run on the recorded versions to validate.',
            );
        }
      }
      return report.ok ? ExitCode.ok : ExitCode.failed;
    });
  },
};
