/**
 * `pnpm bench reconstruct`: photogrammetry of the synthetic textured room (16 ray-cast 640×480 JPEG photos with
 * EXIF) three ways in the same run, each timed wall and CPU (user + system of the whole process tree, GNU time):
 *   vestige — `vestige reconstruct ITEM… --scale FILE` with default settings through the CLI: process start, photo
 *             checks, COLMAP, model analysis, scene build, scale, level and every record in the case;
 *   bare    — the very COLMAP command lines Vestige ran (read back from its provenance), typed by hand into a
 *             fresh folder: the engine alone, so vestige ÷ bare is Vestige's orchestration overhead (target ≤ 1.10);
 *   peer    — `colmap automatic_reconstructor` with its own defaults, what a user would run instead (--use_gpu 0,
 *             since this COLMAP has no CUDA; its dense step is skipped for the same reason).
 * Options: --photos N (default 16), --rounds N (default 1).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaseStore } from '@vestige/evidence';
import { resolveColmap, RECONSTRUCTIONS_COLLECTION, type ReconstructionRecord } from '@vestige/reconstruct';
import { writeRoomPhotos } from '@vestige/samples/reconstruct/room-views.ts';
import { benchWorkDir, cliPath, writeResult } from './support.ts';
import { knownDistance } from '../tests/reconstruct/room-truth.ts';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '16' }, rounds: { type: 'string', default: '1' } },
});
const count = Number(values.photos);
const rounds = Number(values.rounds);
const colmap = resolveColmap();
const work = join(benchWorkDir, 'reconstruct');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const photos = await writeRoomPhotos(join(work, 'photos'), { count });
const names = photos.files.map((f) => f.split('/').pop()!);
const scaleFile = join(work, 'scale.json');
fs.writeFileSync(
  scaleFile,
  JSON.stringify([knownDistance('tape across the floor', [4.5, 2, 0], [2.5, 3.7, 0], photos.cameras, names)]),
);

const gnuTime = '/usr/bin/time';
if (!fs.existsSync(gnuTime))
  throw new Error('GNU time (/usr/bin/time, Debian package time) is needed to measure CPU time of process trees');
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { wall: number; cpu: number } {
  const cpuFile = join(work, 'cpu.txt');
  const t = process.hrtime.bigint();
  const r = spawnSync(gnuTime, ['-o', cpuFile, '-f', '%U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0 && r.status !== 2)
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [u, s] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: (u ?? 0) + (s ?? 0) };
}

function vestige(round: number): { wall: number; cpu: number; record: ReconstructionRecord } {
  const caseDir = join(work, `case-${round}`);
  const env = { ...process.env, VESTIGE_OPERATOR: 'bench' };
  spawnSync(process.execPath, [cliPath, 'case', 'init', caseDir], { env });
  spawnSync(process.execPath, [cliPath, 'ingest', photos.dir, '--case', caseDir], { env });
  const store = CaseStore.open(caseDir, { readOnly: true });
  const ids = store
    .items()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((i) => i.id);
  store.close();
  const t = timed(
    process.execPath,
    [cliPath, 'reconstruct', ...ids, '--case', caseDir, '--scale', scaleFile, '--json'],
    env,
  );
  const after = CaseStore.open(caseDir, { readOnly: true });
  const record = after.listRecords<ReconstructionRecord>(RECONSTRUCTIONS_COLLECTION)[0]!.value;
  after.close();
  return { ...t, record };
}

/** The same command lines in a fresh folder, with the photos laid out as Vestige laid them out. */
function bare(round: number, record: ReconstructionRecord): { wall: number; cpu: number } {
  const ws = join(work, `bare-${round}`);
  for (const p of record.photos) {
    fs.mkdirSync(join(ws, 'images', p.imageName!, '..'), { recursive: true });
    fs.copyFileSync(join(photos.dir, p.name), join(ws, 'images', p.imageName!));
  }
  fs.mkdirSync(join(ws, 'sparse'));
  const script = record.report.commands
    .map(
      (c) =>
        [colmap.path, ...c.argv.map((a) => a.split('<workspace>').join(ws))].map((a) => `'${a}'`).join(' ') +
        ' > /dev/null 2>&1',
    )
    .join(' && ');
  fs.mkdirSync(join(ws, 'text', '0'), { recursive: true });
  return timed('sh', ['-c', script]);
}

