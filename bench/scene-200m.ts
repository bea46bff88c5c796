/**
 * `pnpm bench scene-200m`: scale without a cliff. Vestige's octree build and PotreeConverter 2.1 on the
 * seeded room scan (the `pnpm bench scene` input, LAS 1.2 format 2) at 10 M, 50 M and 200 M points, LAS
 * and its LAZ (LASzip's las2laz): throughput and peak memory of both tools at each size, so the peaks
 * show whether any step's memory grows with the input (Vestige's target: under 2 GiB at 200 M).
 *
 * Each run is one process with the page cache warmed first (the 200 M LAS is 5.2 GB; 24 GiB of RAM hold
 * it). Peak memory: the process's own high-water mark and the summed resident set of its whole process
 * tree sampled every 200 ms; Vestige's per phase too. One run per tool and size (a 200 M build takes
 * one to three minutes on two quiet cores, far longer on busy ones): the ratios at 10 M are best-of-3 in
 * scene.json.
 *
 * Options: --runs LIST: comma-separated TOOL-INPUT@POINTS in the order to run, TOOL `vestige` or `potree`
 * (PotreeConverter -m random), INPUT `las` or `laz`, POINTS with an optional M suffix (default below);
 * --keep: keep each Vestige LAS octree in bench/work/octree-POINTS (for the first-frame check,
 * bench/scene/first-frame.ts); --part NAME: this process's share of the runs (default `all`). Results
 * are written after every run, so a stopped bench keeps what ran: each process keeps its runs in
 * bench/work/scene-200m-part-NAME.json and writes bench/results/scene-200m.json from every part there, so
 * the two tools can run side by side (on a shared machine both then see the same load for the same
 * time; each run records the load average and the parts that ran beside it).
 */
import * as fs from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchWorkDir, writeResult } from './support.ts';
import { POTREE_CONVERTER_TAG, preparePeerTools } from './scene/potree-converter.ts';
import { ensureLas, ensureLaz, mib, runPotree, runVestige, warm, type Run } from './scene/runs.ts';

const DEFAULT_RUNS =
  'vestige-las@10M,vestige-las@200M,potree-las@200M,vestige-las@50M,potree-las@10M,vestige-laz@10M,potree-laz@10M,vestige-laz@200M,potree-laz@200M';
const TARGET_PEAK = 2 * 2 ** 30;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: DEFAULT_RUNS },
    keep: { type: 'boolean', default: false },
    part: { type: 'string', default: 'all' },
  },
});
const plan = values.runs.split(',').map((spec) => {
  const m = /^(vestige|potree)-(las|laz)@(\d+)(M?)$/.exec(spec.trim());
  if (!m) throw new Error(`--runs: "${spec}" is not TOOL-INPUT@POINTS (e.g. vestige-las@200M)`);
  return { tool: m[1] as 'vestige' | 'potree', input: m[2] as 'las' | 'laz', points: Number(m[3]) * (m[4] ? 1e6 : 1) };
});

fs.mkdirSync(benchWorkDir, { recursive: true });
const tools = preparePeerTools();
for (const p of tools.problems) console.error(`peer: ${p}`);

type Recorded = Run & { startedAt: string; finishedAt: string; loadAverage: number[]; part: string };
interface Part {
  plan: string;
  runs: Recorded[];
  skipped: string[];
  inputs: Record<string, { file: string; points: number; bytes: number; format: string }>;
  loadAverage: { before: number[]; after?: number[] };
}
const mine: Part = {
  plan: values.runs,
  runs: [],
  skipped: [],
  inputs: {},
  loadAverage: { before: loadavg().map((v) => +v.toFixed(2)) },
};
const partPath = (name: string): string => join(benchWorkDir, `scene-200m-part-${name}.json`);
let runs: Recorded[] = [];

function summary(): Record<string, unknown> {
  const vestige = runs.filter((r) => r.tool === 'vestige-grid');
  const at = (tool: string, input: string, points: number) =>
    runs.find((r) => r.tool === tool && r.input === input && r.points === points);
  const sizes = [...new Set(runs.map((r) => r.points))].sort((a, b) => a - b);
  return {
    bySize: sizes.map((points) => {
      const row = (tool: string, input: string) => {
        const r = at(tool, input, points);
        return r
          ? {
              pointsPerSecond: r.pointsPerSecond,
              seconds: +r.seconds.toFixed(1),
              peakRssMiB: r.peakRssBytes === null ? null : Math.round(r.peakRssBytes / 2 ** 20),
              treePeakRssMiB: Math.round(r.treePeakRssBytes / 2 ** 20),
            }
          : null;
      };
      const v = at('vestige-grid', 'las', points);
      const p = at('potree-random', 'las', points);
      const vz = at('vestige-grid', 'laz', points);
      const pz = at('potree-random', 'laz', points);
      return {
        points,
        vestigeLas: row('vestige-grid', 'las'),
        potreeRandomLas: row('potree-random', 'las'),
        vestigeLaz: row('vestige-grid', 'laz'),
        potreeRandomLaz: row('potree-random', 'laz'),
        vestigeVsPotreeLas: v && p ? +(v.pointsPerSecond / p.pointsPerSecond).toFixed(3) : null,
        vestigeVsPotreeLaz: vz && pz ? +(vz.pointsPerSecond / pz.pointsPerSecond).toFixed(3) : null,
        vestigeLazVsLas: v && vz ? +(vz.pointsPerSecond / v.pointsPerSecond).toFixed(3) : null,
      };
    }),
    vestigePeakRssMiB: vestige.length
      ? Math.round(Math.max(...vestige.map((r) => Math.max(r.peakRssBytes ?? 0, r.treePeakRssBytes))) / 2 ** 20)
      : null,
    pass: {
      vestigePeakUnder2GiB: vestige.length
        ? vestige.every((r) => Math.max(r.peakRssBytes ?? 0, r.treePeakRssBytes) < TARGET_PEAK)
        : null,
      built200M: runs.some((r) => r.tool === 'vestige-grid' && r.points >= 200e6),
    },
  };
}

