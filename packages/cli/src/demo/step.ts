import type { CommandOutput } from '../command.ts';

export interface DemoContext {
  /** The new case directory the demo works in. */
  readonly caseDir: string;
  /** The repository's `samples/` folder (generated sample data lives under `samples/generated/`). */
  readonly samplesDir: string;
  readonly operator: string;
  readonly out: CommandOutput;
  /** Steps leave results for later steps here (e.g. item ids), keyed by step name. */
  readonly shared: Map<string, unknown>;
  /** Lines for the closing summary. */
  summary(line: string): void;
}

/**
 * One file in `demo/steps/` per capability the demo shows. Steps run in file-name order
 * (`10-ingest.ts`, `20-hashing.ts`, …), so each issue adds its own step without editing others.
 */
export interface DemoStep {
  readonly title: string;
  run(ctx: DemoContext): Promise<void>;
}
