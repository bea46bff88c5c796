/**
 * Child process of the octree memory test: builds the synthetic room of N points in chunks of 10 000
 * (leaves, so every point is a chunk root and the merge starts from all of them) and prints the points,
 * chunks and the process's peak resident memory (VmHWM, worker threads included) as JSON. Run in its own
 * process so the peak belongs to this build alone.
 * Usage: node --expose-gc --import tsx tests/scene/octree-peak-memory.ts POINTS WORKDIR
 */
import { readFileSync } from 'node:fs';
import { buildOctree, type PointChunk } from '@vestige/scene';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';

const [points, workDir] = [Number(process.argv[2]), process.argv[3]!];
async function* room(): AsyncGenerator<PointChunk> {
  for await (const chunk of syntheticRoom({ points, seed: 4, chunkPoints: 50_000, origin: [512000, 5400000, 31] })) {
    yield chunk;
    // The importer's chunks are input, not build state: collected as they go, so the peak shows the build.
    (globalThis as { gc?: () => void }).gc?.();
  }
}
const result = await buildOctree(room(), { workDir, workers: 2, maxChunkPoints: 10_000 });
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
console.log(JSON.stringify({ points: result.points, chunks: result.stats.chunks, peakRssBytes: peak }));
