/**
 * One timed octree build in its own process, for `pnpm bench scene` and `pnpm bench scene-200m`: the
 * seeded inputs (LAS, and its LAZ made by LASzip's las2laz), Vestige's build (vestige-build.ts) and
 * PotreeConverter's, each with its peak memory taken two ways: the process's own high-water mark (VmHWM
 * for Vestige, GNU time's maximum resident set for the peer) and the summed resident set of the whole
 * process tree (the process and every descendant), sampled from /proc every 200 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { benchWorkDir, repoRoot } from '../support.ts';

export interface Run {
  tool: string;
  input: 'las' | 'laz';
  points: number;
  seconds: number;
  processSeconds: number;
  pointsPerSecond: number;
  peakRssBytes: number | null;
  /** Peak of the summed resident set of the process and all its descendants (sampled every 200 ms). */
  treePeakRssBytes: number;
  cpuSeconds?: number;
  phases?: VestigePhases;
  /** Vestige: the sampled resident set's peak within each phase (phase boundaries from the build's own clock). */
  phasePeakRssBytes?: Record<string, number>;
  /** Vestige, LAZ input: LAZ chunks the build decoded, beside the chunks the file holds (once each). */
  lazChunksDecoded?: number;
  nodes?: number;
}

interface VestigePhases {
  wallSeconds: Record<string, number>;
  cpuSeconds: Record<string, number>;
  chunks: number;
}

export const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Another bench process writing `path` (its `.part` grew within the last minute): waits for it to finish
 * instead of writing the same file twice.
 */
function awaitOtherWriter(path: string): void {
  const part = path + '.part';
  const fresh = (): boolean => fs.existsSync(part) && Date.now() - fs.statSync(part).mtimeMs < 60_000;
  if (!fresh()) return;
  console.error(`waiting for another process to finish ${path} …`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(path) && fresh()) Atomics.wait(pause, 0, 0, 5000);
}

/** The seeded room scan of `points` points in bench/work, generated once (streamed: bounded memory). */
export function ensureLas(points: number): string {
  const las = join(benchWorkDir, `scene-room-${points}.las`);
  awaitOtherWriter(las);
  if (fs.existsSync(las)) return las;
  console.error(`generating ${las} …`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'scene.ts'), '--points', String(points), '--generate', las + '.part'],
    { stdio: 'inherit', cwd: repoRoot },
  );
  if (r.status !== 0) throw new Error('generation failed');
  fs.renameSync(las + '.part', las);
  return las;
}

/** Its LAZ, compressed by LASzip (las2laz), or undefined without the encoder. */
export function ensureLaz(las: string, las2laz: string | undefined): string | undefined {
  const laz = las.replace(/\.las$/, '.laz');
  awaitOtherWriter(laz);
  if (fs.existsSync(laz)) return laz;
  if (!las2laz) return undefined;
  console.error(`compressing ${laz} with LASzip …`);
  const r = spawnSync(las2laz, [las, laz + '.part'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('LAZ compression failed');
  fs.renameSync(laz + '.part', laz);
  return laz;
}

/** Reads a file once so every run finds it in the page cache. */
export function warm(path: string): void {
  const fd = fs.openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // gone between the listing and the read
  }
}

function descendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/))
          if (c) out.push(Number(c));
      } catch {
        // the task ended
      }
    }
  }
  return out;
}

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peak: number;
  samples: { at: number; rss: number }[];
}

/** Runs a command, sampling its process tree's resident set every 200 ms. */
function runSampled(cmd: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1 << 20)));
    const samples: { at: number; rss: number }[] = [];
    let peak = 0;
    const sample = (): void => {
      if (child.pid === undefined) return;
      const rss = descendants(child.pid).reduce((n, p) => n + rssOf(p), 0);
      peak = Math.max(peak, rss);
      samples.push({ at: Date.now(), rss });
    };
    const timer = setInterval(sample, 200);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearInterval(timer);
      resolve({ status, stdout, stderr, seconds: Number(process.hrtime.bigint() - t) / 1e9, peak, samples });
    });
  });
}