function save(): string {
  mine.loadAverage.after = loadavg().map((v) => +v.toFixed(2));
  fs.writeFileSync(partPath(values.part), JSON.stringify(mine));
  const parts = Object.fromEntries(
    fs
      .readdirSync(benchWorkDir)
      .filter((f) => /^scene-200m-part-.+\.json$/.test(f))
      .map((f) => [
        f.slice('scene-200m-part-'.length, -'.json'.length),
        JSON.parse(fs.readFileSync(join(benchWorkDir, f), 'utf8')) as Part,
      ]),
  );
  runs = Object.values(parts)
    .flatMap((p) => p.runs)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  // Which runs overlapped in time (side by side on the same two cores).
  const beside = (r: Recorded): string[] =>
    runs
      .filter((o) => o !== r && o.startedAt < r.finishedAt && r.startedAt < o.finishedAt)
      .map((o) => `${o.tool}-${o.input}@${o.points}`);
  return writeResult('scene-200m', {
    description: `Octree builds of the seeded room scan (LAS 1.2 format 2, and its LAZ by LASzip) at several sizes, one process per run, page cache warm, one run per tool and size on 2 shared cores: Vestige grid build vs PotreeConverter ${POTREE_CONVERTER_TAG} -m random; peak memory as the process's high-water mark and as the summed resident set of its process tree (sampled every 200 ms), Vestige's also per phase`,
    input: Object.assign({}, ...Object.values(parts).map((p) => p.inputs)),
    peer: {
      name: `PotreeConverter ${POTREE_CONVERTER_TAG}`,
      source: tools.source,
      binary: tools.potreeConverter ?? null,
      problems: tools.problems,
    },
    target: { vestigePeakRssBytes: TARGET_PEAK },
    ...summary(),
    parts: Object.fromEntries(
      Object.entries(parts).map(([name, p]) => [
        name,
        { plan: p.plan, skipped: p.skipped, loadAverage: p.loadAverage },
      ]),
    ),
    runs: runs.map((r) => ({ ...r, ranBeside: beside(r) })),
  });
}

for (const step of plan) {
  const las = ensureLas(step.points);
  const path = step.input === 'las' ? las : ensureLaz(las, tools.las2laz);
  const label = `${step.tool}-${step.input}@${step.points}`;
  if (!path || (step.tool === 'potree' && !tools.potreeConverter)) {
    mine.skipped.push(`${label}: ${!path ? 'no LAZ encoder' : 'no PotreeConverter'}`);
    continue;
  }
  mine.inputs[`${step.input}-${step.points}`] = {
    file: path,
    points: step.points,
    bytes: fs.statSync(path).size,
    format: step.input === 'las' ? 'LAS 1.2 point format 2' : 'LAZ (LASzip 3.4, 50 000-point chunks)',
  };
  warm(path);
  const startedAt = new Date().toISOString();
  console.error(`${startedAt} ${label} …`);
  const run =
    step.tool === 'vestige'
      ? await runVestige({
          path,
          input: step.input,
          points: step.points,
          ...(values.keep && step.input === 'las' ? { keepDir: join(benchWorkDir, `octree-${step.points}`) } : {}),
        })
      : await runPotree({
          binary: tools.potreeConverter!,
          method: 'random',
          path,
          input: step.input,
          points: step.points,
        });
  mine.runs.push({
    ...run,
    startedAt,
    finishedAt: new Date().toISOString(),
    loadAverage: loadavg().map((v) => +v.toFixed(2)),
    part: values.part,
  });
  console.error(
    `${label}: ${run.seconds.toFixed(1)} s = ${(run.pointsPerSecond / 1e6).toFixed(3)} M points/s, peak ${mib(run.peakRssBytes)} (process tree ${mib(run.treePeakRssBytes)})${
      run.phasePeakRssBytes
        ? ' by phase ' +
          Object.entries(run.phasePeakRssBytes)
            .map(([k, v]) => `${k} ${mib(v)}`)
            .join(', ')
        : ''
    }`,
  );
  save();
}
console.error(`results: ${save()}`);
