import * as fs from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const benchWorkDir = join(repoRoot, 'bench', 'work');
export const cliPath = join(repoRoot, 'packages', 'cli', 'bin', 'vestige.mjs');

/** Facts about the machine, written into every result so numbers are read in context. */
export function machineInfo() {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
  };
}

export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = join(repoRoot, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  fs.writeFileSync(
    path,
    JSON.stringify(
      { benchmark: name, measuredAt: new Date().toISOString(), machine: machineInfo(), ...result },
      null,
      2,
    ) + '\n',
  );
  return path;
}

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
