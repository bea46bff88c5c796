import { verifyBundle, verifyCase, VestigeError, type VerifyProblem } from '@vestige/evidence';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';
import { ProgressBar, formatBytes } from '../progress.ts';

export const command: CliCommand = {
  name: 'verify',
  summary: 'Re-hash every stored file and check the custody chain (or an export bundle)',
  usage: `vestige verify --case DIR [--expect-head SEQ:HASH] [--json]
vestige verify --bundle DIR [--json]

--case: re-hashes every blob (MD5, SHA-1, SHA-256), walks the whole custody chain and checks every
  provenance record. Any changed byte, missing blob, or edited, deleted, inserted or reordered custody
  event is reported with the item or event concerned.
--expect-head SEQ:HASH: also prove the log still contains the head you noted earlier (ingest and
  export print it), which detects removal of recent events even if the on-disk anchor was replaced.
--bundle: checks an export bundle on any machine (files, manifest, custody excerpt and chain).

Exit codes: 0 verified; 1 problems found (listed).
--json prints { ok, problems: [{kind, subject, message}], … counts }.`,
  options: { ...caseOption, bundle: { type: 'string' }, 'expect-head': { type: 'string' } },
  async run({ values }, out) {
    if (typeof values.bundle === 'string') {
      const report = await verifyBundle(values.bundle);
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        printProblems(report.problems, out.stdout);
        out.stdout(`${report.ok ? 'VERIFIED' : 'FAILED'}: bundle of case ${report.caseId}: ${report.items} items, ${report.files} files, ${report.events} custody events checked, ${report.problems.length} problems`);
      }
      return report.ok ? ExitCode.ok : ExitCode.failed;
    }
    const expectHead = parseHead(values['expect-head']);
    return withCase(values, { readOnly: true }, async (store) => {
      const bar = new ProgressBar(out.interactive, 'verify');
      const report = await verifyCase(store, { ...(expectHead ? { expectHead } : {}), onProgress: (d, t) => bar.update(d, t) });
      bar.finish();
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        printProblems(report.problems, out.stdout);
        out.stdout(
          `${report.ok ? 'VERIFIED' : 'FAILED'}: ${report.blobsChecked} stored files (${formatBytes(report.bytesChecked)}), ${report.eventsChecked} custody events, ${report.provenanceChecked} provenance records checked; ${report.problems.length} problems` +
            (report.custodyHead ? `\ncustody head: event ${report.custodyHead.seq} ${report.custodyHead.hash}` : ''),
        );
      }
      return report.ok ? ExitCode.ok : ExitCode.failed;
    });
  },
};

function printProblems(problems: VerifyProblem[], print: (s: string) => void): void {
  for (const p of problems) print(`PROBLEM ${p.kind} [${p.subject}]: ${p.message}`);
}

function parseHead(value: unknown): { seq: number; hash: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (!m) throw new VestigeError('E_USAGE', `--expect-head must be SEQ:HASH (e.g. 42:3f1c…), got ${JSON.stringify(value)}`, { hint: 'Copy the "custody head" line printed by ingest or export.' });
  return { seq: Number(m[1]), hash: m[2]! };
}
