import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ExitCode, type CliCommand } from '../command.ts';
import { importCliModule } from '../command-catalog.ts';
import type { DemoContext, DemoStep } from '../demo/step.ts';

const here = dirname(fileURLToPath(import.meta.url));
const stepsDir = join(here, '..', 'demo', 'steps');
const repoRoot = resolve(here, '..', '..', '..', '..');

export const command: CliCommand = {
  name: 'demo',
  summary: 'Run the main job on the bundled samples in a new case (embedded defaults: SQLite, local queue)',
  usage: `vestige demo [--case DIR] [--operator NAME] [--json]

Creates a new case (default: ./demo-cases/demo-N), generates the bundled sample exhibits, and runs
every capability on them in order — ingest, hashing and matching, enhancement and report, video frames,
3D scene build — printing what it did. Everything stays on this machine.`,
  options: { case: { type: 'string' }, operator: { type: 'string' } },
  async run({ values }, out) {
    const operator = (values.operator as string | undefined) ?? process.env.VESTIGE_OPERATOR ?? 'Demo Operator';
    const caseDir = typeof values.case === 'string' ? resolve(values.case) : nextDemoDir();
    const { CaseStore } = await import('@vestige/evidence');
    const store = CaseStore.init(caseDir, { operator, name: 'Vestige demo', reference: 'DEMO/0001' });
    store.close();
    const lines: string[] = [];
    const ctx: DemoContext = {
      caseDir,
      samplesDir: join(repoRoot, 'samples'),
      operator,
      out,
      shared: new Map(),
      summary: (line) => {
        lines.push(line);
        if (!out.json) out.stdout(`  ${line}`);
      },
    };
    if (!out.json) out.stdout(`Vestige demo — case ${caseDir} (reference DEMO/0001, operator ${operator})`);
    const steps = await loadSteps();
    const results: Array<{ title: string; ok: boolean; error?: string }> = [];
    for (const step of steps) {
      if (!out.json) out.stdout(`\n== ${step.title}`);
      try {
        await step.run(ctx);
        results.push({ title: step.title, ok: true });
      } catch (err) {
        const message = (err as Error).message;
        results.push({ title: step.title, ok: false, error: message });
        out.stderr(`demo step "${step.title}" failed: ${message}`);
      }
    }
    const failed = results.filter((r) => !r.ok).length;
    if (out.json) out.stdout(JSON.stringify({ caseDir, steps: results, summary: lines }));
    else
      out.stdout(
        `\nDemo finished: ${results.length - failed}/${results.length} steps succeeded. Case: ${caseDir}\nTry: vestige log --case ${caseDir}   |   vestige verify --case ${caseDir}`,
      );
    return failed === 0 ? ExitCode.ok : ExitCode.failed;
  },
};

async function loadSteps(): Promise<DemoStep[]> {
  const files = fs
    .readdirSync(stepsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const steps: DemoStep[] = [];
  for (const f of files) {
    const mod = await importCliModule<{ step?: DemoStep }>(pathToFileURL(join(stepsDir, f)).href);
    if (mod.step) steps.push(mod.step);
  }
  return steps;
}

function nextDemoDir(): string {
  const base = resolve('demo-cases');
  for (let n = 1; ; n++) {
    const dir = join(base, `demo-${n}`);
    if (!fs.existsSync(dir)) return dir;
  }
}
