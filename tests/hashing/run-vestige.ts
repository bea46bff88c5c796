import { spawnSync } from 'node:child_process';
import { cliPath } from '../support.ts';

/** Runs the CLI as an officer would, with no operator taken from the environment. */
export function vestige(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VESTIGE_OPERATOR: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
