import type { ParseArgsConfig } from 'node:util';

/** Exit codes are part of the CLI contract: scripts branch on them. */
export const ExitCode = {
  ok: 0,
  /** Something the user asked for failed entirely (bad arguments, not a case, verification failed). */
  failed: 1,
  /** A batch ran, but some inputs were rejected; every accepted input was kept. */
  partial: 2,
  /** Wrong usage: unknown command or option. */
  usage: 64,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CommandOutput {
  /** True when `--json` was given: write machine-readable JSON to stdout and nothing else there. */
  readonly json: boolean;
  /** True when stderr is a terminal: progress bars are allowed. */
  readonly interactive: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/**
 * One file in `commands/` per `vestige` sub-command (or per group under one word), named after its words:
 * `scene-build.ts` holds `scene build`, `case.ts` holds `case init` and `case info`. The CLI discovers
 * them by listing the folder, so adding a command never touches shared files.
 */
export interface CliCommand {
  /** The sub-command words, e.g. `ingest` or `scene build`. */
  readonly name: string;
  /** Earlier names still accepted, so scripts written against them keep working; help lists only `name`. */
  readonly aliases?: readonly string[];
  readonly summary: string;
  /** Usage text shown by `vestige help NAME`; list every option. */
  readonly usage: string;
  /**
   * The part of the usage that lists what a package holds (image operations, video steps, measurement
   * kinds), appended to `usage`. It imports the package, so it runs only when the bundle is built (the
   * text is kept in dist/commands.json) or when run from source: loading a command never loads it.
   */
  readonly usageDetails?: () => Promise<string>;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly allowPositionals?: boolean;
  run(args: { values: ParsedValues; positionals: string[] }, out: CommandOutput): Promise<ExitCodeValue>;
}

/** The whole usage text of a command, with the details its package lists. */
export async function fullUsage(command: Pick<CliCommand, 'usage' | 'usageDetails'>): Promise<string> {
  return command.usageDetails ? `${command.usage}\n${await command.usageDetails()}` : command.usage;
}
