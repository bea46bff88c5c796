/**
 * `pnpm bench scene`: Vestige's octree build against PotreeConverter 2.1 on the same generated scan.
 *
 * Input: a seeded 10-million-point LAS 1.2 (format 2: a synthetic room with colour, intensity and
 * classes, UTM-sized coordinates) written once to bench/work/, and the LAZ of the same points made by
 * LASzip (las2laz, built with the peer). Peer: PotreeConverter 2.1.1 built from its public source by
 * bench/scene/potree-converter.ts unless POTREE_CONVERTER names a binary; without it the bench says so
 * and records no ratio. Each round runs, in a rotating order, Vestige's grid build of the LAS and of the
 * LAZ and PotreeConverter `-m random` and `-m poisson` on the LAS (and `-m random` on the LAZ), each in
 * its own process with the page cache warm (Vestige's Poisson build of the LAS too); the best of the rounds is the headline. Throughput is from
 * opening the input to the last byte written (Vestige: inside its process, excluding Node's start,
 * which is reported beside; PotreeConverter: its whole process). Peak memory is each process's maximum
 * resident set (VmHWM; GNU time for the peer).
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

const { values } = parseArgs({ options: { points: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' }, generate: { type: 'string' }, 'skip-peer': { type: 'boolean', default: false } } });
const points = Number(values.points);
const rounds = Number(values.rounds);
const TARGET_RATIO = 1.3;
const TARGET_PEAK = 2 * 2 ** 30;

if (values.generate) {
  await writeLas(values.generate, syntheticRoom({ points, seed: 10, origin: [512000, 5400000, 31] }), { scale: 0.001 });
  process.exit(0);
}

fs.mkdirSync(benchWorkDir, { recursive: true });
const tools = values['skip-peer'] ? { problems: ['peer skipped (--skip-peer)'], source: 'none' } : preparePeerTools();
for (const p of tools.problems) console.error(`peer: ${p}`);

const las = join(benchWorkDir, `scene-room-${points}.las`);
if (!fs.existsSync(las)) {
  console.error(`generating ${las} …`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--points', String(points), '--generate', las + '.part'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('generation failed');
  fs.renameSync(las + '.part', las);
}
const laz = join(benchWorkDir, `scene-room-${points}.laz`);
if (!fs.existsSync(laz) && tools.las2laz) {
  console.error(`compressing ${laz} with LASzip …`);
  const r = spawnSync(tools.las2laz, [las, laz + '.part'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('LAZ compression failed');
  fs.renameSync(laz + '.part', laz);
}
const haveLaz = fs.existsSync(laz);

/** Reads a file once so every run finds it in the page cache. */
function warm(path: string): void {
  const fd = fs.openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

interface Run { tool: string; input: 'las' | 'laz'; seconds: number; processSeconds: number; pointsPerSecond: number; peakRssBytes: number | null; cpuSeconds?: number; phases?: unknown }

const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function runVestige(input: 'las' | 'laz', sampling: 'grid' | 'poisson' = 'grid'): Run {
  const workDir = fs.mkdtempSync(join(benchWorkDir, 'scene-build-'));
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'scene', 'vestige-build.ts'), input === 'las' ? las : laz, workDir, sampling], { encoding: 'utf8', cwd: repoRoot, maxBuffer: 16 << 20 });
  const processSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  fs.rmSync(workDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`Vestige ${sampling} build of ${input} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { points: number; seconds: number; cpuSeconds: number; peakRssBytes: number; phases: unknown };
  if (out.points !== points) throw new Error(`Vestige built ${out.points} points of ${points}`);
  return { tool: `vestige-${sampling}`, input, seconds: out.seconds, processSeconds, pointsPerSecond: Math.round(points / out.seconds), peakRssBytes: out.peakRssBytes, cpuSeconds: out.cpuSeconds, phases: out.phases };
}

function runPotree(method: 'random' | 'poisson', input: 'las' | 'laz'): Run {
  const outDir = join(benchWorkDir, `potree-${method}-${input}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const args = [input === 'las' ? las : laz, '-o', outDir, '-m', method];
  const t = process.hrtime.bigint();
  const r = GNU_TIME ? spawnSync(GNU_TIME, ['-f', 'maxrss_kb=%M', tools.potreeConverter!, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }) : spawnSync(tools.potreeConverter!, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`PotreeConverter -m ${method} failed: ${r.stdout}${r.stderr}`);
  const rss = /maxrss_kb=(\d+)/.exec(r.stderr ?? '');
  const written = fs.existsSync(join(outDir, 'octree.bin')) ? fs.statSync(join(outDir, 'octree.bin')).size : 0;
  fs.rmSync(outDir, { recursive: true, force: true });
  if (written === 0) throw new Error(`PotreeConverter -m ${method} wrote no octree.bin`);
  return { tool: `potree-${method}`, input, seconds, processSeconds: seconds, pointsPerSecond: Math.round(points / seconds), peakRssBytes: rss ? Number(rss[1]) * 1024 : null };
}

