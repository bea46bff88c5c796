import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'log',
  summary: 'Print the custody log',
  usage: `vestige log --case DIR [--subject ID] [--json]

Prints every custody event in order: seq, time (UTC), operator, action, subject and details.
--subject ID   only events about one item, ingest, derivation or record
--json         one JSON object per line: {seq,time,operator,action,subject,details,prev,hash}`,
  options: { ...caseOption, subject: { type: 'string' } },
  async run({ values }, out) {
    return withCase(values, { readOnly: true }, async (store) => {
      const filter = typeof values.subject === 'string' ? { subject: values.subject } : {};
      for (const e of store.custody.events(filter)) {
        if (out.json) out.stdout(JSON.stringify(e));
        else
          out.stdout(
            `${String(e.seq).padStart(6)}  ${e.time}  ${shown(e.operator)}  ${e.action}  ${shown(e.subject)}  ${JSON.stringify(e.details)}  ${e.hash.slice(0, 16)}`,
          );
      }
      return ExitCode.ok;
    });
  },
};
