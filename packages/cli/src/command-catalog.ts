import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fullUsage, type CliCommand } from './command.ts';

/** What `vestige help` and `vestige X --help` need of a command, without loading it. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Old names still accepted (not listed by help). */
  readonly aliases?: readonly string[];
  /** The command's file, relative to packages/cli/src (`commands/log.ts`). */
  readonly file: string;
}

/**
 * Where the command line finds its commands. The compiled bundle reads them from dist/commands.json
 * (build.mjs); run from source they are found by importing the files in `commands/`.
 */
export interface CommandCatalog {
  /** Every command, sorted by name (for the help list). */
  all(): Promise<CommandEntry[]>;
  /** The commands the leading words could name; may return more than match. */
  forWords(argv: string[]): Promise<CommandEntry[]>;
  load(entry: CommandEntry): Promise<CliCommand>;
}

const cliSrc = dirname(fileURLToPath(import.meta.url));
const COMMANDS = 'commands';

/** The command files, relative to packages/cli/src. */
export function commandFiles(): string[] {
  return readdirSync(join(cliSrc, COMMANDS))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort()
    .map((f) => `${COMMANDS}/${f}`);
}

/**
 * The words a command file is named by (`commands/scene-build.ts` → `scene build`). A file holds the
 * command its words name, or a group of commands under them (`case.ts` → `case init`, `case info`;
 * `scene-path.ts` → `scene path import`, `scene path list`). The lazy loader relies on this; command-catalog.test.ts
 * holds every file to it.
 */
export function fileWords(file: string): string[] {
  return file.slice(file.lastIndexOf('/') + 1, -'.ts'.length).split('-');
}

export function fileCanHold(file: string, commandName: string): boolean {
  const words = fileWords(file);
  const name = commandName.split(' ');
  // A file names the command's leading words: `scene-path.ts` may hold `scene path import`.
  return words.every((w, i) => name[i] === w);
}

type CommandModule = { command?: CliCommand; commands?: CliCommand[] };

/**
 * Imports a module of the CLI by its source path. The compiled bundle (bin/vestige.mjs) registers where
 * each source's compiled file lies; from source the file itself is imported.
 */
export async function importCliModule<T>(sourceUrl: string): Promise<T> {
  const compiled = (globalThis as { [key: symbol]: ((url: string) => string) | undefined })[
    Symbol.for('vestige.compiledModule')
  ];
  return (await import(compiled ? compiled(sourceUrl) : sourceUrl)) as T;
}

async function commandsIn(file: string): Promise<CliCommand[]> {
  const mod = await importCliModule<CommandModule>(pathToFileURL(join(cliSrc, file)).href);
  return [mod.command, ...(mod.commands ?? [])].filter((c): c is CliCommand => c !== undefined);
}

async function entryOf(command: CliCommand, file: string): Promise<CommandEntry> {
  return {
    name: command.name,
    summary: command.summary,
    usage: await fullUsage(command),
    aliases: command.aliases,
    file,
  };
}

async function entriesIn(files: string[]): Promise<CommandEntry[]> {
  const entries: CommandEntry[] = [];
  for (const file of files) entries.push(...(await Promise.all((await commandsIn(file)).map((c) => entryOf(c, file)))));
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Commands found by importing their files: every package a listed command uses is loaded. */
export const sourceCatalog: CommandCatalog = {
  all: () => entriesIn(commandFiles()),
  async forWords(argv) {
    const words = argv.filter((a) => !a.startsWith('-'));
    const named = commandFiles().filter(
      (file) => fileWords(file).every((w, i) => words[i] === w) || fileWords(file)[0] === words[0],
    );
    // An alias (`video-time`) names no file: then every file is read.
    return entriesIn(named.length > 0 ? named : commandFiles());
  },
  async load(entry) {
    const found = (await commandsIn(entry.file)).find((c) => c.name === entry.name);
    if (!found) throw new Error(`${entry.file} no longer holds the command '${entry.name}'`);
    return found;
  },
};

/** Commands listed in a manifest made when the CLI was compiled; only the one run is imported. */
export function manifestCatalog(entries: CommandEntry[]): CommandCatalog {
  return {
    all: async () => entries,
    forWords: async () => entries,
    load: (entry) => sourceCatalog.load(entry),
  };
}
