import { parseArgs } from 'node:util';
import { VestigeError } from '@vestige/evidence/errors';
import { sourceCatalog, type CommandCatalog, type CommandEntry } from './command-catalog.ts';
import { ExitCode, type CliCommand, type CommandOutput, type ExitCodeValue } from './command.ts';
import { shown, terminalSafe } from './terminal-text.ts';

export { manifestCatalog } from './command-catalog.ts';

/** An error message may list lines of its own (indented); anything else in it is shown escaped. */
function shownMessage(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  return shown(first) + rest.map((line) => (line.startsWith('  ') ? `\n${shown(line)}` : shown(`\n${line}`))).join('');
}

/** Every command (for help and tests). Importing them all loads every package: only do it when needed. */
export async function loadCommands(): Promise<CliCommand[]> {
  const entries = await sourceCatalog.all();
  return Promise.all(entries.map((e) => sourceCatalog.load(e)));
}

function makeOutput(json: boolean): CommandOutput {
  // Human output never passes a terminal escape through, whatever a command interpolates (terminal-text.ts).
  const human = (text: string) => terminalSafe(text.endsWith('\n') ? text : text + '\n');
  return {
    json,
    interactive: Boolean(process.stderr.isTTY) && !json,
    stdout: (text) => process.stdout.write(json ? (text.endsWith('\n') ? text : text + '\n') : human(text)),
    stderr: (text) => process.stderr.write(human(text)),
  };
}

function helpText(commands: CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'vestige — forensic imaging and 3D reconstruction toolkit',
    '',
    'Usage: vestige COMMAND [options]     (vestige help COMMAND for details)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 failed, 2 partial (some inputs rejected, the rest kept), 64 usage error.',
  ].join('\n');
}

/** Picks the longest command name (or old alias) that matches the leading words, so `scene build` beats `scene`. */
function matchCommand(commands: CommandEntry[], argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[]; length: number } | undefined;
  for (const entry of commands) {
    for (const name of [entry.name, ...(entry.aliases ?? [])]) {
      const words = name.split(' ');
      if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.length))
        best = { entry, rest: argv.slice(words.length), length: words.length };
    }
  }
  return best && { entry: best.entry, rest: best.rest };
}

/**
 * Runs one command line. Help and `X --help` read only the catalog's entries; running a command loads
 * its file alone, so `vestige ingest` never loads three.js, sharp or BullMQ.
 */
export async function main(argv: string[], catalog: CommandCatalog = sourceCatalog): Promise<ExitCodeValue> {
  const json = argv.includes('--json');
  const out = makeOutput(json);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    out.stdout(helpText(await catalog.all()));
    return ExitCode.ok;
  }
  if (argv[0] === 'help') {
    const found = argv.length > 1 ? matchCommand(await catalog.forWords(argv.slice(1)), argv.slice(1)) : undefined;
    out.stdout(found ? found.entry.usage : helpText(await catalog.all()));
    return found || argv.length === 1 ? ExitCode.ok : ExitCode.usage;
  }
  const found = matchCommand(await catalog.forWords(argv), argv);
  if (!found) {
    out.stderr(`vestige: unknown command '${argv.join(' ')}'. Run 'vestige help' for the list.`);
    return ExitCode.usage;
  }
  const { entry, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout(entry.usage);
    return ExitCode.ok;
  }
  const command = await catalog.load(entry);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, ...command.options },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    out.stderr(`vestige ${command.name}: ${(err as Error).message}\n\n${entry.usage}`);
    return ExitCode.usage;
  }
  try {
    return await command.run({ values: parsed.values as never, positionals: parsed.positionals }, out);
  } catch (err) {
    return reportError(err, command.name, out);
  }
}

/** Bad input is reported in plain words with its code; only genuine bugs show a stack trace. */
export function reportError(err: unknown, commandName: string, out: CommandOutput): ExitCodeValue {
  if (err instanceof VestigeError) {
    if (out.json) out.stdout(JSON.stringify({ error: err.toJSON() }));
    out.stderr(
      `vestige ${commandName}: ${err.code}: ${shownMessage(err.message)}${err.file ? `\n  file: ${shown(err.file)}` : ''}${err.hint ? `\n  what to do: ${err.hint}` : ''}`,
    );
    // A usage error is the command line's fault, as the README's exit codes say.
    return err.code === 'E_USAGE' ? ExitCode.usage : ExitCode.failed;
  }
  out.stderr(
    `vestige ${commandName}: internal error — please report this with the case log.\n${(err as Error)?.stack ?? String(err)}`,
  );
  return ExitCode.failed;
}
