import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOctree, decodePotreeNode, detectSceneFormat, lasRecordSource, potreeNodes, writeLas, type OctreeBuildResult, type PointChunk } from '@vestige/scene';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';
import { FIXTURES, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

async function* room(points: number, seed = 7): AsyncGenerator<PointChunk> {
  yield* syntheticRoom({ points, seed, chunkPoints: 50_000, origin: [512000, 5400000, 31] });
}

async function build(points: AsyncIterable<PointChunk>, options: Partial<Parameters<typeof buildOctree>[1]> = {}): Promise<OctreeBuildResult> {
  const workDir = join(tmp.dir, `build-${n++}`);
  mkdirSync(workDir);
  return buildOctree(points, { workDir, ...options });
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('streaming octree builder', () => {
  it('splits into chunks on worker threads; the hierarchy walk sums exactly to the input count', async () => {
    const r = await build(room(150_000), { maxChunkPoints: 20_000, maxLeafPoints: 800, workers: 2 });
    expect(r.stats.chunks).toBeGreaterThan(4);
    const nodes = potreeNodes(r.metadata, readFileSync(r.hierarchyPath));
    expect(nodes.length).toBe(r.nodes);
    expect(nodes.reduce((s, x) => s + x.numPoints, 0)).toBe(150_000);
    expect(r.metadata.points).toBe(150_000);
    expect(r.metadata.hierarchy.depth).toBeGreaterThanOrEqual(4); // more than one hierarchy chunk: proxies are followed
    expect(readFileSync(r.hierarchyPath).length).toBeGreaterThan(r.metadata.hierarchy.firstChunkSize);
    // every node's records lie inside octree.bin and inside the node's box
    const octree = readFileSync(r.octreePath);
    expect(nodes.reduce((s, x) => s + x.byteSize, 0)).toBe(octree.length);
    const bb = r.metadata.boundingBox;
    let outside = 0;
    for (const node of nodes) {
      const pts = decodePotreeNode(r.metadata, octree, node);
      for (let i = 0; i < pts.count * 3; i++) {
        const k = i % 3;
        if (pts.positions[i]! < bb.min[k]! - 1e-6 || pts.positions[i]! > bb.max[k]! + 1e-6) outside++;
      }
    }
    expect(outside).toBe(0);
    // coarse levels are a faithful spread: the root holds points from floor, walls, table and box
    const root = decodePotreeNode(r.metadata, octree, nodes[0]!);
    expect(new Set(root.classification).size).toBe(4);
  });

  it('is deterministic: the same input gives the same bytes whatever the worker count', async () => {
    const a = await build(room(60_000, 3), { maxChunkPoints: 15_000, maxLeafPoints: 2_000, workers: 2 });
    const b = await build(room(60_000, 3), { maxChunkPoints: 15_000, maxLeafPoints: 2_000, workers: 1 });
    expect(sha(a.octreePath)).toBe(sha(b.octreePath));
    expect(sha(a.hierarchyPath)).toBe(sha(b.hierarchyPath));
    expect(sha(a.metadataPath)).toBe(sha(b.metadataPath));
  });

  it('builds fixtures straight from their importers (LAZ, E57) with exact counts', async () => {
    for (const [file, count] of [['las/plane.laz', 28185], ['e57/bunnyInt32.e57', 30571]] as const) {
      const path = join(FIXTURES, file);
      const fmt = await detectSceneFormat(path);
      const points = (async function* () {
        for await (const c of fmt.read(path)) if (c.kind === 'points') yield c;
      })();
      const r = await build(points, { maxLeafPoints: 2_000, maxChunkPoints: 10_000 });
      expect(potreeNodes(r.metadata, readFileSync(r.hierarchyPath)).reduce((s, x) => s + x.numPoints, 0)).toBe(count);
    }
  });

  it('parallel LAS reading on workers gives the same bytes as the importer stream', async () => {
    const las = join(tmp.dir, 'room.las');
    await writeLas(las, syntheticRoom({ points: 80_000, seed: 5, chunkPoints: 20_000, origin: [512000, 5400000, 31] }), { scale: 0.001 });
    const fmt = await detectSceneFormat(las);
    const header = await fmt.header(las);
    const serial = await build(
      (async function* () {
        for await (const c of fmt.read(las, { chunkPoints: 7_000 })) if (c.kind === 'points') yield c;
      })(),
      { statedBounds: header.bounds!, maxLeafPoints: 3_000, workers: 2 },
    );
    const parallel = await build((async function* () {})(), { statedBounds: header.bounds!, lasSources: [await lasRecordSource(las)], maxLeafPoints: 3_000, workers: 2 });
    expect(parallel.points).toBe(80_000);
    expect(sha(parallel.octreePath)).toBe(sha(serial.octreePath));
    expect(sha(parallel.hierarchyPath)).toBe(sha(serial.hierarchyPath));
    expect(sha(parallel.metadataPath)).toBe(sha(serial.metadataPath));

    // A header whose bounds are too small (real files have them): the stated cube is dropped, the
    // points counted again over their true extent, and every point is still kept.
    const { readFileSync: read, writeFileSync: write } = await import('node:fs');
    const lying = join(tmp.dir, 'lying.las');
    const bytes = Buffer.from(read(las));
    bytes.writeDoubleLE(bytes.readDoubleLE(179) - 2, 179); // max x two metres short
    write(lying, bytes);
    const stated = (await (await detectSceneFormat(lying)).header(lying)).bounds!;
    const fallback = await build((async function* () {})(), { statedBounds: stated, lasSources: [await lasRecordSource(lying)], maxLeafPoints: 3_000, workers: 2 });
    expect(potreeNodes(fallback.metadata, readFileSync(fallback.hierarchyPath)).reduce((n, x) => n + x.numPoints, 0)).toBe(80_000);
    expect(fallback.metadata.boundingBox.max[0]).toBeGreaterThanOrEqual(fallback.bounds.max[0]);
  });

  it('writes an empty octree for no points', async () => {
    const r = await build((async function* () {})());
    expect(r.points).toBe(0);
    expect(potreeNodes(r.metadata, readFileSync(r.hierarchyPath))).toEqual([{ name: 'r', numPoints: 0, byteOffset: 0, byteSize: 0, childMask: 0 }]);
  });
});
