/**
 * `pnpm bench scene`: Vestige's octree build against PotreeConverter 2.1 on the same generated scan.
 *
 * Input: a seeded 10-million-point LAS 1.2 (format 2: a synthetic room with colour, intensity and
 * classes, UTM-sized coordinates) written once to bench/work/, and the LAZ of the same points made by
 * LASzip (las2laz, built with the peer). Peer: PotreeConverter 2.1.1 built from its public source by
 * bench/scene/potree-converter.ts unless POTREE_CONVERTER names a binary; without it the bench says so
 * and records no ratio. Each round runs, in a rotating order, Vestige's grid build of the LAS and of the
 * LAZ and PotreeConverter `-m random` and `-m poisson` on the LAS (and `-m random` on the LAZ), each in
 * its own process with the page cache warm (Vestige's Poisson build of the LAS too); the best of the rounds is the
 * headline. Throughput is from opening the input to the last byte written (Vestige: inside its process, excluding
 * Node's start, which is reported beside; PotreeConverter: its whole process). Peak memory is each process's maximum
 * resident set (VmHWM; GNU time for the peer) and its process tree's, sampled (bench/scene/runs.ts).
 * `pnpm bench scene-200m` runs the same builds at 10 M, 50 M and 200 M points.
 *
 * Options: --points N (default 10 000 000), --rounds N (default 3), --skip-peer.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { writeLas } from '@vestige/scene';
import { syntheticRoom } from '../samples/scene/synthetic-room.ts';
import { benchWorkDir, repoRoot, writeResult } from './support.ts';
import { POTREE_CONVERTER_TAG, preparePeerTools } from './scene/potree-converter.ts';
import { ensureLas, ensureLaz, mib, runPotree, runVestige, warm, type Run } from './scene/runs.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '10000000' },
    rounds: { type: 'string', default: '3' },
    generate: { type: 'string' },
    'skip-peer': { type: 'boolean', default: false },
  },
});
const points = Number(values.points);
const rounds = Number(values.rounds);
const TARGET_RATIO = 1.3;
const TARGET_PEAK = 2 * 2 ** 30;

if (values.generate) {
  await writeLas(values.generate, syntheticRoom({ points, seed: 10, origin: [512000, 5400000, 31] }), { scale: 0.001 });
  process.exit(0);
}

fs.mkdirSync(benchWorkDir, { recursive: true });
const tools = values['skip-peer']
  ? ({ problems: ['peer skipped (--skip-peer)'], source: 'none' } as ReturnType<typeof preparePeerTools>)
  : preparePeerTools();
for (const p of tools.problems) console.error(`peer: ${p}`);

const las = ensureLas(points);
const laz = ensureLaz(las, tools.las2laz);

const plan: (() => Promise<Run>)[] = [
  () => runVestige({ path: las, input: 'las', points }),
  () => runVestige({ path: las, input: 'las', points, sampling: 'poisson' }),
];
if (laz) plan.push(() => runVestige({ path: laz, input: 'laz', points }));
if (tools.potreeConverter) {
  const binary = tools.potreeConverter;
  plan.push(
    () => runPotree({ binary, method: 'random', path: las, input: 'las', points }),
    () => runPotree({ binary, method: 'poisson', path: las, input: 'las', points }),
  );
  if (laz) plan.push(() => runPotree({ binary, method: 'random', path: laz, input: 'laz', points }));
}

warm(las);
if (laz) warm(laz);
/** Vestige's copy of the original into a case (hash + store), timed apart from the build. */
function timeCopy(path: string): { seconds: number; bytes: number; megabytesPerSecond: number } {
  const workDir = fs.mkdtempSync(join(benchWorkDir, 'scene-copy-'));
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'bench', 'scene', 'vestige-copy.ts'), path, workDir],
      { encoding: 'utf8', cwd: repoRoot },
    );
    if (r.status !== 0) throw new Error(`copy of ${path} into a case failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; bytes: number };
    return { ...out, megabytesPerSecond: +(out.bytes / 1e6 / out.seconds).toFixed(1) };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
const copyIntoCase = { las: timeCopy(las), ...(laz ? { laz: timeCopy(laz) } : {}) };
const loadBefore = loadavg();
const runs: (Run & { round: number })[] = [];
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round so no tool always runs first (or right after the heaviest one).
  for (let k = 0; k < plan.length; k++) {
    const run = await plan[(k + round) % plan.length]!();
    runs.push({ ...run, round });
    console.error(
      `round ${round + 1}: ${run.tool} ${run.input}: ${run.seconds.toFixed(2)} s = ${(run.pointsPerSecond / 1e6).toFixed(2)} M points/s, peak ${mib(run.peakRssBytes)} (process tree ${mib(run.treePeakRssBytes)})`,
    );
  }
}

function best(tool: string, input: 'las' | 'laz'): Run | undefined {
  return runs.filter((r) => r.tool === tool && r.input === input).sort((a, b) => a.seconds - b.seconds)[0];
}
const ratio = (a: Run | undefined, b: Run | undefined): number | null =>
  a && b ? +(a.pointsPerSecond / b.pointsPerSecond).toFixed(3) : null;
const vLas = best('vestige-grid', 'las');
const vLaz = best('vestige-grid', 'laz');
const vPoisson = best('vestige-poisson', 'las');
const pRandom = best('potree-random', 'las');
const pPoisson = best('potree-poisson', 'las');
const pRandomLaz = best('potree-random', 'laz');

/**
 * Each round's ratio of Vestige to a peer run of the same round, and their median (steadier than best-of on a busy
 * machine).
 */
function paired(
  peer: string,
  input: 'las' | 'laz' = 'las',
  ours = 'vestige-grid',
): { rounds: number[]; median: number } | null {
  const rs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const v = runs.find((r) => r.round === round && r.tool === ours && r.input === input);
    const p = runs.find((r) => r.round === round && r.tool === peer && r.input === input);
    if (v && p) rs.push(+(p.seconds / v.seconds).toFixed(3));
  }
  if (rs.length === 0) return null;
  const sorted = [...rs].sort((a, b) => a - b);
  return { rounds: rs, median: sorted[Math.floor(sorted.length / 2)]! };
}

const path = writeResult('scene', {
  description: `Potree 2.0 octree of a generated ${points}-point LAS 1.2 (format 2) room scan and its LAZ (LASzip), on all cores, page cache warm, best of ${rounds} interleaved rounds: Vestige grid and Poisson builds vs PotreeConverter ${POTREE_CONVERTER_TAG} -m random and -m poisson`,
  input: {
    las: { file: las, points, bytes: fs.statSync(las).size },
    ...(laz
      ? {
          laz: {
            file: laz,
            points,
            bytes: fs.statSync(laz).size,
            encoder: 'LASzip 3.4 (las2laz, default 50 000-point chunks)',
          },
        }
      : {}),
  },
  peer: {
    name: `PotreeConverter ${POTREE_CONVERTER_TAG}`,
    source: tools.source,
    binary: tools.potreeConverter ?? null,
    problems: tools.problems,
  },
  // Not part of the build's time: the copy of the original into the case that precedes it.
  copyIntoCase,
  best: {
    vestigeGridLas: vLas,
    vestigePoissonLas: vPoisson ?? null,
    vestigeGridLaz: vLaz ?? null,
    potreeRandomLas: pRandom ?? null,
    potreePoissonLas: pPoisson ?? null,
    potreeRandomLaz: pRandomLaz ?? null,
  },
  ratio: {
    gridVsPotreeRandom: ratio(vLas, pRandom),
    poissonVsPotreePoisson: ratio(vPoisson, pPoisson),
    gridVsPotreePoisson: ratio(vLas, pPoisson),
    lazVsLasVestige: ratio(vLaz, vLas),
    lazGridVsPotreeRandomLaz: ratio(vLaz, pRandomLaz),
    pairedByRound: {
      gridVsPotreeRandom: paired('potree-random'),
      poissonVsPotreePoisson: paired('potree-poisson', 'las', 'vestige-poisson'),
      lazGridVsPotreeRandomLaz: paired('potree-random', 'laz'),
    },
    note: tools.potreeConverter
      ? "gridVsPotreePoisson (grid against the peer's Poisson) is informative only; the targets are grid vs -m random and Poisson vs -m poisson"
      : 'no peer ran, so no ratio',
  },
  target: { gridVsPotreeRandom: TARGET_RATIO, poissonVsPotreePoisson: TARGET_RATIO, vestigePeakRssBytes: TARGET_PEAK },
  pass: {
    gridVsPotreeRandom: pRandom ? ratio(vLas, pRandom)! >= TARGET_RATIO : null,
    poissonVsPotreePoisson: pPoisson && vPoisson ? ratio(vPoisson, pPoisson)! >= TARGET_RATIO : null,
    memory: runs.filter((r) => r.tool.startsWith('vestige-')).every((r) => (r.peakRssBytes ?? 0) < TARGET_PEAK),
  },
  runs,
  // The machine is shared: the load average says how much of the two cores the runs actually had.
  loadAverage: { before: loadBefore.map((v) => +v.toFixed(2)), after: loadavg().map((v) => +v.toFixed(2)) },
});
console.error(`results: ${path}`);
