import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, isVestigeError, type VestigeError } from '@vestige/evidence';
import { enhanceItems, loadRecipeFile, validateItem } from '@vestige/imaging';
import { generateImagingSample, type ImagingSample } from '@vestige/samples/imaging/generate.ts';
import { cliPath, makeTempDir } from '../support.ts';

const env = { ...process.env, VESTIGE_OPERATOR: 'PC 4711 Test' };
function vestige(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Everything that could change in a case: blob files, database rows (via the CLI), custody head. */
function snapshot(caseDir: string) {
  const blobs: string[] = [];
  const walk = (d: string) => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = join(d, n);
      if (fs.statSync(p).isDirectory()) walk(p);
      else blobs.push(p);
    }
  };
  walk(join(caseDir, 'blobs'));
  const store = CaseStore.open(caseDir, { readOnly: true });
  try {
    return {
      blobs,
      items: store.items(),
      events: [...store.custody.events()].length,
      provenance: store.provenanceRecords().length,
      head: fs.readFileSync(join(caseDir, 'custody.head'), 'utf8'),
    };
  } finally {
    store.close();
  }
}

let sample: ImagingSample;
let caseDir: string;
let ids: Record<string, string>;

beforeAll(async () => {
  const root = makeTempDir('vestige-imaging-cli-');
  sample = await generateImagingSample(join(root, 'sample'));
  // Bad files an officer may meet, ingested as items like any other.
  const bad = join(root, 'bad');
  fs.mkdirSync(bad);
  const still = fs.readFileSync(sample.image);
  fs.writeFileSync(join(bad, 'truncated.jpg'), still.subarray(0, Math.floor(still.length / 2)));
  fs.writeFileSync(join(bad, 'statement.txt'), 'not an image\n');
  caseDir = join(root, 'case');
  expect(vestige('case', 'init', caseDir).code).toBe(0);
  const report = json<{ files: Array<{ path: string; itemId: string }> }>(
    vestige('ingest', sample.image, ...sample.frames, bad, '--case', caseDir, '--json'),
  );
  ids = Object.fromEntries(report.files.map((f) => [f.path.split('/').pop()!, f.itemId]));
});

