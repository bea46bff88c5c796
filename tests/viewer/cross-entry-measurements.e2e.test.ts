/**
 * One measurement table through the three entry points a court measurement can come from — the CLI
 * (`vestige scene measure`, a real process), the server (a real HTTP endpoint measuring the points it is
 * sent) and the viewer (the built bundle in Debian Chromium, its measure tool's own code) — on the same
 * levelled and scaled scene that states a measurement uncertainty. Each must give the same values,
 * units, ± and display text, and each export must be the same CSV, byte for byte.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import {
  formatMeasurement,
  multiply,
  normalize,
  rotationBetween,
  scaling,
  type Measurement,
  type MeasurementKind,
  type SceneManifest,
} from '@vestige/scene';
import { startServer, type RunningServer } from '@vestige/server';
import { cliPath, makeTempDir } from '../support.ts';
import { ensureViewerBuilt, launchChromium, type VestigeHook } from './browser.ts';
import { makeSceneCase, ORIGIN } from './scene-fixture.ts';

declare const window: { __vestige?: VestigeHook };
const run = promisify(execFile);

const OPERATOR = 'PC 1234 Test';
const UNCERTAINTY = { relative: 0.002, absoluteMetres: 0.004, basis: 'scale bar check distances, RMS 2.1 mm' };
const p = (x: number, y: number, z: number): [number, number, number] => [ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[2] + z];

/** The table: every kind, a height downwards (negative), text a spreadsheet would take for a formula. */
const TABLE: { id: string; label: string; kind: MeasurementKind; points: [number, number, number][] }[] = [
  { id: 'D-1', label: 'door to table', kind: 'distance', points: [p(2.05, 3.1, 0), p(7.5, 5.25, 1.2)] },
  { id: 'D-2', label: 'table top above floor', kind: 'height', points: [p(7.5, 5.25, 0), p(7.5, 5.25, 1.2)] },
  { id: 'D-3', label: 'window sill to floor, downwards', kind: 'height', points: [p(1, 8, 2.25), p(1, 7.9, 0.003)] },
  {
    id: 'D-4',
    label: '=walk route',
    kind: 'polyline',
    points: [p(0.5, 0.5, 0), p(4, 0.5, 0), p(4, 6, 0), p(6.75, 6.1, 1.2)],
  },
  { id: 'D-5', label: 'corner', kind: 'angle', points: [p(0, 8, 0), p(0, 0, 0), p(10, 0.31, 0)] },
  {
    id: 'D-6',
    label: 'table top, "stained"',
    kind: 'area',
    points: [p(6.75, 4.75, 1.2), p(8.25, 4.75, 1.2), p(8.25, 5.75, 1.2), p(6.75, 5.75, 1.2)],
  },
];

/** A scene levelled (a 2° tilt taken out) and scaled (×1.25), stating its measurement uncertainty. */
async function makeCase(dir: string): Promise<string> {
  const levelled = multiply(scaling(1.25), rotationBetween(normalize([0.0349, 0, 0.9994]), [0, 0, 1]));
  const { caseId } = await makeSceneCase(dir, { withMesh: false, transform: levelled });
  const store = CaseStore.open(dir);
  try {
    const manifest = store.getRecord<SceneManifest>('scenes', 'scene-1')!;
    store.putRecord(
      'scenes',
      'scene-1',
      { ...manifest, measurementUncertainty: UNCERTAINTY },
      OPERATOR,
      'scene.uncertainty.stated',
    );
  } finally {
    store.close();
  }
  return caseId;
}

interface Entry {
  values: { id: string; value: number; unit: string; plusMinus: number | undefined; text: string }[];
  csv: Buffer;
}

const rowOf = (m: Pick<Measurement, 'id' | 'kind' | 'value' | 'unit' | 'uncertainty'>) => ({
  id: m.id,
  value: m.value,
  unit: m.unit,
  plusMinus: m.uncertainty?.plusMinus,
  text: formatMeasurement(m),
});

async function throughCli(dir: string, root: string): Promise<Entry> {
  const values: Entry['values'] = [];
  for (const row of TABLE) {
    const args = [
      cliPath,
      'scene',
      'measure',
      'scene-1',
      '--case',
      dir,
      '--operator',
      OPERATOR,
      '--kind',
      row.kind,
      '--id',
      row.id,
      '--label',
      row.label,
      ...row.points.flatMap((q) => ['--point', q.join(',')]),
    ];
    const { stdout } = await run(process.execPath, [...args, '--json']);
    const out = JSON.parse(stdout) as { measurement: Measurement; text: string };
    expect(out.text).toBe(formatMeasurement(out.measurement));
    values.push(rowOf(out.measurement));
  }
  const file = join(root, 'cli-measurements.csv');
  await run(process.execPath, [
    cliPath,
    'scene',
    'export',
    'scene-1',
    '--case',
    dir,
    '--what',
    'measurements',
    '--format',
    'csv',
    '--out',
    file,
  ]);
  return { values, csv: fs.readFileSync(file) };
}

