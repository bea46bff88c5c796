import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandFiles, fileCanHold, sourceCatalog } from './command-catalog.ts';

const cliDir = join(import.meta.dirname, '..');
const bin = join(cliDir, 'bin', 'vestige.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('the command catalog', () => {
  it("every command is named after its file: the file names the command's leading words", async () => {
    const entries = await sourceCatalog.all();
    expect(entries.length).toBeGreaterThan(30);
    const misnamed = entries.filter((e) => !fileCanHold(e.file, e.name)).map((e) => `${e.file} holds '${e.name}'`);
    expect(misnamed).toEqual([]);
    const files = new Set(entries.map((e) => e.file));
    expect(commandFiles().filter((f) => !files.has(f))).toEqual([]);
  });

  it('no name or old alias is used twice, and names are words separated by single spaces', async () => {
    const names = (await sourceCatalog.all()).flatMap((e) => [e.name, ...(e.aliases ?? [])]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$/);
  });

  it('the compiled command lists exactly the commands of the sources, with the same usage', async () => {
    const entries = await sourceCatalog.all();
    const help = run('help');
    expect(help.status).toBe(0);
    for (const e of entries) expect(help.stdout).toContain(`  ${e.name} `);
    const one = entries.find((e) => e.name === 'scene build')!;
    const usage = run('scene', 'build', '--help');
    expect(usage.status).toBe(0);
    expect(usage.stdout.trim()).toBe(one.usage.trim());
  });

  it('an old hyphenated name still runs its command (video-time is video time)', () => {
    const r = run('video-time', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^vestige video time ITEM/);
    expect(run('help').stdout).not.toContain('video-time');
  });

  it('loading the command line or any command imports no installed package: heavy libraries load inside run (pnpm bench cli)', () => {
    expect(run('help').status).toBe(0); // rebuilds the bundle when a source changed
    const manifest = JSON.parse(readFileSync(join(cliDir, 'dist', 'commands.json'), 'utf8')) as {
      startUpPackages: Record<string, string[]>;
    };
    const files = Object.keys(manifest.startUpPackages).filter((f) => f === 'main.ts' || f.startsWith('commands/'));
    expect(files).toEqual(expect.arrayContaining(['main.ts', ...commandFiles()]));
    const loaded = files
      .filter((f) => manifest.startUpPackages[f]!.length > 0)
      .map((f) => `${f} imports ${manifest.startUpPackages[f]!.join(', ')}`);
    expect(loaded).toEqual([]);
    // The check sees packages where they are imported: a demo step does its work on import.
    expect(manifest.startUpPackages['demo/steps/10-ingest.ts']).toContain('better-sqlite3');
  });

  it('an unknown command or option is a usage error (64)', () => {
    expect(run('no-such-command').status).toBe(64);
    expect(run('log', '--no-such-option').status).toBe(64);
  });
});
