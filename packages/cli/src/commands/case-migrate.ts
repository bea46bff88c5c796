import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, requireString } from '../case-options.ts';

export const command: CliCommand = {
  name: 'case migrate',
  summary: 'Bind the rows of a case made by an earlier Vestige to its custody log (recorded, never rewritten)',
  usage: `vestige case migrate --case DIR --operator NAME [--accept-problems] [--json]

Cases written before case format 2 record their items, annotations and records in the custody log only
partly. The migration first checks every row against what the log's events named, then records — in the
custody log, as events of its own — the bindings of every row as it is, so \`vestige verify\` can compare
every row from then on. Nothing is rewritten.
--accept-problems  migrate even though the checks found problems; they are listed in the migration event.

Exit codes: 0 migrated (or already current); 1 refused (the problems are listed).`,
  options: { ...caseOption, ...operatorOption, 'accept-problems': { type: 'boolean' } },
  async run({ values }, out) {
    const dir = requireString(values, 'case', 'the case folder');
    const operator = requireOperator(values);
    const { migrateCase } = await import('@vestige/evidence');
    const report = migrateCase(dir, { operator, acceptProblems: values['accept-problems'] === true });
    if (out.json) out.stdout(JSON.stringify(report));
    else if (report.from === report.to) out.stdout(`The case is already format ${report.to}; nothing to do.`);
    else
      out.stdout(
        `Migrated from format ${report.from} to ${report.to}: ${report.rows} rows bound in ${report.events} custody events` +
          (report.accepted.length ? ` (${report.accepted.length} problems accepted and recorded)` : '') +
          (report.custodyHead ? `\ncustody head: event ${report.custodyHead.seq} ${report.custodyHead.hash}` : ''),
      );
    return ExitCode.ok;
  },
};
