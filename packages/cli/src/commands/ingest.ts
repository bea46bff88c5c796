import type { IngestReport } from '@vestige/evidence';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { ProgressBar, formatBytes } from '../progress.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'ingest',
  summary: 'Hash and store files or folders in a case (originals are never modified)',
  usage: `vestige ingest PATH… --case DIR --operator NAME [--progress] [--json]

Reads every file once, computing MD5, SHA-1 and SHA-256 while copying it into the case's content-addressed
store; records every path a file was found at, photo EXIF and video stream summaries, and a custody event
for each. Folders are walked recursively; symbolic links are recorded, not followed.

A folder that holds the case (or a folder inside it) is refused. Each ingest leaves a summary in the
case's summaries/ folder naming the custody head it reached (\`verify\` checks the log still reaches it).
--progress  one line per step on stderr for scripts: "progress stored=N/TOTAL recorded=N/TOTAL bytes=N/TOTAL"
  (stored: read, hashed and copied; recorded: committed with its custody events).

Exit codes: 0 all stored; 2 partial (some inputs rejected or flagged — listed, the rest kept); 1 failed; 64 usage.

--json prints one object: { ingestId, roots, filesSeen, itemsAdded, duplicates, alreadyRecorded, bytesRead,
  symlinks: [{path,target,resolvesInside}], rejected: [{path,code,message,hint}], warnings: […],
  files: [{path,itemId,sha256,size,status: added|duplicate|known}], elapsedMs, custodyHead: {seq,hash} }`,
  options: { ...caseOption, ...operatorOption, progress: { type: 'boolean' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (positionals.length === 0) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const operator = requireOperator(values);
    const { ingest } = await import('@vestige/evidence');
    const { ingestExtractors } = await import('../metadata-extractors.ts');
    return withCase(values, {}, async (store) => {
      const bar = new ProgressBar(out.interactive && values.progress !== true, 'ingest');
      const report = await ingest(store, positionals, {
        operator,
        extractors: ingestExtractors,
        onProgress: (p) => {
          bar.update(p.filesDone, p.filesTotal, p.bytesDone, p.bytesTotal);
          if (values.progress === true)
            out.stderr(
              `progress stored=${p.filesDone}/${p.filesTotal} recorded=${p.filesRecorded}/${p.filesTotal} bytes=${p.bytesDone}/${p.bytesTotal}${p.phase === 'done' ? ' done' : ''}`,
            );
        },
      });
      bar.finish();
      // Problems always go to stderr, so a script using --json still shows the officer what was rejected.
      printProblems(report, out.stderr);
      if (out.json) out.stdout(JSON.stringify(report));
      else printSummary(report, out.stdout);
      return report.rejected.length > 0 || report.warnings.length > 0 ? ExitCode.partial : ExitCode.ok;
    });
  },
};

function printProblems(r: IngestReport, stderr: (s: string) => void): void {
  for (const p of [...r.rejected, ...r.warnings]) {
    stderr(
      `${r.rejected.includes(p) ? 'rejected' : 'warning '} ${p.code}: ${shown(p.message)}${p.hint ? `\n         what to do: ${p.hint}` : ''}`,
    );
  }
}

function printSummary(r: IngestReport, stdout: (s: string) => void): void {
  stdout(
    [
      `Ingest ${r.ingestId}: ${r.filesSeen} files, ${formatBytes(r.bytesRead)} read in ${(r.elapsedMs / 1000).toFixed(1)} s`,
      `  ${r.itemsAdded} new items, ${r.duplicates} duplicates (stored once, source recorded), ${r.alreadyRecorded} already recorded`,
      `  ${r.symlinks.length} symbolic links recorded (not followed), ${r.rejected.length} rejected, ${r.warnings.length} warnings`,
      r.custodyHead ? `  custody head: event ${r.custodyHead.seq} ${r.custodyHead.hash}` : '',
      r.summaryPath ? `  summary: ${shown(r.summaryPath)}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