/** Each phase's peak of the sampled resident set: phases follow one another from `startedAtMs`. */
function phasePeaks(
  samples: { at: number; rss: number }[],
  startedAtMs: number,
  wallSeconds: Record<string, number>,
): Record<string, number> {
  const peaks: Record<string, number> = {};
  let from = startedAtMs;
  for (const [phase, s] of Object.entries(wallSeconds)) {
    const to = from + s * 1000;
    peaks[phase] = samples.filter((x) => x.at >= from && x.at < to).reduce((m, x) => Math.max(m, x.rss), 0);
    from = to;
  }
  return peaks;
}

export interface VestigeRunOptions {
  path: string;
  input: 'las' | 'laz';
  points: number;
  sampling?: 'grid' | 'poisson' /** Keep the octree here (for the viewer check) instead of removing it. */;
  keepDir?: string;
}

export async function runVestige(o: VestigeRunOptions): Promise<Run> {
  const sampling = o.sampling ?? 'grid';
  const workDir = fs.mkdtempSync(join(benchWorkDir, 'scene-build-'));
  let r: Finished;
  try {
    r = await runSampled(process.execPath, [
      '--import',
      'tsx',
      join(repoRoot, 'bench', 'scene', 'vestige-build.ts'),
      o.path,
      workDir,
      sampling,
    ]);
    if (r.status === 0 && o.keepDir) {
      fs.rmSync(o.keepDir, { recursive: true, force: true });
      fs.renameSync(workDir, o.keepDir);
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  if (r.status !== 0) throw new Error(`Vestige ${sampling} build of ${o.path} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    points: number;
    nodes: number;
    seconds: number;
    cpuSeconds: number;
    peakRssBytes: number;
    startedAtMs: number;
    phases: VestigePhases;
    lazChunksDecoded?: number;
  };
  if (out.points !== o.points) throw new Error(`Vestige built ${out.points} points of ${o.points}`);
  return {
    tool: `vestige-${sampling}`,
    input: o.input,
    points: o.points,
    seconds: out.seconds,
    processSeconds: r.seconds,
    pointsPerSecond: Math.round(o.points / out.seconds),
    peakRssBytes: out.peakRssBytes,
    treePeakRssBytes: r.peak,
    cpuSeconds: out.cpuSeconds,
    phases: out.phases,
    phasePeakRssBytes: phasePeaks(r.samples, out.startedAtMs, out.phases.wallSeconds),
    ...(out.lazChunksDecoded === undefined ? {} : { lazChunksDecoded: out.lazChunksDecoded }),
    nodes: out.nodes,
  };
}

export async function runPotree(o: {
  binary: string;
  method: 'random' | 'poisson';
  path: string;
  input: 'las' | 'laz';
  points: number;
}): Promise<Run> {
  const outDir = join(benchWorkDir, `potree-${o.method}-${o.input}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const args = [o.path, '-o', outDir, '-m', o.method];
  try {
    const r = GNU_TIME
      ? await runSampled(GNU_TIME, ['-f', 'maxrss_kb=%M', o.binary, ...args])
      : await runSampled(o.binary, args);
    if (r.status !== 0) throw new Error(`PotreeConverter -m ${o.method} failed: ${r.stdout.slice(-4000)}${r.stderr}`);
    const rss = /maxrss_kb=(\d+)/.exec(r.stderr);
    const written = fs.existsSync(join(outDir, 'octree.bin')) ? fs.statSync(join(outDir, 'octree.bin')).size : 0;
    if (written === 0) throw new Error(`PotreeConverter -m ${o.method} wrote no octree.bin`);
    return {
      tool: `potree-${o.method}`,
      input: o.input,
      points: o.points,
      seconds: r.seconds,
      processSeconds: r.seconds,
      pointsPerSecond: Math.round(o.points / r.seconds),
      peakRssBytes: rss ? Number(rss[1]) * 1024 : null,
      treePeakRssBytes: r.peak,
    };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

export const mib = (bytes: number | null): string => (bytes === null ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
