import { isVestigeError } from '@vestige/evidence/errors';
import type { BundleVerifyReport, VerifyProblem, VerifyReport } from '@vestige/evidence';
import type { CaseStore as CaseStoreType } from '@vestige/evidence';
import { ExitCode, type CliCommand, type CommandOutput, type ExitCodeValue } from '../command.ts';
import { caseOption, requireString } from '../case-options.ts';
import { ProgressBar, formatBytes } from '../progress.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'verify',
  summary: 'Check every stored file, the custody chain and every record against it (or an export bundle)',
  usage: `vestige verify --case DIR [--expect-head SEQ:HASH|FILE] [--all-digests] [--json]
vestige verify --bundle DIR [--key PUBLIC_KEY] [--json]

--case: re-hashes every blob against its address (SHA-256), walks the whole custody chain, replays it and
  compares the state it records with every row of the case (items, sources, annotations, provenance,
  case records such as scenes), both ways; checks the chain's anchors (custody.head and the summary each
  ingest and export leaves in summaries/). Each difference is reported with its kind and what it concerns.
  If case.sqlite is damaged, the stored files named by the summaries are still checked.
--expect-head SEQ:HASH|FILE: also prove the log still contains a head noted earlier — the "custody head"
  line ingest and export print, or a summary file or export bundle that records one.
--all-digests: recompute MD5 and SHA-1 as well and compare them with each item (three times the hashing).
--bundle: checks an export bundle on any machine (files, manifest against the custody excerpt, chain).
--key PUBLIC_KEY: the lab's public key (\`vestige key create\`); the bundle's signature must be valid.

Exit codes: 0 verified; 1 problems found (listed); 64 usage.
--json prints the report: { ok, problems: [{kind, subject, message}], anchors, … counts } (README).`,
  options: {
    ...caseOption,
    bundle: { type: 'string' },
    key: { type: 'string' },
    'expect-head': { type: 'string' },
    'all-digests': { type: 'boolean' },
  },
  async run({ values }, out) {
    if (typeof values.bundle === 'string')
      return verifyBundleCommand(values.bundle, typeof values.key === 'string' ? values.key : undefined, out);
    const dir = requireString(values, 'case', 'the case folder');
    const { CaseStore, asCaseError, readHeadNote, verifyCase, verifyDamagedCase } = await import('@vestige/evidence');
    const note = typeof values['expect-head'] === 'string' ? readHeadNote(values['expect-head']) : undefined;
    let store: CaseStoreType;
    try {
      store = CaseStore.open(dir, { readOnly: true });
    } catch (err) {
      if (!isVestigeError(err, 'E_CASE_CORRUPT')) throw err;
      return printCase(await verifyDamagedCase(dir, err.message), out);
    }
    try {
      const bar = new ProgressBar(out.interactive, 'verify');
      const report = await verifyCase(store, {
        ...(note ? { expectHead: note.head, expectHeadSource: note.source } : {}),
        allDigests: values['all-digests'] === true,
        onProgress: (d, t) => bar.update(d, t),
      }).catch(async (err: unknown) => {
        // Damage found part-way through (a page of the database unreadable) still gets a report.
        const asCase = asCaseError(err, `${store.dir}/case.sqlite`);
        if (!isVestigeError(asCase, 'E_CASE_CORRUPT')) throw err;
        return verifyDamagedCase(dir, asCase.message);
      });
      bar.finish();
      return printCase(report, out);
    } finally {
      store.close();
    }
  },
};

function printCase(report: VerifyReport, out: CommandOutput): ExitCodeValue {
  if (out.json) out.stdout(JSON.stringify(report));
  else {
    printProblems(report.problems, out.stdout);
    const anchors = report.anchors.length
      ? `; ${report.anchors.filter((a) => a.status === 'ok').length} of ${report.anchors.length} recorded heads reached`
      : '';
    out.stdout(
      `${report.ok ? 'VERIFIED' : 'FAILED'}: ${report.blobsChecked} stored files (${formatBytes(report.bytesChecked)}), ${report.eventsChecked} custody events replayed, ${report.rowsChecked} rows compared with them${anchors}; ${report.problems.length} problems` +
        (report.custodyHead ? `\ncustody head: event ${report.custodyHead.seq} ${report.custodyHead.hash}` : ''),
    );
  }
  return report.ok ? ExitCode.ok : ExitCode.failed;
}

async function verifyBundleCommand(
  dir: string,
  keyPath: string | undefined,
  out: CommandOutput,
): Promise<ExitCodeValue> {
  const { loadPublicKey, verifyBundle } = await import('@vestige/evidence');
  const report: BundleVerifyReport = await verifyBundle(dir, keyPath ? { publicKey: loadPublicKey(keyPath) } : {});
  if (out.json) out.stdout(JSON.stringify(report));
  else {
    printProblems(report.problems, out.stdout);
    out.stdout(
      `${report.ok ? 'VERIFIED' : 'FAILED'}: bundle of case ${shown(report.caseId)}: ${report.items} items, ${report.files} files, ${report.events} custody events checked, ${report.problems.length} problems`,
    );
    out.stdout(signatureLine(report.signature));
  }
  return report.ok ? ExitCode.ok : ExitCode.failed;
}

function signatureLine(s: BundleVerifyReport['signature']): string {
  switch (s.status) {
    case 'valid':
      return `signed: valid signature by key ${s.keyId}`;
    case 'invalid':
      return `signature INVALID: ${shown(s.reason)}`;
    case 'not-checked':
      return `signed by key ${shown(s.keyId)}, not checked: pass --key with the lab's public key to check it`;
    case 'unsigned':
      return 'unsigned: integrity only against accidental change';
  }
}

function printProblems(problems: VerifyProblem[], print: (s: string) => void): void {
  for (const p of problems) print(`PROBLEM ${p.kind} [${shown(p.subject)}]: ${shown(p.message)}`);
}
