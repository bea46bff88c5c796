import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '@vestige/cli/demo/steps/90-serve.ts';
import { cliPath, makeTempDir } from '../support.ts';
import { makeSceneCase } from '../viewer/scene-fixture.ts';

describe('vestige serve and the demo step', () => {
  let root: string;
  let caseDir: string;
  let caseId: string;
  beforeAll(async () => {
    root = makeTempDir('vestige-serve-cli-');
    caseDir = join(root, 'case');
    caseId = (await makeSceneCase(caseDir, { withMesh: false })).caseId;
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('prints the scene URL with its sign-in token, serves it, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [cliPath, 'serve', '--case', caseDir, '--port', '0', '--read-only', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const info = JSON.parse(line) as {
      url: string;
      token: string;
      readOnly: boolean;
      scenes: { caseId: string; sceneId: string; url: string }[];
    };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.readOnly).toBe(true);
    expect(info.scenes).toEqual([
      {
        caseId,
        caseName: 'Test case',
        sceneId: 'scene-1',
        url: `${info.url}/login?token=${info.token}&next=${encodeURIComponent(`/view?case=${caseId}&scene=scene-1`)}`,
      },
    ]);
    const signIn = await fetch(info.scenes[0]!.url, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const manifest = await fetch(`${info.url}/api/cases/${caseId}/scenes/scene-1`, { headers: { Cookie: cookie } });
    expect(manifest.status).toBe(200);
    expect((await fetch(`${info.url}/api/cases/${caseId}/scenes/scene-1`)).status).toBe(401);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to serve for changes without an operator', async () => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--case', caseDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VESTIGE_OPERATOR: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--operator is required unless --read-only/);
  });

  it('demo step 90 checks the scene through the server, stops it, and ends by printing the scene URL', async () => {
    const lines: string[] = [];
    await step.run({
      caseDir,
      samplesDir: join(root, 'samples'),
      operator: 'Demo Operator',
      out: { json: false, interactive: false, stdout: () => {}, stderr: () => {} },
      shared: new Map<string, unknown>([['scene', { sceneId: 'scene-1' }]]),
      summary: (l) => lines.push(l),
    });
    expect(lines.join('\n')).toMatch(/point tiles hashed against the case/);
    expect(lines[lines.length - 1]).toContain(`http://127.0.0.1:8750/view?case=${caseId}&scene=scene-1`);
    expect(lines.join('\n')).toContain(`vestige serve --case ${caseDir}`);
  });
});