async function throughServer(server: RunningServer, caseId: string): Promise<Entry> {
  const auth = { Authorization: `Bearer ${server.token}` };
  const values: Entry['values'] = [];
  for (const row of TABLE) {
    // Only the points: the server measures them.
    const body = { id: row.id, label: row.label, kind: row.kind, points: row.points };
    const res = await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1/measurements/${row.id}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    values.push(rowOf(((await res.json()) as { value: Measurement }).value));
  }
  const csv = await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1/reports/measurements.csv`, {
    headers: auth,
  });
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return { values, csv: Buffer.from(await csv.arrayBuffer()) };
}

async function throughViewer(
  chrome: Awaited<ReturnType<typeof launchChromium>>,
  server: RunningServer,
  caseId: string,
): Promise<Entry> {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  try {
    const page = await context.newPage();
    await page.goto(server.sceneUrl(caseId, 'scene-1'));
    await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
    for (const row of TABLE) {
      // The measure tool's own code from the picked points on (source frame), as finishing a pick runs it.
      const made = await page.evaluate(
        ([r]) => window.__vestige!.measure(r.kind, r.points, { id: r.id, label: r.label }),
        [row] as const,
      );
      expect(made, row.id).not.toBeNull();
    }
    const rows = page.locator('#measurements tbody tr');
    await expect.poll(() => rows.count()).toBe(TABLE.length);
    const values: Entry['values'] = [];
    for (let i = 0; i < TABLE.length; i++) {
      const tr = rows.nth(i);
      const plusMinus = await tr.getAttribute('data-plus-minus');
      values.push({
        id: (await tr.getAttribute('data-id'))!,
        value: Number(await tr.getAttribute('data-value')),
        unit: (await tr.getAttribute('data-unit'))!,
        plusMinus: plusMinus ? Number(plusMinus) : undefined,
        text: (await tr.locator('td.num').textContent())!,
      });
    }
    // The Export CSV button, and the file the browser downloads.
    const download = page.waitForEvent('download');
    await page.locator('#export-measurements-csv').click();
    return { values, csv: fs.readFileSync(await (await download).path()) };
  } finally {
    await context.close();
  }
}

describe('one measurement table through the CLI, the server and the viewer', () => {
  let root: string;
  const dirs = { cli: '', server: '', viewer: '' };
  const ids = { cli: '', server: '', viewer: '' };
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-cross-entry-');
    for (const k of ['cli', 'server', 'viewer'] as const) {
      dirs[k] = join(root, k);
      ids[k] = await makeCase(dirs[k]);
    }
    server = await startServer({ cases: [dirs.server, dirs.viewer], operator: OPERATOR, warmUp: false });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives identical values, units, ± and display text, and byte-identical CSV exports', async () => {
    const cli = await throughCli(dirs.cli, root);
    const http = await throughServer(server, ids.server);
    const viewer = await throughViewer(chrome, server, ids.viewer);

    // The convention, once: heights are signed from the first point to the second.
    expect(cli.values.find((v) => v.id === 'D-2')!.value).toBeGreaterThan(0);
    expect(cli.values.find((v) => v.id === 'D-3')!.value).toBeLessThan(0);
    expect(cli.values.find((v) => v.id === 'D-3')!.text).toMatch(/^-\d+\.\d{3} m ± 0\.\d{3} m$/);
    expect(cli.values.find((v) => v.id === 'D-5')!.unit).toBe('°');
    expect(cli.values.every((v) => v.plusMinus !== undefined && v.plusMinus > 0)).toBe(true);
    expect(http.values).toEqual(cli.values);
    expect(viewer.values).toEqual(cli.values);

    const csv = cli.csv.toString('utf8');
    expect(csv).toContain(
      '# uncertainty,"± (0.2 % of the measured length + 4 mm), added linearly; basis: scale bar check distances, RMS 2.1 mm"',
    );
    expect(csv).toContain('# height,"Height: the vertical difference from the first picked point to the second');
    expect(csv).toContain(`\r\nD-4,"'=walk route",polyline,`);
    expect(http.csv.toString('utf8')).toBe(csv);
    expect(viewer.csv.toString('utf8')).toBe(csv);
    expect(http.csv.equals(cli.csv) && viewer.csv.equals(cli.csv)).toBe(true);
  });
});
