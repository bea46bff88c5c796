/**
 * `pnpm bench frames`: extract every frame of a generated 1080p H.264 clip to PNG with Vestige — per-frame SHA-256,
 * decoded-pixel hash, blobs stored with fsync, items and provenance recorded — against the bare
 * `ffmpeg -i clip.mp4 -fps_mode passthrough out%06d.png` in the same run. Target: ratio ≤ 1.10.
 * Vestige encodes its PNGs with PNG_ENCODER_ARGS, not ffmpeg's defaults, so each round also runs bare ffmpeg with
 * those same arguments: the ratio against it is Vestige's own overhead (hashing, storing, recording), reported
 * beside the headline so that the encoder's saving never hides it.
 * Options: --seconds N (clip length, default 60; use 4 while developing), --rounds N (default 1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateBenchClip } from '@vestige/samples/video/generate.ts';
import { ffmpegFeatures, passthroughArgs, PNG_ENCODER_ARGS, resolveFfmpeg } from '@vestige/video';
import { benchWorkDir, cliPath, seconds, writeResult } from './support.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '1' } },
});
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
  execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_packets',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_packets',
      '-of',
      'csv=p=0',
      clip,
    ],
    { encoding: 'utf8' },
  ).trim(),
);
// Warm the page cache for both sides alike.
fs.readFileSync(clip);

// On a shared machine wall time swings with other load; CPU time (user + system of the whole process tree, from
// GNU time) is measured too, so the two sides can be compared even when the machine is busy.
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
function timed(
  cmd: string,
  args: string[],
): { wall: number; cpu: number | null; status: number | null; stdout: string; stderr: string } {
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

/** SHA-256 of a PNG's decoded pixels (rgb24), to show that differently encoded PNGs hold the same image. */
function pngPixelHash(file: string): string {
  return createHash('sha256')
    .update(
      execFileSync(ffmpeg.path, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
        maxBuffer: 1 << 26,
      }),
    )
    .digest('hex');
}

