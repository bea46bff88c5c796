/**
 * One Vestige octree build of one input, in its own process (so its peak memory is its own), as
 * `vestige scene build` runs it: uncompressed LAS through worker threads that read slices of the file;
 * LAZ chunks decoded once on worker threads into a spill of raw records. Prints one JSON
 * line: wall and CPU seconds from opening the input to the last byte written, phases, peak RSS, when it
 * started (for the bench's per-phase memory) and the LAZ chunks decoded.
 * Usage: node --import tsx bench/scene/vestige-build.ts INPUT WORKDIR [grid|poisson]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { buildOctree, detectSceneFormat, lasRecordSource, lazRecordSource, type PointChunk } from '@vestige/scene';

const [input, workDir, sampling = 'grid'] = process.argv.slice(2) as [string, string, 'grid' | 'poisson' | undefined];
const workers = availableParallelism();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const startedAtMs = Date.now();
const format = await detectSceneFormat(input);
const header = await format.header(input);
async function* points(): AsyncGenerator<PointChunk> {
  for await (const c of format.read(input, { workers })) if (c.kind === 'points') yield c;
}
const result = await buildOctree(points(), {
  workDir,
  workers,
  statedBounds: header.bounds!,
  sampling,
  lasSources: [format.id === 'las' ? await lasRecordSource(input) : (await lazRecordSource(input))!],
});
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
console.log(
  JSON.stringify({
    format: format.id,
    points: result.points,
    nodes: result.nodes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: peak,
    startedAtMs,
    lazChunksDecoded: result.stats.lazChunksDecoded,
    phases: { wallSeconds: result.stats.seconds, cpuSeconds: result.stats.cpuSeconds, chunks: result.stats.chunks },
  }),
);
