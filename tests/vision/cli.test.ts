/** The vision commands as officers and scripts use them: exit codes, --json shapes, every output saying it proposes. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import type { RedactionList } from '@vestige/vision';
import { cliPath, makeTempDir } from '../support.ts';
import { visionFixtures } from './fixtures.ts';

const dir = makeTempDir('vestige-vision-cli-');
const caseDir = join(dir, 'case');
const ids = new Map<string, string>();

function vestige(args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VESTIGE_OPERATOR: 'PC 77 Cli' },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const exhibit = join(dir, 'exhibit');
  fs.mkdirSync(exhibit);
  for (const f of ['astronaut.jpg', 'coffee.jpg', 'grace_hopper.jpg'])
    fs.copyFileSync(join(visionFixtures, f), join(exhibit, f));
  fs.writeFileSync(join(exhibit, 'damaged.jpg'), fs.readFileSync(join(visionFixtures, 'camera.jpg')).subarray(0, 2000));
  const store = CaseStore.init(caseDir, { operator: 'PC 77 Cli' });
  for (const f of (await ingest(store, [exhibit], { operator: 'PC 77 Cli' })).files)
    ids.set(f.path.split('/').pop()!, f.itemId);
  store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vestige triage / similar / redact / faces', () => {
  it('triage scores the images, names the damaged one and exits 2; similar ranks the rest', () => {
    const r = vestige(['triage', '--case', caseDir, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`not scored ${ids.get('damaged.jpg')}: E_INPUT_CORRUPT`));
    const report = JSON.parse(r.stdout) as {
      scored: number;
      order: { notice: string; order: Array<{ itemId: string }> };
    };
    expect(report.scored).toBe(3);
    expect(report.order.notice).toMatch(/^The tool proposes; a person decides\./);
    const text = vestige(['triage', '--case', caseDir]);
    expect(text.stdout).toMatch(/The tool proposes; a person decides/);
    expect(text.stdout).toMatch(/0 scored, 3 already scored/);
    const similar = vestige(['similar', ids.get('astronaut.jpg')!, '--case', caseDir, '--json']);
    expect(similar.code).toBe(0);
    const hits = (JSON.parse(similar.stdout) as { visual: Array<{ itemId: string }> }).visual.map((h) => h.itemId);
    expect(hits.sort()).toEqual([ids.get('coffee.jpg'), ids.get('grace_hopper.jpg')].sort());
  });

  it('redact proposes an editable list and review sheets; the edited list renders a redacted copy', () => {
    const listFile = join(dir, 'list.json');
    const sheets = join(dir, 'sheets');
    const astronaut = ids.get('astronaut.jpg')!;
    const proposed = vestige(['redact', astronaut, '--case', caseDir, '--out', listFile, '--sheets', sheets]);
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toMatch(/1 face tracks proposed over 1 frames/);
    expect(fs.readdirSync(sheets)).toEqual([`${astronaut}_T-001.png`]);
    const list = JSON.parse(fs.readFileSync(listFile, 'utf8')) as RedactionList;
    list.style = { mode: 'pixelate', strength: 16 };
    list.manual = [{ id: 'M-001', frames: [0, 0], box: [280, 340, 60, 40], note: 'name badge' }];
    fs.writeFileSync(listFile, JSON.stringify(list, null, 2));
    const rendered = vestige(['redact', astronaut, '--case', caseDir, '--render', '--list', listFile, '--json']);
    expect(rendered.code).toBe(0);
    expect(JSON.parse(rendered.stdout)).toMatchObject({ name: 'astronaut_redacted.png', frames: 1, boxes: 2 });
    const wrongItem = vestige(['redact', ids.get('coffee.jpg')!, '--case', caseDir, '--render', '--list', listFile]);
    expect(wrongItem.code).toBe(1);
    expect(wrongItem.stderr).toMatch(/was made for .*not /);
    expect(vestige(['redact', '--case', caseDir]).code).toBe(64);
  });

  it('faces --list shows the proposals with the notice; deciding on an unknown group is a plain error', () => {
    const list = vestige(['faces', '--case', caseDir, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/0 face groups\. The tool proposes; a person decides/);
    const unknown = vestige(['faces', '--case', caseDir, '--confirm', 'FG-0042']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no face group FG-0042/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it('doctor prints the backend in use and that every model file matches its manifest', () => {
    const r = vestige(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { vision: { ok: boolean; label: string; models: Array<{ ok: boolean }> } };
    expect(report.vision).toMatchObject({ ok: true, label: 'wasm-simd/tfjs-4.22.0' });
    expect(report.vision.models).toHaveLength(5);
    expect(vestige(['doctor']).stdout).toMatch(/vision {3}backend wasm-simd\/tfjs-4\.22\.0/);
  });
});