type BareRun = {
  seconds: number;
  cpuSeconds: number | null;
  frames: number;
  pngBytes: number;
  sample: string[];
  samplePixels: string[];
};
/** Bare ffmpeg to numbered PNGs, with ffmpeg's default PNG encoding (`encoderArgs` empty) or the given one. */
function bare(encoderArgs: readonly string[]): BareRun {
  const dir = join(benchWorkDir, 'frames-bare');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const r = timed(ffmpeg.path, ['-v', 'error', '-i', clip, ...passthrough, ...encoderArgs, join(dir, 'out%06d.png')]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const files = fs.readdirSync(dir).sort();
  const picked = [files[0]!, files[Math.floor(files.length / 2)]!, files.at(-1)!].map((f) => join(dir, f));
  const sample = picked.map((f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex'));
  const samplePixels = picked.map(pngPixelHash);
  const pngBytes = files.reduce((n, f) => n + fs.statSync(join(dir, f)).size, 0);
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds: r.wall, cpuSeconds: r.cpu, frames: files.length, pngBytes, sample, samplePixels };
}

type VestigeRun = {
  seconds: number;
  cpuSeconds: number | null;
  frames: number;
  pngBytes: number;
  sample: string[];
  samplePixels: string[];
  provenanceId: string;
};
function vestige(round: number): VestigeRun {
  const caseDir = join(benchWorkDir, `frames-case-${round}`);
  fs.rmSync(caseDir, { recursive: true, force: true });
  execFileSync(process.execPath, [cliPath, 'case', 'init', caseDir, '--operator', 'bench']);
  const ingest = JSON.parse(
    execFileSync(process.execPath, [cliPath, 'ingest', clip, '--case', caseDir, '--operator', 'bench', '--json'], {
      encoding: 'utf8',
    }),
  ) as { files: Array<{ itemId: string }> };
  const itemId = ingest.files[0]!.itemId;
  const r = timed(process.execPath, [
    cliPath,
    'frames',
    itemId,
    '--all',
    '--case',
    caseDir,
    '--operator',
    'bench',
    '--json',
  ]);
  if (r.status !== 0) throw new Error(`vestige frames failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { frames: Array<{ sha256: string }>; provenanceId: string };
  const f = report.frames;
  const sample = [f[0]!, f[Math.floor(f.length / 2)]!, f.at(-1)!].map((x) => x.sha256);
  const blobPath = (sha: string) => join(caseDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
  const samplePixels = sample.map((sha) => pngPixelHash(blobPath(sha)));
  const pngBytes = f.reduce((n, x) => n + fs.statSync(blobPath(x.sha256)).size, 0);
  fs.rmSync(caseDir, { recursive: true, force: true });
  return {
    seconds: r.wall,
    cpuSeconds: r.cpu,
    frames: f.length,
    pngBytes,
    sample,
    samplePixels,
    provenanceId: report.provenanceId,
  };
}

type Round = { bare: BareRun; bareSameEncoding: BareRun; vestige: VestigeRun };
const runs: Round[] = [];
for (let round = 0; round < rounds; round++) {
  // Rotate the order so that no side always runs on a cooler machine.
  const r: Partial<Round> = {};
  const sides = [
    () => (r.bare = bare([])),
    () => (r.vestige = vestige(round)),
    () => (r.bareSameEncoding = bare(PNG_ENCODER_ARGS)),
  ];
  for (let i = 0; i < sides.length; i++) sides[(i + round) % sides.length]!();
  runs.push(r as Round);
  const fmt = (x: { seconds: number; cpuSeconds: number | null }) =>
    `${x.seconds.toFixed(2)} s wall / ${x.cpuSeconds?.toFixed(2) ?? '?'} s CPU`;
  console.error(
    `round ${round + 1}: bare ffmpeg ${fmt(r.bare!)}, bare ffmpeg with Vestige's PNG encoding ${fmt(r.bareSameEncoding!)}, vestige ${fmt(r.vestige!)} (${r.vestige!.frames} frame items)`,
  );
}
const best = (xs: number[]) => Math.min(...xs);
const cpuBest = (xs: Array<number | null>) => (xs.every((x) => x !== null) ? Math.min(...(xs as number[])) : null);
// Each round's runs are taken minutes apart, so they share the machine's state; the median of the per-round ratios
// is the steadier figure on a noisy machine. The headline stays best-of, comparable with earlier results.
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Vestige against one bare peer: best-of ratios, per-round ratios and what Vestige adds per frame. */
function against(peer: (r: Round) => BareRun) {
  const peerBest = best(runs.map((r) => peer(r).seconds));
  const vestigeBest = best(runs.map((r) => r.vestige.seconds));
  const peerCpu = cpuBest(runs.map((r) => peer(r).cpuSeconds));
  const vestigeCpu = cpuBest(runs.map((r) => r.vestige.cpuSeconds));
  const wall = runs.map((r) => r.vestige.seconds / peer(r).seconds);
  const cpu = runs.every((r) => peer(r).cpuSeconds && r.vestige.cpuSeconds)
    ? runs.map((r) => r.vestige.cpuSeconds! / peer(r).cpuSeconds!)
    : null;
  return {
    bestSeconds: { bare: peerBest, vestige: vestigeBest },
    framesPerSecond: { bare: frameCount / peerBest, vestige: frameCount / vestigeBest },
    ratio: vestigeBest / peerBest,
    perRoundRatios: { wall, cpu, medianWall: median(wall), medianCpu: cpu ? median(cpu) : null },
    cpuSeconds: { bare: peerCpu, vestige: vestigeCpu },
    cpuRatio: peerCpu && vestigeCpu ? vestigeCpu / peerCpu : null,
    // What each frame costs in CPU on either side, and what Vestige adds per frame (its fixed start-up cost included).
    cpuMsPerFrame:
      peerCpu && vestigeCpu
        ? {
            bare: (peerCpu * 1000) / frameCount,
            vestige: (vestigeCpu * 1000) / frameCount,
            added: ((vestigeCpu - peerCpu) * 1000) / frameCount,
          }
        : null,
  };
}
const headline = against((r) => r.bare);
const overhead = against((r) => r.bareSameEncoding);
const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').trim() : null;
const path = writeResult('frames', {
  description:
    "vestige frames ITEM --all (one ffmpeg decode; PNGs and raw decoded frames each streamed through a socket pair into one reused buffer; each PNG hashed (MD5/SHA-1/SHA-256) and written to the case as its bytes arrive, fsynced in the background, then moved to its content address; each raw frame hashed with SHA-256 as it arrives; one provenance record, one item per frame) vs bare ffmpeg -i clip.mp4 -fps_mode passthrough out%06d.png (the headline), and vs the same bare command with Vestige's PNG encoder arguments (Vestige's own overhead); same ffmpeg, page cache warm",
  clip: { path: clip, seconds: clipSeconds, width: 1920, height: 1080, codec: 'h264', frames: frameCount },
  ffmpeg: { path: ffmpeg.path, version: ffmpeg.version },
  pngEncoderArgs: PNG_ENCODER_ARGS,
  rounds: runs,
  framesEqual: runs.every(
    (r) => r.bare.frames === frameCount && r.bareSameEncoding.frames === frameCount && r.vestige.frames === frameCount,
  ),
  // The PNGs hold the same pixels as bare ffmpeg's, and are the same bytes as bare ffmpeg's with the same encoding.
  identicalPngPixels: runs.every((r) => r.bare.samplePixels.join() === r.vestige.samplePixels.join()),
  identicalPngBytesWithSameEncoding: runs.every((r) => r.bareSameEncoding.sample.join() === r.vestige.sample.join()),
  ...headline,
  target: 1.1,
  met: headline.ratio <= 1.1,
  overheadAgainstSameEncoding: overhead,
  pngMegabytes: { bare: runs[0]!.bare.pngBytes / 1e6, vestige: runs[0]!.vestige.pngBytes / 1e6 },
  loadAverageAtEnd: load,
});
const summary = (x: typeof headline) =>
  `${x.ratio.toFixed(3)} wall, ${x.cpuRatio?.toFixed(3) ?? '?'} CPU; median of per-round ratios ${x.perRoundRatios.medianWall.toFixed(3)} wall${x.perRoundRatios.medianCpu ? `, ${x.perRoundRatios.medianCpu.toFixed(3)} CPU` : ''}`;
console.error(`against bare ffmpeg (target ≤ 1.10): ${summary(headline)}`);
console.error(`against bare ffmpeg with the same PNG encoding (Vestige's overhead): ${summary(overhead)} → ${path}`);
