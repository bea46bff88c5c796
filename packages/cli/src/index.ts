export { main, loadCommands, reportError } from './main.ts';
export { ExitCode, type CliCommand, type CommandOutput, type ExitCodeValue } from './command.ts';
export type { DemoStep, DemoContext } from './demo/step.ts';
export { ingestExtractors } from './metadata-extractors.ts';
