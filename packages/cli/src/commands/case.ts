import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, openCase, operatorOption, requireOperator } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

const init: CliCommand = {
  name: 'case init',
  summary: 'Create a new, empty case folder',
  usage: `vestige case init DIR --operator NAME [--name TEXT] [--reference REF] [--json]

Creates the case store in DIR (which must be new or empty): SQLite metadata, a content-addressed blob
store and the custody log, whose first event records who created the case and when.
  --reference REF   the force's case/operation reference, printed on reports and screenshots`,
  options: { ...operatorOption, name: { type: 'string' }, reference: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const dir = positionals[0];
    if (!dir || positionals.length > 1) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const operator = requireOperator(values);
    const { CaseStore } = await import('@vestige/evidence');
    const store = CaseStore.init(dir, {
      operator,
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.reference === 'string' ? { reference: values.reference } : {}),
    });
    try {
      const head = store.custody.head();
      if (out.json) out.stdout(JSON.stringify({ case: store.info, dir: store.dir, custodyHead: head }));
      else
        out.stdout(
          `Created case "${shown(store.info.name)}" (${store.info.id}) in ${shown(store.dir)}\nCustody log started: event ${head?.seq} ${head?.hash}`,
        );
      return ExitCode.ok;
    } finally {
      store.close();
    }
  },
};

const info: CliCommand = {
  name: 'case info',
  summary: 'Show a case: reference, counts, custody head',
  usage: `vestige case info --case DIR [--json]`,
  options: { ...caseOption },
  async run({ values }, out) {
    const store = await openCase(values, { readOnly: true });
    try {
      const items = store.items();
      const summary = {
        case: store.info,
        dir: store.dir,
        items: items.length,
        originals: items.filter((i) => i.kind === 'original').length,
        derived: items.filter((i) => i.kind === 'derived').length,
        bytes: items.reduce((n, i) => n + i.size, 0),
        custodyHead: store.custody.head(),
      };
      if (out.json) out.stdout(JSON.stringify(summary));
      else
        out.stdout(
          [
            `Case       ${shown(summary.case.name)} (${summary.case.id})`,
            `Reference  ${shown(summary.case.reference || '—')}`,
            `Created    ${summary.case.createdAt}`,
            `Items      ${summary.items} (${summary.originals} original, ${summary.derived} derived), ${summary.bytes} bytes`,
            `Custody    ${summary.custodyHead ? `${summary.custodyHead.seq} events, head ${summary.custodyHead.hash}` : 'empty'}`,
          ].join('\n'),
        );
      return ExitCode.ok;
    } finally {
      store.close();
    }
  },
};

export const commands = [init, info];