const plan: (() => Run)[] = [() => runVestige('las'), () => runVestige('las', 'poisson')];
if (haveLaz) plan.push(() => runVestige('laz'));
if (tools.potreeConverter) {
  plan.push(() => runPotree('random', 'las'), () => runPotree('poisson', 'las'));
  if (haveLaz) plan.push(() => runPotree('random', 'laz'));
}

warm(las);
if (haveLaz) warm(laz);
/** Vestige's copy of the original into a case (hash + store), timed apart from the build. */
function timeCopy(path: string): { seconds: number; bytes: number; megabytesPerSecond: number } {
  const workDir = fs.mkdtempSync(join(benchWorkDir, 'scene-copy-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'scene', 'vestige-copy.ts'), path, workDir], { encoding: 'utf8', cwd: repoRoot });
    if (r.status !== 0) throw new Error(`copy of ${path} into a case failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; bytes: number };
    return { ...out, megabytesPerSecond: +(out.bytes / 1e6 / out.seconds).toFixed(1) };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
const copyIntoCase = { las: timeCopy(las), ...(haveLaz ? { laz: timeCopy(laz) } : {}) };
const loadBefore = loadavg();
const runs: (Run & { round: number })[] = [];
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round so no tool always runs first (or right after the heaviest one).
  for (let k = 0; k < plan.length; k++) {
    const run = plan[(k + round) % plan.length]!();
    runs.push({ ...run, round });
    console.error(`round ${round + 1}: ${run.tool} ${run.input}: ${run.seconds.toFixed(2)} s = ${(run.pointsPerSecond / 1e6).toFixed(2)} M points/s, peak ${run.peakRssBytes === null ? '?' : (run.peakRssBytes / 2 ** 20).toFixed(0) + ' MiB'}`);
  }
}

function best(tool: string, input: 'las' | 'laz'): Run | undefined {
  return runs.filter((r) => r.tool === tool && r.input === input).sort((a, b) => a.seconds - b.seconds)[0];
}
const ratio = (a: Run | undefined, b: Run | undefined): number | null => (a && b ? +(a.pointsPerSecond / b.pointsPerSecond).toFixed(3) : null);
const vLas = best('vestige-grid', 'las');
const vLaz = best('vestige-grid', 'laz');
const vPoisson = best('vestige-poisson', 'las');
const pRandom = best('potree-random', 'las');
const pPoisson = best('potree-poisson', 'las');
const pRandomLaz = best('potree-random', 'laz');

/** Each round's ratio of Vestige to a peer run of the same round, and their median (steadier than best-of on a busy machine). */
function paired(peer: string, input: 'las' | 'laz' = 'las', ours = 'vestige-grid'): { rounds: number[]; median: number } | null {
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
  input: { las: { file: las, points, bytes: fs.statSync(las).size }, ...(haveLaz ? { laz: { file: laz, points, bytes: fs.statSync(laz).size, encoder: 'LASzip 3.4 (las2laz, default 50 000-point chunks)' } } : {}) },
  peer: { name: `PotreeConverter ${POTREE_CONVERTER_TAG}`, source: tools.source, binary: tools.potreeConverter ?? null, problems: tools.problems },
  // Not part of the build's time: the copy of the original into the case that precedes it.
  copyIntoCase,
  best: { vestigeGridLas: vLas, vestigePoissonLas: vPoisson ?? null, vestigeGridLaz: vLaz ?? null, potreeRandomLas: pRandom ?? null, potreePoissonLas: pPoisson ?? null, potreeRandomLaz: pRandomLaz ?? null },
  ratio: {
    gridVsPotreeRandom: ratio(vLas, pRandom),
    poissonVsPotreePoisson: ratio(vPoisson, pPoisson),
    gridVsPotreePoisson: ratio(vLas, pPoisson),
    lazVsLasVestige: ratio(vLaz, vLas),
    lazGridVsPotreeRandomLaz: ratio(vLaz, pRandomLaz),
    pairedByRound: { gridVsPotreeRandom: paired('potree-random'), poissonVsPotreePoisson: paired('potree-poisson', 'las', 'vestige-poisson'), lazGridVsPotreeRandomLaz: paired('potree-random', 'laz') },
    note: tools.potreeConverter ? 'gridVsPotreePoisson (grid against the peer\'s Poisson) is informative only; the targets are grid vs -m random and Poisson vs -m poisson' : 'no peer ran, so no ratio',
  },
  target: { gridVsPotreeRandom: TARGET_RATIO, poissonVsPotreePoisson: TARGET_RATIO, vestigePeakRssBytes: TARGET_PEAK },
  pass: { gridVsPotreeRandom: pRandom ? ratio(vLas, pRandom)! >= TARGET_RATIO : null, poissonVsPotreePoisson: pPoisson && vPoisson ? ratio(vPoisson, pPoisson)! >= TARGET_RATIO : null, memory: runs.filter((r) => r.tool.startsWith('vestige-')).every((r) => (r.peakRssBytes ?? 0) < TARGET_PEAK) },
  runs,
  // The machine is shared: the load average says how much of the two cores the runs actually had.
  loadAverage: { before: loadBefore.map((v) => +v.toFixed(2)), after: loadavg().map((v) => +v.toFixed(2)) },
});
console.error(`results: ${path}`);
