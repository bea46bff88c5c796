import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildOctree,
  decodePotreeNode,
  detectSceneFormat,
  lasRecordSource,
  potreeNodes,
  writeLas,
  type OctreeBuildResult,
  type PointChunk,
} from '@vestige/scene';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';
import { FIXTURES, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

async function* room(points: number, seed = 7): AsyncGenerator<PointChunk> {
  yield* syntheticRoom({ points, seed, chunkPoints: 50_000, origin: [512000, 5400000, 31] });
}

async function build(
  points: AsyncIterable<PointChunk>,
  options: Partial<Parameters<typeof buildOctree>[1]> = {},
): Promise<OctreeBuildResult> {
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
    for (const [file, count] of [
      ['las/plane.laz', 28185],
      ['e57/bunnyInt32.e57', 30571],
    ] as const) {
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
    await writeLas(
      las,
      syntheticRoom({ points: 80_000, seed: 5, chunkPoints: 20_000, origin: [512000, 5400000, 31] }),
      { scale: 0.001 },
    );
    const fmt = await detectSceneFormat(las);
    const header = await fmt.header(las);
    const source = await lasRecordSource(las);
    const serial = await build(
      (async function* () {
        for await (const c of fmt.read(las, { chunkPoints: 7_000 })) if (c.kind === 'points') yield c;
      })(),
      {
        statedBounds: header.bounds!,
        integerGrid: { scale: source.scale[0], offset: source.offset },
        maxLeafPoints: 3_000,
        workers: 2,
      },
    );
    const parallel = await build((async function* () {})(), {
      statedBounds: header.bounds!,
      lasSources: [await lasRecordSource(las)],
      maxLeafPoints: 3_000,
      workers: 2,
    });
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
    const fallback = await build((async function* () {})(), {
      statedBounds: stated,
      lasSources: [await lasRecordSource(lying)],
      maxLeafPoints: 3_000,
      workers: 2,
    });
    expect(
      potreeNodes(fallback.metadata, readFileSync(fallback.hierarchyPath)).reduce((n, x) => n + x.numPoints, 0),
    ).toBe(80_000);
    expect(fallback.metadata.boundingBox.max[0]).toBeGreaterThanOrEqual(fallback.bounds.max[0]);
  });

  /** Every point as `x y z r g b intensity class` on the file's own integer grid. */
  function pointKeys(chunk: PointChunk, scale: number, into: Map<string, number>): void {
    for (let i = 0; i < chunk.count; i++) {
      const p = [0, 1, 2].map((k) => Math.round(chunk.positions[i * 3 + k]! / scale));
      const key = `${p.join(' ')} ${chunk.rgb ? [0, 1, 2].map((k) => chunk.rgb![i * 3 + k]).join(' ') : '-'} ${chunk.intensity?.[i] ?? '-'} ${chunk.classification?.[i] ?? '-'}`;
      into.set(key, (into.get(key) ?? 0) + 1);
    }
  }

  for (const sampling of ['grid', 'poisson'] as const) {
    it(`${sampling} sampling keeps every input point exactly once: the octree's points are the input's, as a multiset`, async () => {
      const las = join(tmp.dir, `multiset-${sampling}.las`);
      // Duplicates included: the room's generator never repeats a point, so every 97th point is written twice.
      async function* withDuplicates(): AsyncGenerator<PointChunk> {
        for (const c of syntheticRoom({
          points: 60_000,
          seed: 11,
          chunkPoints: 10_000,
          origin: [512000, 5400000, 31],
        })) {
          yield c;
          const pick = Array.from({ length: Math.floor(c.count / 97) }, (_, j) => j * 97);
          yield {
            kind: 'points',
            count: pick.length,
            positions: Float64Array.from(pick.flatMap((i) => [0, 1, 2].map((k) => c.positions[i * 3 + k]!))),
            rgb: Uint16Array.from(pick.flatMap((i) => [0, 1, 2].map((k) => c.rgb[i * 3 + k]!))),
            intensity: Uint16Array.from(pick.map((i) => c.intensity[i]!)),
            classification: Uint8Array.from(pick.map((i) => c.classification[i]!)),
          };
        }
      }
      await writeLas(las, withDuplicates(), { scale: 0.001 });
      const fmt = await detectSceneFormat(las);
      const input = new Map<string, number>();
      let count = 0;
      for await (const c of fmt.read(las)) if (c.kind === 'points') pointKeys(c, 0.001, input), (count += c.count);
      const r = await build((async function* () {})(), {
        statedBounds: (await fmt.header(las)).bounds!,
        lasSources: [await lasRecordSource(las)],
        maxLeafPoints: 1_500,
        maxChunkPoints: 12_000,
        sampling,
        workers: 2,
      });
      expect(r.sampling).toBe(sampling);
      expect(r.stats.chunks).toBeGreaterThan(3);
      const octree = readFileSync(r.octreePath);
      const output = new Map<string, number>();
      const nodes = potreeNodes(r.metadata, readFileSync(r.hierarchyPath));
      for (const node of nodes) pointKeys(decodePotreeNode(r.metadata, octree, node), 0.001, output);
      expect(nodes.reduce((n, x) => n + x.numPoints, 0)).toBe(count);
      expect(output.size).toBe(input.size);
      expect([...output].filter(([k, v]) => input.get(k) !== v)).toEqual([]);
    });
  }

  it('Poisson sampling: no two points of a node lie closer than its spacing, and the bytes do not depend on the thread count', async () => {
    const a = await build(room(50_000, 4), {
      maxChunkPoints: 12_000,
      maxLeafPoints: 1_000,
      sampling: 'poisson',
      workers: 2,
    });
    const b = await build(room(50_000, 4), {
      maxChunkPoints: 12_000,
      maxLeafPoints: 1_000,
      sampling: 'poisson',
      workers: 1,
    });
    expect(sha(a.octreePath)).toBe(sha(b.octreePath));
    expect(sha(a.hierarchyPath)).toBe(sha(b.hierarchyPath));
    const g = await build(room(50_000, 4), {
      maxChunkPoints: 12_000,
      maxLeafPoints: 1_000,
      sampling: 'grid',
      workers: 2,
    });
    expect(sha(g.octreePath)).not.toBe(sha(a.octreePath));
    const octree = readFileSync(a.octreePath);
    const nodes = potreeNodes(a.metadata, readFileSync(a.hierarchyPath));
    let checked = 0;
    for (const node of nodes.filter((n) => n.childMask !== 0)) {
      // A node that has children kept only points at least its spacing apart (leaves keep everything).
      const spacing = a.metadata.spacing / 2 ** (node.name.length - 1);
      const pts = decodePotreeNode(a.metadata, octree, node);
      const cells = new Map<string, number[]>();
      for (let i = 0; i < pts.count; i++) {
        const c = [0, 1, 2].map((k) => Math.floor(pts.positions[i * 3 + k]! / spacing));
        for (let dx = -1; dx <= 1; dx++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dz = -1; dz <= 1; dz++) {
              for (const j of cells.get(`${c[0]! + dx},${c[1]! + dy},${c[2]! + dz}`) ?? []) {
                const d = Math.hypot(...[0, 1, 2].map((k) => pts.positions[i * 3 + k]! - pts.positions[j * 3 + k]!));
                expect(d).toBeGreaterThanOrEqual(spacing * (1 - 1e-9));
              }
            }
        const key = c.join(',');
        cells.set(key, [...(cells.get(key) ?? []), i]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('writes an empty octree for no points', async () => {
    const r = await build((async function* () {})());
    expect(r.points).toBe(0);
    expect(potreeNodes(r.metadata, readFileSync(r.hierarchyPath))).toEqual([
      { name: 'r', numPoints: 0, byteOffset: 0, byteSize: 0, childMask: 0 },
    ]);
  });
});
