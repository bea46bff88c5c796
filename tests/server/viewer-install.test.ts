/**
 * The README's install step leaves a servable viewer: in a copy of the repository as a fresh clone has
 * it (no node_modules, no apps/viewer/dist), `pnpm install` builds the viewer, and `vestige serve` then
 * answers the viewer page (it used to answer 503 until someone built the viewer by hand).
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { makeTempDir, repoRoot } from '../support.ts';

const run = promisify(execFile);

/** The pnpm that runs this suite (`pnpm test` names itself in npm_execpath), else the one on PATH. */
function pnpmCommand(): [string, string[]] {
  const execpath = process.env.npm_execpath;
  if (execpath && /pnpm/.test(execpath))
    return execpath.endsWith('.cjs') || execpath.endsWith('.js') ? [process.execPath, [execpath]] : [execpath, []];
  return ['pnpm', []];
}

/** The files a clone would hold: tracked ones and new ones not ignored, as they are in the working tree. */
async function copyAsClone(to: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of new Set(stdout.split('\0').filter((f) => f !== ''))) {
    const from = join(repoRoot, file);
    if (!fs.existsSync(from) || fs.lstatSync(from).isDirectory()) continue;
    fs.mkdirSync(dirname(join(to, file)), { recursive: true });
    fs.copyFileSync(from, join(to, file));
  }
}

describe('install builds the viewer', () => {
  let root: string;
  let clone: string;
  beforeAll(async () => {
    root = makeTempDir('vestige-install-');
    clone = join(root, 'clone');
    await copyAsClone(clone);
  }, 600_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('pnpm install on a fresh copy builds apps/viewer/dist, and vestige serve then answers the viewer page (200, not 503)', async () => {
    expect(fs.existsSync(join(clone, 'apps', 'viewer', 'dist'))).toBe(false);
    const [cmd, pre] = pnpmCommand();
    // Offline: the suite's own install has filled the store; nothing may be fetched from anywhere else.
    await run(cmd, [...pre, 'install', '--offline', '--frozen-lockfile'], {
      cwd: clone,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CI: 'true' },
    });
    expect(fs.existsSync(join(clone, 'apps', 'viewer', 'dist', 'index.html'))).toBe(true);
    expect(fs.readFileSync(join(clone, 'apps', 'viewer', 'dist', '.sources-sha256'), 'utf8')).toMatch(
      /^[0-9a-f]{64}\n$/,
    );

    const caseDir = join(root, 'case');
    CaseStore.init(caseDir, { operator: 'PC 1234 Test', name: 'Install test' }).close();
    const child = spawn(
      process.execPath,
      [
        join(clone, 'packages', 'cli', 'bin', 'vestige.mjs'),
        'serve',
        '--case',
        caseDir,
        '--port',
        '0',
        '--read-only',
        '--json',
      ],
      { cwd: clone, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      // Fresh from the install: serve did not need to build anything.
      expect(stderr).not.toMatch(/viewer built/);
      const page = await fetch(`${(JSON.parse(line) as { url: string }).url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\/index-[^"]+\.js"/);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 600_000);
});
