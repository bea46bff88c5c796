/** The `vestige` command as scripts and officers use it: exit codes, --json shapes, plain errors. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, makeTempDir } from '../support.ts';

let dir: string;
let caseDir: string;

function vestige(args: string[], options: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    ...options,
    env: { ...process.env, VESTIGE_OPERATOR: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = makeTempDir('vestige-cli-');
  fs.chmodSync(dir, 0o755);
  caseDir = join(dir, 'case');
  fs.mkdirSync(join(dir, 'seized', 'sub'), { recursive: true });
  fs.writeFileSync(join(dir, 'seized', 'a.txt'), 'alpha');
  fs.writeFileSync(join(dir, 'seized', 'sub', 'a-copy.txt'), 'alpha');
  fs.writeFileSync(join(dir, 'seized', 'empty.txt'), '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vestige CLI', () => {
  it('case init, ingest --json, log --json, verify --json', () => {
    expect(vestige(['case', 'init', caseDir, '--operator', 'PC 1234', '--reference', 'OP-HERON']).code).toBe(0);
    const ingest = vestige(['ingest', join(dir, 'seized'), '--case', caseDir, '--operator', 'PC 1234', '--json']);
    expect(ingest.code).toBe(2); // partial: the empty file was rejected
    const report = JSON.parse(ingest.stdout);
    expect(report).toMatchObject({ filesSeen: 3, itemsAdded: 1, duplicates: 1 });
    expect(report.rejected).toEqual([
      expect.objectContaining({ code: 'E_INPUT_EMPTY', path: join(dir, 'seized', 'empty.txt') }),
    ]);
    expect(report.custodyHead.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ingest.stderr).toContain('E_INPUT_EMPTY');

    const log = vestige(['log', '--case', caseDir, '--json']);
    expect(log.code).toBe(0);
    const events = log.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ seq: 1, action: 'case.created', operator: 'PC 1234' });
    expect(events.map((e: { action: string }) => e.action)).toContain('item.added');
    expect(events.at(-1).hash).toBe(report.custodyHead.hash);

    const verify = vestige([
      'verify',
      '--case',
      caseDir,
      '--json',
      '--expect-head',
      `${report.custodyHead.seq}:${report.custodyHead.hash}`,
    ]);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [], itemsChecked: 1 });
  });

  it('export and verify --bundle', () => {
    const out = join(dir, 'bundle');
    const exp = vestige([
      'export',
      '--case',
      caseDir,
      '--out',
      out,
      '--items',
      'I-000001',
      '--operator',
      'PC 1234',
      '--json',
    ]);
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ items: 1 });
    const check = vestige(['verify', '--bundle', out, '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).ok).toBe(true);
  });

  it('names the file and what to do for a folder that is not a case, without a stack trace', () => {
    const r = vestige(['verify', '--case', join(dir, 'seized')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_NOT_A_CASE');
    expect(r.stderr).toContain(join(dir, 'seized'));
    expect(r.stderr).toContain('what to do');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('requires an operator for changes (a usage error, exit 64)', () => {
    const r = vestige(['ingest', join(dir, 'seized'), '--case', caseDir]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--operator');
  });

  it('reports an unreadable file by name and stores the rest (run as an unprivileged user)', () => {
    const work = join(dir, 'perm');
    fs.mkdirSync(join(work, 'seized'), { recursive: true });
    fs.writeFileSync(join(work, 'seized', 'readable.txt'), 'ok');
    fs.writeFileSync(join(work, 'seized', 'locked.txt'), 'secret');
    fs.chmodSync(join(work, 'seized', 'locked.txt'), 0o000);
    fs.chmodSync(work, 0o777);
    const nobody = { uid: 65534, gid: 65534 };
    expect(vestige(['case', 'init', join(work, 'case'), '--operator', 'PC 5'], nobody).code).toBe(0);
    const r = vestige(
      ['ingest', join(work, 'seized'), '--case', join(work, 'case'), '--operator', 'PC 5', '--json'],
      nobody,
    );
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.itemsAdded).toBe(1);
    expect(report.rejected).toEqual([
      expect.objectContaining({ code: 'E_INPUT_UNREADABLE', path: join(work, 'seized', 'locked.txt') }),
    ]);
  });

  it('refuses a second ingest while another holds the case, and takes over once that process is killed', async () => {
    const { spawn } = await import('node:child_process');
    const lockCase = join(dir, 'lock-case');
    expect(vestige(['case', 'init', lockCase, '--operator', 'PC 1']).code).toBe(0);
    // A long-running ingest, frozen while it holds the lock: the same library call the CLI makes.
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import { CaseStore } from '@vestige/evidence'; const s = CaseStore.open(${JSON.stringify(lockCase)}); s.lock('ingest'); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { cwd: join(cliPath, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) =>
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
    );
    const second = vestige(['ingest', join(dir, 'seized'), '--case', lockCase, '--operator', 'PC 2']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('E_CASE_LOCKED');
    expect(second.stderr).toContain(`process ${holder.pid}`);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    // The lock left by the killed process is stale: the next ingest takes it over.
    expect(vestige(['ingest', join(dir, 'seized'), '--case', lockCase, '--operator', 'PC 2']).code).toBe(2);
  });

  it('unknown commands and options are usage errors', () => {
    expect(vestige(['frobnicate']).code).toBe(64);
    expect(vestige(['verify', '--no-such-option']).code).toBe(64);
  });
});
