import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { HashSetEntry, HashSetMeta } from '@vestige/hashing';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { optionChoice } from '../option-parsers.ts';
import { caseOption, operatorOption, requireOperator, requireString, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

const exportCommand: CliCommand = {
  name: 'hashset export',
  summary: 'Write the categorised items of a case as a hash set (VICS JSON by default)',
  usage: `vestige hashset export --case DIR --out FILE --operator NAME [--format vics|csv|hashdeep|plain]
              [--profile default|uk] [--cases] [--all] [--json]

Writes one entry per categorised item: MD5, SHA-1, SHA-256, size, name, PDQ and quality when hashed,
the UK grade and its Project VIC category, and tags. --all includes uncategorised items too.
--profile uk writes CAID's UK profile of VICS (the UK grade in Category: A=1, B=2, C=3, not
indecent=0). --cases writes a case export instead of a hash database: OUT is a new folder holding a
VICS #Cases document whose Media name their files (MediaFiles, RelativeFilePath) and the files
themselves under Media/, as Griffeye- and AXIOM-style case import expects. The export (file, format,
entry count and the file's SHA-256) is recorded as a custody event.`,
  options: {
    ...caseOption,
    ...operatorOption,
    out: { type: 'string' },
    format: { type: 'string' },
    all: { type: 'boolean' },
    profile: { type: 'string' },
    cases: { type: 'boolean' },
  },
  async run({ values }, out) {
    const operator = requireOperator(values);
    const outPath = requireString(values, 'out', 'the file to write');
    const { categorisedEntries, exportCaseForReview, hashSetFormat, writeHashSetFile } = await import(
      '@vestige/hashing'
    );
    const format = optionChoice('format', () =>
      hashSetFormat(typeof values.format === 'string' ? values.format : 'vics'),
    );
    const profile = vicsProfile(values.profile);
    if (values.cases === true) {
      if (format.id !== 'vics')
        throw new VestigeError('E_USAGE', '--cases writes VICS JSON; leave out --format or give --format vics');
      return withCase(values, {}, async (store) => {
        const r = await exportCaseForReview(store, outPath, { profile, includeUncategorised: values.all === true });
        const sha256 = await fileSha256(r.json);
        store.appendEvent({
          operator,
          action: 'hashset.exported',
          subject: `hashset:${basename(r.json)}`,
          details: {
            path: r.json,
            format: 'vics',
            shape: 'cases',
            profile,
            entries: r.entries,
            files: r.files,
            sha256,
          },
        });
        if (out.json)
          out.stdout(
            JSON.stringify({
              path: r.json,
              format: 'vics',
              shape: 'cases',
              profile,
              entries: r.entries,
              files: r.files,
              sha256,
            }),
          );
        else
          out.stdout(
            `case export: ${r.entries} media and ${r.files} files in ${outPath} (${basename(r.json)}, VICS #Cases, ${profile} profile); sha256 ${sha256}`,
          );
        return ExitCode.ok;
      });
    }
    return withCase(values, {}, async (store) => {
      const entries = categorisedEntries(store, { includeUncategorised: values.all === true });
      await writeHashSetFile(outPath, format, entries, { name: store.info.name ?? basename(outPath), profile });
      const sha256 = await fileSha256(outPath);
      store.appendEvent({
        operator,
        action: 'hashset.exported',
        subject: `hashset:${basename(outPath)}`,
        details: { path: outPath, format: format.id, entries: entries.length, sha256 },
      });
      if (out.json) out.stdout(JSON.stringify({ path: outPath, format: format.id, entries: entries.length, sha256 }));
      else out.stdout(`${entries.length} entries written to ${shown(outPath)} (${format.title}); sha256 ${sha256}`);
      return ExitCode.ok;
    });
  },
};

const checkCommand: CliCommand = {
  name: 'hashset check',
  summary: 'Read a hash set and report its format, entry count and any malformed entries',
  usage: `vestige hashset check FILE [--format vics|csv|hashdeep|plain|nsrl-rds2|nsrl-rds3] [--json]

Streams the whole file (any size) and lists each problem with its entry or line number. Exit 0 when
every entry is well-formed, 2 when some were rejected or had a field ignored.`,
  options: { format: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const file = positionals[0];
    if (!file) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const { detectHashSetFormat, hashSetFormat, onlyForeignHashes, readHashSetFile } = await import('@vestige/hashing');
    const format =
      typeof values.format === 'string'
        ? optionChoice('format', () => hashSetFormat(values.format as string))
        : await detectHashSetFormat(file);
    const counts = {
      entries: 0,
      rejected: 0,
      fieldsDropped: 0,
      md5: 0,
      sha1: 0,
      sha256: 0,
      pdq: 0,
      vpdq: 0,
      categorised: 0,
      onlyForeignHashes: 0,
    };
    const problems: unknown[] = [];
    let fatal = false;
    for await (const r of readHashSetFile(file, format)) {
      if (r.kind === 'issue') {
        if (r.outcome === 'rejected') counts.rejected++;
        else counts.fieldsDropped++;
        fatal ||= r.fatal === true;
        if (problems.length < 1000) problems.push(r.error.toJSON());
        if (!out.json) out.stderr(`${r.outcome === 'rejected' ? 'rejected' : 'warning '} ${shown(r.error.message)}`);
        continue;
      }
      counts.entries++;
      for (const k of ['md5', 'sha1', 'sha256', 'pdq', 'vpdq'] as const) if (r.entry[k]) counts[k]++;
      if (onlyForeignHashes(r.entry)) counts.onlyForeignHashes++;
      if (r.entry.vicsCategory !== undefined || r.entry.ukCategory) counts.categorised++;
    }
    const role = format.role ?? 'known-bad';
    if (out.json) out.stdout(JSON.stringify({ file, format: format.id, role, ...counts, fatal, problems }));
    else {
      out.stdout(
        `${shown(file)}: ${format.title}${role === 'known-good' ? ' — a known-good set: hits filter items out, they are not matches' : ''}; ${counts.entries} entries (${counts.md5} MD5, ${counts.sha1} SHA-1, ${counts.sha256} SHA-256, ${counts.pdq} PDQ, ${counts.vpdq} vPDQ; ${counts.categorised} categorised); ${counts.rejected} rejected, ${counts.fieldsDropped} with a field ignored${fatal ? '; reading stopped at a fatal error' : ''}`,
      );
      if (counts.onlyForeignHashes)
        out.stdout(
          `${counts.onlyForeignHashes} entries can only be matched by hashes Vestige does not compute (PhotoDNA or others); they are kept and written back out unchanged`,
        );
    }
    return counts.rejected || counts.fieldsDropped ? ExitCode.partial : ExitCode.ok;
  },
};

const convertCommand: CliCommand = {
  name: 'hashset convert',
  summary: 'Convert a hash set between VICS JSON, CAID CSV, hashdeep and plain text',
  usage: `vestige hashset convert IN OUT --to vics|csv|hashdeep|plain [--profile default|uk] [--from FORMAT] [--json]

Streams IN entry by entry into OUT. Fields the target format cannot hold are left out (e.g. plain text
keeps only one hash and the path); VICS to VICS keeps every member, cases included. --profile uk
writes CAID's UK profile. Malformed entries are reported and skipped (exit 2).`,
  options: { to: { type: 'string' }, from: { type: 'string' }, profile: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const [input, output] = positionals;
    if (!input || !output) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const { detectHashSetFormat, hashSetFormat, readHashSetFile, writeHashSetFile } = await import('@vestige/hashing');
    const to = optionChoice('to', () => hashSetFormat(requireString(values, 'to', 'the output format')));
    const from =
      typeof values.from === 'string'
        ? optionChoice('from', () => hashSetFormat(values.from as string))
        : await detectHashSetFormat(input);
    let problems = 0;
    let written = 0;
    async function* entries(): AsyncGenerator<HashSetEntry> {
      for await (const r of readHashSetFile(input!, from)) {
        if (r.kind === 'entry') {
          written++;
          yield r.entry;
        } else {
          problems++;
          out.stderr(`${r.outcome === 'rejected' ? 'rejected' : 'warning '} ${shown(r.error.message)}`);
        }
      }
    }
    if (input === output) throw new VestigeError('E_USAGE', 'IN and OUT must be different files');
    await writeHashSetFile(output, to, entries(), { profile: vicsProfile(values.profile) });
    if (out.json) out.stdout(JSON.stringify({ input, output, from: from.id, to: to.id, entries: written, problems }));
    else
      out.stdout(
        `${written} entries converted ${from.id} → ${to.id}: ${output}${problems ? `; ${problems} problems` : ''}`,
      );
    return problems ? ExitCode.partial : ExitCode.ok;
  },
};

function vicsProfile(value: unknown): NonNullable<HashSetMeta['profile']> {
  if (value === undefined || value === 'default' || value === 'us') return 'default';
  if (value === 'uk') return 'uk';
  throw new VestigeError('E_USAGE', `--profile must be default or uk, not '${String(value)}'`);
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export const commands = [exportCommand, checkCommand, convertCommand];
