import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { optionChoice } from '../option-parsers.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'match',
  summary: 'Match a case against a known-image hash set (exact MD5/SHA-1/SHA-256, perceptual PDQ)',
  usage: `vestige match --case DIR --hashset FILE --operator NAME [--pdq-radius 31] [--min-quality 50]
              [--vpdq-match-percent 75] [--format vics|csv|hashdeep|plain|nsrl-rds2|nsrl-rds3] [--known-good]
              [--set-name NAME] [--set-version V] [--json]

Hashes any image not yet hashed, then streams the set (VICS JSON of any size, CAID CSV, hashdeep or
"hash  path" text — detected from the file unless --format is given) through an index of the case:
exact matches by cryptographic hash, perceptual matches by PDQ within --pdq-radius bits (31 is Meta's
published threshold; case images with PDQ quality below --min-quality are not matched perceptually).
Results are identical to comparing every pair. Each matched item gets a hashing.matches annotation
naming the set and its version (default: file name, and sha256: + 16 hex of the file); re-running a set
replaces that set's earlier matches. Bad entries in the set are listed and skipped (exit 2); matching
goes on with the rest. The set is read once: its version hash is computed over the same reads.
A known-good set (NSRL RDS v2 or v3, or any set with --known-good) is not a list of matches: its hits
mark items as known files (hashing.known-good) that are filtered out of review and grouping.
A set entry that carries a video hash (vPDQ) is matched against the case's videos with vPDQ's own
metric (frames within 31 bits, quality ≥ 50): the share of the case video's frames found in the
entry's video and the share of the entry's frames found in the case video; either reaching
--vpdq-match-percent (75, python-threatexchange's threshold) is a match.`,
  options: {
    ...caseOption,
    ...operatorOption,
    hashset: { type: 'string', short: 's' },
    format: { type: 'string' },
    'set-name': { type: 'string' },
    'set-version': { type: 'string' },
    'pdq-radius': { type: 'string' },
    'min-quality': { type: 'string' },
    'vpdq-match-percent': { type: 'string' },
    'known-good': { type: 'boolean' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const setPath = requireString(values, 'hashset', 'the hash-set file to match against');
    const radius = parseWhole(values['pdq-radius'], 'pdq-radius', 31);
    const minQuality = parseWhole(values['min-quality'], 'min-quality', 50);
    const vpdqMatchPercent = parseWhole(values['vpdq-match-percent'], 'vpdq-match-percent', 75);
    const { matchCase, hashSetFormat } = await import('@vestige/hashing');
    return withCase(values, {}, async (store) => {
      const report = await matchCase(store, {
        operator,
        setPath,
        pdqRadius: radius,
        minQuality,
        vpdqMatchPercent,
        ...(typeof values.format === 'string'
          ? { format: optionChoice('format', () => hashSetFormat(values.format as string)) }
          : {}),
        ...(typeof values['set-name'] === 'string' ? { setName: values['set-name'] } : {}),
        ...(typeof values['set-version'] === 'string' ? { setVersion: values['set-version'] } : {}),
        ...(values['known-good'] === true ? { knownGood: true } : {}),
        onProgress: (n) => out.interactive && process.stderr.write(`\rmatch: ${n} entries read   `),
      });
      if (out.interactive) process.stderr.write('\n');
      for (const i of report.issues) out.stderr(`set problem: ${i.code} ${shown(i.message)}`);
      if (report.entriesRejected + report.fieldsDropped > report.issues.length)
        out.stderr(
          `… ${report.entriesRejected + report.fieldsDropped - report.issues.length} more set problems not shown`,
        );
      if (out.json) out.stdout(JSON.stringify(report));
      else {
        out.stdout(
          `Set ${shown(report.set.name)} (${report.set.format}, version ${report.set.version}): ${report.entriesRead} entries read, ${report.entriesRejected} rejected${report.fatal ? ' — reading stopped early' : ''}`,
        );
        out.stdout(
          `Case: ${report.itemsChecked} items, ${report.itemsWithPdq} usable PDQ hashes (images and video segments, quality ≥ ${minQuality}); radius ${report.pdqRadius}`,
        );
        if (report.entriesOnlyForeignHashes)
          out.stdout(
            `${report.entriesOnlyForeignHashes} set entries can only be matched by hashes Vestige does not compute (PhotoDNA or others)`,
          );
        if (report.role === 'known-good') {
          out.stdout(
            `Known-good set: ${report.knownGoodItems.length} items are known files and are filtered out of review (not matches)`,
          );
          for (const k of report.knownGoodItems)
            out.stdout(`  ${k.itemId}  ${k.itemName}  known (${k.kind.toUpperCase()})`);
        } else
          out.stdout(
            `${report.matchedItems.length} items matched: ${report.exactMatches} exact, ${report.pdqMatches} perceptual, ${report.vpdqMatches} video hash`,
          );
        for (const m of report.matchedItems) {
          for (const x of m.matches) {
            const how =
              x.kind === 'pdq'
                ? `PDQ distance ${x.distance}`
                : x.kind === 'vpdq'
                  ? `vPDQ ${x.queryMatchPercent!.toFixed(1)}% of this video, ${x.comparedMatchPercent!.toFixed(1)}% of the set's video`
                  : `${x.kind.toUpperCase()} exact`;
            const what = [
              x.entry.mediaId && `media ${x.entry.mediaId}`,
              x.entry.vicsCategory !== undefined && `VICS category ${x.entry.vicsCategory}`,
              x.entry.ukCategory && `UK ${x.entry.ukCategory}`,
              x.entry.series && `series ${x.entry.series}`,
            ]
              .filter(Boolean)
              .join(', ');
            out.stdout(`  ${m.itemId}  ${shown(m.itemName)}  ← ${how}${what ? ` (${what})` : ''}`);
          }
        }
      }
      return report.fatal || report.entriesRejected || report.fieldsDropped ? ExitCode.partial : ExitCode.ok;
    });
  },
};

function parseWhole(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new VestigeError('E_USAGE', `--${name} must be a whole number, not '${String(value)}'`);
  return n;
}
