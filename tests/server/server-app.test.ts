import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support.ts';
import { makeSceneCase } from '../viewer/scene-fixture.ts';

const serverApp = fileURLToPath(new URL('../../apps/server/bin/vestige-server.mjs', import.meta.url));

function startApp(env: Record<string, string>) {
  const child = spawn(process.execPath, [serverApp], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VESTIGE_OPERATOR: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Waits for the line the program prints once it listens (an event, not a sleep).
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`vestige-server exited ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // a program refused at start never listens; the test then awaits `exited`
  return { child, exited, listening, stderr: () => stderr };
}

describe('apps/server: the viewer server as a program of its own', () => {
  let root: string;
  let caseDir: string;
  let caseId: string;
  beforeAll(async () => {
    root = makeTempDir('vestige-server-app-');
    caseDir = join(root, 'case');
    caseId = (await makeSceneCase(caseDir, { withMesh: false })).caseId;
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves the case named by its environment, signs in with the printed token, and stops cleanly on SIGTERM', async () => {
    const app = startApp({ VESTIGE_CASES: caseDir, VESTIGE_PORT: '0', VESTIGE_READ_ONLY: '1' });
    const info = JSON.parse(await app.listening) as { url: string; token: string; readOnly: boolean };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.readOnly).toBe(true);
    const signIn = await fetch(`${info.url}/login?token=${info.token}`, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(
      (await fetch(`${info.url}/api/cases/${caseId}/scenes/scene-1`, { headers: { Cookie: cookie } })).status,
    ).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('refuses to start without cases, or for changes without an operator, with usage exit 64 naming the variable', async () => {
    const none = startApp({ VESTIGE_CASES: '' });
    expect(await none.exited).toBe(64);
    expect(none.stderr()).toMatch(/VESTIGE_CASES is not set/);
    const noOperator = startApp({ VESTIGE_CASES: caseDir, VESTIGE_PORT: '0' });
    expect(await noOperator.exited).toBe(64);
    expect(noOperator.stderr()).toMatch(/VESTIGE_OPERATOR is required/);
  });
});
