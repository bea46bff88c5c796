/**
 * `pnpm bench frames`: extract every frame of a generated 1080p H.264 clip to PNG with Vestige — per-frame SHA-256,
 * decoded-pixel hash, blobs stored with fsync, items and provenance recorded — against the bare
 * `ffmpeg -i clip.mp4 -fps_mode passthrough out%06d.png` in the same run. Target: ratio ≤ 1.10.
 * Options: --seconds N (clip length, default 60; use 4 while developing), --rounds N (default 1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateBenchClip } from '@vestige/samples/video/generate.ts';
import { ffmpegFeatures, passthroughArgs, resolveFfmpeg } from '@vestige/video';
import { benchWorkDir, cliPath, seconds, writeResult } from './support.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '1' } } });
const clipSeconds = Number(values.seconds);
const rounds = Number(values.rounds);
const ffmpeg = resolveFfmpeg();
const passthrough = passthroughArgs(ffmpegFeatures(ffmpeg));

fs.mkdirSync(benchWorkDir, { recursive: true });
const clip = join(benchWorkDir, `frames-clip-1080p-${clipSeconds}s.mp4`);
const t0 = process.hrtime.bigint();
generateBenchClip(clip, clipSeconds, { ffmpegPath: ffmpeg.path });
console.error(`clip ${clip} ready (${seconds(t0).toFixed(1)} s)`);
const frameCount = Number(
  execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', clip], { encoding: 'utf8' }).trim(),
);
// Warm the page cache for both sides alike.
fs.readFileSync(clip);

// On a shared machine wall time swings with other load; CPU time (user + system of the whole process tree, from
// GNU time) is measured too, so the two sides can be compared even when the machine is busy.
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
function timed(cmd: string, args: string[]): { wall: number; cpu: number | null; status: number | null; stdout: string; stderr: string } {
  const cpuFile = join(benchWorkDir, 'frames-cpu.txt');
  const t = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ['-o', cpuFile, '-f', '%U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = seconds(t);
  let cpu: number | null = null;
  if (gnuTime && fs.existsSync(cpuFile)) {
    const [u, sys] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpu = (u ?? 0) + (sys ?? 0);
  }
  return { wall, cpu, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bare(): { seconds: number; cpuSeconds: number | null; frames: number; sample: string[] } {
  const dir = join(benchWorkDir, 'frames-bare');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const r = timed(ffmpeg.path, ['-v', 'error', '-i', clip, ...passthrough, join(dir, 'out%06d.png')]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const files = fs.readdirSync(dir).sort();
  const sample = [files[0]!, files[Math.floor(files.length / 2)]!, files.at(-1)!].map((f) => createHash('sha256').update(fs.readFileSync(join(dir, f))).digest('hex'));
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds: r.wall, cpuSeconds: r.cpu, frames: files.length, sample };
}

function vestige(round: number): { seconds: number; cpuSeconds: number | null; frames: number; sample: string[]; provenanceId: string } {
  const caseDir = join(benchWorkDir, `frames-case-${round}`);
  fs.rmSync(caseDir, { recursive: true, force: true });
  execFileSync(process.execPath, [cliPath, 'case', 'init', caseDir, '--operator', 'bench']);
  const ingest = JSON.parse(execFileSync(process.execPath, [cliPath, 'ingest', clip, '--case', caseDir, '--operator', 'bench', '--json'], { encoding: 'utf8' })) as { files: Array<{ itemId: string }> };
  const itemId = ingest.files[0]!.itemId;
  const r = timed(process.execPath, [cliPath, 'frames', itemId, '--all', '--case', caseDir, '--operator', 'bench', '--json']);
  if (r.status !== 0) throw new Error(`vestige frames failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { frames: Array<{ sha256: string }>; provenanceId: string };
  const f = report.frames;
  const sample = [f[0]!, f[Math.floor(f.length / 2)]!, f.at(-1)!].map((x) => x.sha256);
  fs.rmSync(caseDir, { recursive: true, force: true });
  return { seconds: r.wall, cpuSeconds: r.cpu, frames: f.length, sample, provenanceId: report.provenanceId };
}

const runs: Array<{ bare: ReturnType<typeof bare>; vestige: ReturnType<typeof vestige> }> = [];
for (let round = 0; round < rounds; round++) {
  // Alternate the order so that neither side always runs on a cooler machine.
  if (round % 2 === 0) {
    const b = bare();
    runs.push({ bare: b, vestige: vestige(round) });
  } else {
    const v = vestige(round);
    runs.push({ bare: bare(), vestige: v });
  }
  const last = runs.at(-1)!;
  console.error(
    `round ${round + 1}: bare ffmpeg ${last.bare.seconds.toFixed(2)} s wall / ${last.bare.cpuSeconds?.toFixed(2) ?? '?'} s CPU (${last.bare.frames} PNGs), ` +
      `vestige ${last.vestige.seconds.toFixed(2)} s wall / ${last.vestige.cpuSeconds?.toFixed(2) ?? '?'} s CPU (${last.vestige.frames} frame items)`,
  );
}
const best = (xs: number[]) => Math.min(...xs);
const bareBest = best(runs.map((r) => r.bare.seconds));
const vestigeBest = best(runs.map((r) => r.vestige.seconds));
const ratio = vestigeBest / bareBest;
const cpuBest = (xs: Array<number | null>) => (xs.every((x) => x !== null) ? Math.min(...(xs as number[])) : null);
const bareCpu = cpuBest(runs.map((r) => r.bare.cpuSeconds));
const vestigeCpu = cpuBest(runs.map((r) => r.vestige.cpuSeconds));
// Each round's two runs are taken minutes apart, so they share the machine's state; the median of the per-round
// ratios is the steadier figure on a noisy machine. The headline stays best-of, comparable with earlier results.
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const wallPerRound = runs.map((r) => r.vestige.seconds / r.bare.seconds);
const cpuPerRound = runs.every((r) => r.bare.cpuSeconds && r.vestige.cpuSeconds) ? runs.map((r) => r.vestige.cpuSeconds! / r.bare.cpuSeconds!) : null;
const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').trim() : null;
const samePngs = runs.every((r) => r.bare.sample.join() === r.vestige.sample.join());
const path = writeResult('frames', {
  description:
    'vestige frames ITEM --all (one ffmpeg decode; PNGs and raw decoded frames each streamed through a socket pair into one reused buffer; each PNG hashed (MD5/SHA-1/SHA-256) and written to the case as its bytes arrive, fsynced in the background, then moved to its content address; each raw frame hashed with SHA-256 as it arrives; one provenance record, one item per frame) vs bare ffmpeg -i clip.mp4 -fps_mode passthrough out%06d.png, same ffmpeg, page cache warm',
  clip: { path: clip, seconds: clipSeconds, width: 1920, height: 1080, codec: 'h264', frames: frameCount },
  ffmpeg: { path: ffmpeg.path, version: ffmpeg.version },
  rounds: runs,
  framesEqual: runs.every((r) => r.bare.frames === frameCount && r.vestige.frames === frameCount),
  identicalPngBytes: samePngs,
  bestSeconds: { bare: bareBest, vestige: vestigeBest },
  framesPerSecond: { bare: frameCount / bareBest, vestige: frameCount / vestigeBest },
  ratio,
  target: 1.1,
  met: ratio <= 1.1,
  perRoundRatios: { wall: wallPerRound, cpu: cpuPerRound, medianWall: median(wallPerRound), medianCpu: cpuPerRound ? median(cpuPerRound) : null },
  cpuSeconds: { bare: bareCpu, vestige: vestigeCpu },
  cpuRatio: bareCpu && vestigeCpu ? vestigeCpu / bareCpu : null,
  // What each frame costs in CPU on either side, and what Vestige adds per frame (its fixed start-up cost included).
  cpuMsPerFrame:
    bareCpu && vestigeCpu
      ? { bare: (bareCpu * 1000) / frameCount, vestige: (vestigeCpu * 1000) / frameCount, added: ((vestigeCpu - bareCpu) * 1000) / frameCount }
      : null,
  loadAverageAtEnd: load,
});
console.error(
  `ratio ${ratio.toFixed(3)} wall (target ≤ 1.10), ${bareCpu && vestigeCpu ? (vestigeCpu / bareCpu).toFixed(3) : '?'} CPU; ` +
    `median of per-round ratios ${median(wallPerRound).toFixed(3)} wall${cpuPerRound ? `, ${median(cpuPerRound).toFixed(3)} CPU` : ''} → ${path}`,
);