describe('vestige enhance / validate', () => {
  it('enhances an item into derived items with provenance, repeatably, and validates them', () => {
    const first = json<{
      provenanceId: string;
      items: Array<{ id: string; sha256: string; name: string }>;
      limits: string[];
    }>(vestige('enhance', ids['cctv-still.jpg']!, '--recipe', sample.recipe, '--case', caseDir, '--json'));
    expect(first.items).toHaveLength(2);
    expect(first.items[1]!.name).toMatch(/annotated/);
    expect(first.limits.join(' ')).toMatch(/IJG quality 70/);
    expect(first.limits.join(' ')).toMatch(/rectified rectangle/);
    // Same original + recipe + versions ⇒ the same bytes ⇒ the same items.
    const again = json<typeof first>(
      vestige('enhance', ids['cctv-still.jpg']!, '--recipe', sample.recipe, '--case', caseDir, '--json'),
    );
    expect(again.items.map((i) => i.sha256)).toEqual(first.items.map((i) => i.sha256));
    expect(again.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    const v = json<{ ok: boolean; outputs: Array<{ match: boolean }>; sameLibraries: boolean }>(
      vestige('validate', '--case', caseDir, '--item', first.items[0]!.id, '--json'),
    );
    expect(v.ok).toBe(true);
    expect(v.outputs.every((o) => o.match)).toBe(true);
    expect(v.sameLibraries).toBe(true);
    const text = vestige('validate', '--case', caseDir, '--item', first.items[0]!.id);
    expect(text.stdout).toMatch(/VALIDATED/);
    // Provenance: every step with parameters and reference, input hash, platform and library versions.
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const p = store.provenance(first.provenanceId);
      expect(p.activity).toBe('imaging.enhance');
      expect(p.inputs[0]!.itemId).toBe(ids['cctv-still.jpg']);
      expect(p.steps.map((s) => s.operation)).toEqual([
        'imaging.white-balance',
        'imaging.levels',
        'imaging.perspective',
        'imaging.clahe',
        'imaging.unsharp',
        'imaging.annotate',
      ]);
      expect(p.steps.every((s) => s.description && s.reference && s.version)).toBe(true);
      expect(p.software).toMatchObject({ platform: process.platform, arch: process.arch });
      expect(Object.keys(p.software.libraries)).toEqual(expect.arrayContaining(['sharp', 'libvips']));
      expect(store.item(first.items[0]!.id).metadata).toMatchObject({ pxPerMm: 0.8, bitDepth: 8 });
    } finally {
      store.close();
    }
  });

  it('runs the authentication checks through the CLI (read-only for the original)', async () => {
    const still = ids['cctv-still.jpg']!;
    const f = json<{
      itemId: string;
      quantisation: { estimatedQuality: number; exactIjgMatch: boolean };
      ela: { itemId: string };
      noise: { itemId: string };
      metadata: { checks: Array<{ check: string }> };
    }>(vestige('authenticate', '--case', caseDir, '--item', still, '--json'));
    expect(f.itemId).toBe(still);
    expect(f.quantisation).toMatchObject({ estimatedQuality: 70, exactIjgMatch: true });
    expect(f.ela.itemId).not.toBe(f.noise.itemId);
    expect(f.metadata.checks.map((c) => c.check)).toContain('metadata present');
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      expect(await store.blobs.verify(store.item(still).sha256)).toBe(true);
      expect(store.annotations(still)['imaging.authentication']).toMatchObject({ itemId: still });
      expect(store.item(f.ela.itemId).mediaType).toBe('image/png');
    } finally {
      store.close();
    }
  });

  it('integrates several frames with registration', async () => {
    const r = json<{ items: Array<{ id: string }>; steps: Array<{ notes: string[] }> }>(
      vestige(
        'enhance',
        ...sample.frames.map((f) => ids[f.split('/').pop()!]!),
        '--recipe',
        sample.frameRecipe,
        '--case',
        caseDir,
        '--json',
      ),
    );
    expect(r.items).toHaveLength(1);
    expect(r.steps[0]!.notes[0]).toBe('8 frames combined');
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      expect((await validateItem(store, r.items[0]!.id)).ok).toBe(true);
      expect(store.provenance(store.item(r.items[0]!.id).provenanceId!).inputs.map((i) => i.role)).toEqual([
        'source',
        'frame-2',
        'frame-3',
        'frame-4',
        'frame-5',
        'frame-6',
        'frame-7',
        'frame-8',
      ]);
    } finally {
      store.close();
    }
  });

  it('rejects bad input with typed errors and leaves the case unchanged', async () => {
    const before = snapshot(caseDir);
    const dir = makeTempDir('vestige-recipes-');
    const write = (name: string, value: unknown) => {
      const p = join(dir, name);
      fs.writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
      return p;
    };
    const still = ids['cctv-still.jpg']!;
    const cases: Array<{ items: string[]; recipe: string; pixelLimit?: number; code: string; match: RegExp }> = [
      {
        items: [still],
        recipe: write('range.json', { steps: [{ op: 'levels', params: { gamma: 99 } }] }),
        code: 'E_RECIPE_INVALID',
        match: /step 1 \(levels\): gamma/,
      },
      {
        items: [still],
        recipe: write('syntax.json', '{ "steps": [ '),
        code: 'E_RECIPE_INVALID',
        match: /not valid JSON/,
      },
      {
        items: [still],
        recipe: write('crop.json', { steps: [{ op: 'crop', params: { left: 700, top: 0, width: 200, height: 10 } }] }),
        code: 'E_PARAM_INVALID',
        match: /step 1 \(crop\)/,
      },
      { items: [ids['statement.txt']!], recipe: sample.recipe, code: 'E_INPUT_UNSUPPORTED', match: /not an image/ },
      { items: [still], recipe: sample.recipe, pixelLimit: 10_000, code: 'E_INPUT_TOO_LARGE', match: /over the limit/ },
      { items: ['I-999999'], recipe: sample.recipe, code: 'E_ITEM_NOT_FOUND', match: /I-999999/ },
      { items: [still, still], recipe: sample.recipe, code: 'E_RECIPE_INVALID', match: /frame-average/ },
    ];
    // In-process through the same functions the command calls (each CLI start costs seconds on 2 cores).
    for (const c of cases) {
      const store = CaseStore.open(caseDir);
      try {
        const err = await (async () =>
          enhanceItems(store, c.items, loadRecipeFile(c.recipe), {
            operator: 'PC 4711 Test',
            ...(c.pixelLimit ? { pixelLimit: c.pixelLimit } : {}),
          }))().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isVestigeError(err), String(err)).toBe(true);
        expect((err as VestigeError).code).toBe(c.code);
        expect((err as VestigeError).message).toMatch(c.match);
      } finally {
        store.close();
      }
    }
    // And through the CLI: exit code 1, the code and message on stderr, no stack trace.
    for (const [args, code, match] of [
      [
        [still, '--recipe', write('unknown.json', { steps: [{ op: 'levels' }, { op: 'magic-zoom' }] })],
        'E_RECIPE_INVALID',
        /step 2: unknown operation "magic-zoom"/,
      ],
      [[ids['truncated.jpg']!, '--recipe', sample.recipe], 'E_INPUT_CORRUPT', /truncated/],
    ] as const) {
      const r = vestige('enhance', ...args, '--case', caseDir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(code);
      expect(r.stderr).toMatch(match);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(snapshot(caseDir)).toEqual(before);
  });
});
