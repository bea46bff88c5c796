import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'vestige.mjs');
const cwd = mkdtempSync(join(tmpdir(), 'vestige-usage-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Commands that need no option at all: run bare, they do their work. */
const NOTHING_REQUIRED = new Set(['demo', 'doctor']);

const packageLoadLog = join(import.meta.dirname, 'package-load-log.mjs');

/** Runs the command; with `loadLog`, the installed packages it resolves are listed in that file. */
function exitOf(args: string[], loadLog?: string): Promise<{ status: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(loadLog ? { VESTIGE_PACKAGE_LOAD_LOG: loadLog } : {}) };
  delete env.VESTIGE_OPERATOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(loadLog ? ['--import', packageLoadLog] : []), bin, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('usage errors exit 64, as the README says', () => {
  it('every command given none of its required options exits 64, says what it needs (the missing option, or the usage) and loads no installed package first', async () => {
    // The compiled catalog lists every command (command-catalog.test.ts holds it equal to the sources).
    expect((await exitOf(['help'])).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'dist', 'commands.json'), 'utf8')) as {
      commands: Array<{ name: string }>;
    };
    const names = manifest.commands.map((e) => e.name).filter((n) => !NOTHING_REQUIRED.has(n));
    expect(names.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    const loaded: string[] = [];
    // Four at a time: each run is a process start.
    for (let i = 0; i < names.length; i += 4) {
      const batch = names.slice(i, i + 4);
      const logs = batch.map((n) => join(cwd, `loaded-${n.replaceAll(' ', '-')}.txt`));
      const results = await Promise.all(batch.map((n, k) => exitOf(n.split(' '), logs[k])));
      results.forEach((r, k) => {
        if (r.status !== 64 || !/E_USAGE|required|vestige /.test(r.stderr))
          wrong.push(`${batch[k]} → ${r.status}: ${r.stderr.split('\n')[0]}`);
        if (existsSync(logs[k]!)) loaded.push(`${batch[k]} loaded ${readFileSync(logs[k]!, 'utf8').split('\n')[0]}`);
      });
    }
    expect(wrong).toEqual([]);
    // Saying what is missing comes before any package loads (sharp, SQLite, zod, BullMQ load with the work).
    expect(loaded).toEqual([]);
  }, 600_000);

  it('ingest into a case without --operator (or VESTIGE_OPERATOR) exits 64 and records nothing', async () => {
    const caseDir = join(cwd, 'case');
    expect((await exitOf(['case', 'init', caseDir, '--operator', 'PC 1'])).status).toBe(0);
    const r = await exitOf(['ingest', bin, '--case', caseDir]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/--operator is required/);
  });
});
