import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { VestigeError } from '@vestige/evidence';
import { ExitCode, type CliCommand, type CommandOutput, type ExitCodeValue } from './command.ts';
import { shown, terminalSafe } from './terminal-text.ts';

/** An error message may list lines of its own (indented); anything else in it is shown escaped. */
function shownMessage(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  return shown(first) + rest.map((line) => (line.startsWith('  ') ? `\n${shown(line)}` : shown(`\n${line}`))).join('');
}

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandFiles(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
}

async function importCommands(files: string[]): Promise<CliCommand[]> {
  const commands: CliCommand[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as { command?: CliCommand; commands?: CliCommand[] };
    if (mod.command) commands.push(mod.command);
    if (mod.commands) commands.push(...mod.commands);
  }
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every command (for help and tests). Importing them all loads every package: only do it when needed. */
export async function loadCommands(): Promise<CliCommand[]> {
  return importCommands(commandFiles());
}

/**
 * The commands a command line can mean, importing only their files: a file is named after its command
 * words (`scene-build.ts` → `scene build`, `case.ts` → `case …`). Start-up stays fast because
 * `vestige ingest` never loads three.js, sharp or BullMQ. Falls back to every file when no name fits.
 */
async function loadCommandsFor(argv: string[]): Promise<CliCommand[]> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const candidates = commandFiles().filter((file) => {
    const fileWords = file.slice(0, -3).split('-');
    return fileWords.every((w, i) => words[i] === w) || fileWords[0] === words[0];
  });
  const commands = candidates.length > 0 ? await importCommands(candidates) : [];
  return matchCommand(commands, argv) ? commands : loadCommands();
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

function helpText(commands: CliCommand[]): string {
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

/** Picks the longest command name that matches the leading words, so `scene build` beats `scene`. */
function matchCommand(commands: CliCommand[], argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: { command: CliCommand; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<ExitCodeValue> {
  const wantsList = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
  const commands = wantsList ? await loadCommands() : await loadCommandsFor(argv);
  const json = argv.includes('--json');
  const out = makeOutput(json);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    out.stdout(helpText(commands));
    return ExitCode.ok;
  }
  if (argv[0] === 'help') {
    const found = matchCommand(commands, argv.slice(1));
    out.stdout(found ? found.command.usage : helpText(commands));
    return found || argv.length === 1 ? ExitCode.ok : ExitCode.usage;
  }
  const found = matchCommand(commands, argv);
  if (!found) {
    out.stderr(`vestige: unknown command '${argv.join(' ')}'. Run 'vestige help' for the list.`);
    return ExitCode.usage;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout(command.usage);
    return ExitCode.ok;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, ...command.options },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    out.stderr(`vestige ${command.name}: ${(err as Error).message}\n\n${command.usage}`);
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
    out.stderr(`vestige ${commandName}: ${err.code}: ${shownMessage(err.message)}${err.file ? `\n  file: ${shown(err.file)}` : ''}${err.hint ? `\n  what to do: ${err.hint}` : ''}`);
    // A usage error is the command line's fault, as the README's exit codes say.
    return err.code === 'E_USAGE' ? ExitCode.usage : ExitCode.failed;
  }
  out.stderr(`vestige ${commandName}: internal error — please report this with the case log.\n${(err as Error)?.stack ?? String(err)}`);
  return ExitCode.failed;
}