function peer(round: number): { wall: number; cpu: number } {
  const ws = join(work, `peer-${round}`);
  fs.mkdirSync(ws);
  return timed('sh', [
    '-c',
    `'${colmap.path}' automatic_reconstructor --workspace_path '${ws}' --image_path '${photos.dir}' --use_gpu 0 > '${ws}/log.txt' 2>&1`,
  ]);
}

const results: Array<Record<string, unknown>> = [];
for (let round = 0; round < rounds; round++) {
  const v = vestige(round);
  console.error(`round ${round + 1}: vestige ${v.wall.toFixed(1)} s wall, ${v.cpu.toFixed(1)} s CPU`);
  const b = bare(round, v.record);
  console.error(`round ${round + 1}: bare COLMAP ${b.wall.toFixed(1)} s wall, ${b.cpu.toFixed(1)} s CPU`);
  const p = peer(round);
  console.error(`round ${round + 1}: automatic_reconstructor ${p.wall.toFixed(1)} s wall, ${p.cpu.toFixed(1)} s CPU`);
  results.push({
    vestige: {
      wall: v.wall,
      cpu: v.cpu,
      registered: v.record.report.photos.registered,
      meanReprojectionPx: v.record.report.reprojection.meanPx,
    },
    bare: b,
    peer: p,
    overheadWall: v.wall / b.wall,
    overheadCpu: v.cpu / b.cpu,
    againstPeerWall: v.wall / p.wall,
    againstPeerCpu: v.cpu / p.cpu,
  });
}
const best = (k: string) => Math.min(...results.map((r) => r[k] as number));
const perPhoto = (side: 'vestige' | 'bare' | 'peer', k: 'wall' | 'cpu') =>
  Math.min(...results.map((r) => (r[side] as { wall: number; cpu: number })[k])) / count;
const load = fs.readFileSync('/proc/loadavg', 'utf8').trim();
const path = writeResult('reconstruct', {
  description:
    'vestige reconstruct (CLI, default settings, one known distance; photos checked, COLMAP feature_extractor + exhaustive_matcher + mapper + model_converter, model analysis, scene build, scale, level, records) vs the same COLMAP command lines run bare (orchestration overhead, target ≤ 1.10) vs colmap automatic_reconstructor with its defaults (peer, --use_gpu 0); synthetic room, ray-cast 640×480 JPEG photos',
  photos: count,
  colmap: { path: colmap.path, version: colmap.version, build: colmap.banner },
  secondsPerPhoto: {
    vestige: { wall: perPhoto('vestige', 'wall'), cpu: perPhoto('vestige', 'cpu') },
    bareEngine: { wall: perPhoto('bare', 'wall'), cpu: perPhoto('bare', 'cpu') },
    peerAutomaticReconstructor: { wall: perPhoto('peer', 'wall'), cpu: perPhoto('peer', 'cpu') },
  },
  overhead: { bestWall: best('overheadWall'), bestCpu: best('overheadCpu'), target: 1.1 },
  againstPeer: { bestWall: best('againstPeerWall'), bestCpu: best('againstPeerCpu') },
  rounds: results,
  loadAverageAfter: load,
});
console.log(
  `wrote ${path}: overhead ${best('overheadWall').toFixed(3)} wall / ${best('overheadCpu').toFixed(3)} CPU; against automatic_reconstructor ${best('againstPeerWall').toFixed(3)} wall / ${best('againstPeerCpu').toFixed(3)} CPU`,
);
