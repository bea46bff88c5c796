/** The video commands as officers and scripts use them: exit codes, --json shapes, plain typed errors. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, ingest } from '@vestige/evidence';
import { cliPath, makeTempDir } from '../support.ts';
import { videoSamples } from './samples.ts';

let caseDir: string;
let dir: string;
const ids: Record<string, string> = {};

function vestige(args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VESTIGE_OPERATOR: 'PC 99 Cli' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = makeTempDir('vestige-video-cli-');
  caseDir = join(dir, 'case');
  const s = videoSamples();
  const store = CaseStore.init(caseDir, { operator: 'PC 99 Cli', reference: 'OP/CLI' });
  try {
    const r = await ingest(store, [s.vfr.file, s.truncated, s.audioOnly], { operator: 'PC 99 Cli', workers: 1 });
    ids.vfr = r.files.find((f) => f.path === s.vfr.file)!.itemId;
    ids.truncated = r.files.find((f) => f.path === s.truncated)!.itemId;
    ids.audio = r.files.find((f) => f.path === s.audioOnly)!.itemId;
  } finally {
    store.close();
  }
});

describe('vestige frames / clip / video-time / video-enhance / doctor', () => {
  it('frames --at prints JSON with exact times; a damaged file exits 2 with a warning; audio exits 1 plainly', () => {
    const ok = vestige(['frames', ids.vfr!, '--case', caseDir, '--at', '0.3', '--at', '0.68', '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as { frames: Array<{ index: number; time: string }> };
    expect(report.frames.map((f) => [f.index, f.time])).toEqual([
      [6, '6/25'],
      [14, '17/25'],
    ]);
    const damaged = vestige(['frames', ids.truncated!, '--case', caseDir, '--every', '10']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/WARNING: decoding failed after frame \d+/);
    const audio = vestige(['frames', ids.audio!, '--case', caseDir]);
    expect(audio.code).toBe(1);
    expect(audio.stderr).toMatch(/E_INPUT_UNSUPPORTED: .*audio only/);
    expect(audio.stderr).not.toMatch(/\n\s+at /);
    const usage = vestige(['frames', ids.vfr!, '--case', caseDir, '--every', '5', '--iframes']);
    expect(usage.code).toBe(64); // a usage error, as the README says
    expect(usage.stderr).toMatch(/choose one frame selector/);
  });

  it('video-time records a correction and shows both times; clip burns it in', () => {
    const set = vestige([
      'video-time',
      ids.vfr!,
      '--case',
      caseDir,
      '--recorder-start',
      '2026-03-14T20:59:30',
      '--offset',
      '93.5',
      '--zone',
      'Europe/London',
      '--basis',
      'speaking clock',
      '--at',
      '1.5',
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout).times[0]).toMatchObject({
      recorderTime: '2026-03-14T20:59:31.500',
      correctedLocal: '2026-03-14T21:01:05.000+00:00',
    });
    const clip = vestige(['clip', ids.vfr!, '--case', caseDir, '--time-range', '0.2..0.8', '--json']);
    expect(clip.code).toBe(0);
    expect(JSON.parse(clip.stdout)).toMatchObject({ frames: 13 }); // frames 5–17: 200 … 800 ms
  });

  it('video-enhance runs a recipe file; a bad one is E_RECIPE_INVALID', () => {
    const good = join(dir, 'recipe.json');
    writeFileSync(good, JSON.stringify({ name: 'smooth', steps: [{ op: 'average', params: { frames: 2 } }] }));
    const ok = vestige(['video-enhance', ids.vfr!, '--case', caseDir, '--recipe', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ frames: 60, name: 'vfr_smooth.mkv' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ steps: [{ op: 'teleport' }] }));
    const r = vestige(['video-enhance', ids.vfr!, '--case', caseDir, '--recipe', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_RECIPE_INVALID/);
  });

  it('doctor reports the tools and exits 0 when ready', () => {
    const r = vestige(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; tools: Array<{ tool: string; chosen: { version: string } }> };
    expect(report.ok).toBe(true);
    expect(report.tools.map((t) => t.tool)).toEqual(['ffmpeg', 'ffprobe']);
  });
});
