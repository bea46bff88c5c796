import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writePotreeInMemory } from './memory.ts';
import { potreeNodes, decodePotreeNode } from '../core/potree/decode.ts';

function cloud(
  n: number,
  seed = 1,
): { positions: Float64Array; rgb: Uint8Array; intensity: Uint16Array; classification: Uint8Array } {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const positions = new Float64Array(n * 3);
  const rgb = new Uint8Array(n * 3);
  const intensity = new Uint16Array(n);
  const classification = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // a floor and a wall, in UTM-sized coordinates
    const onFloor = rnd() < 0.6;
    positions[i * 3] = 500000 + rnd() * 8;
    positions[i * 3 + 1] = 5700000 + (onFloor ? rnd() * 6 : 6);
    positions[i * 3 + 2] = 40 + (onFloor ? 0 : rnd() * 3);
    rgb[i * 3] = i % 256;
    rgb[i * 3 + 1] = 128;
    rgb[i * 3 + 2] = 255 - (i % 256);
    intensity[i] = i % 65536;
    classification[i] = onFloor ? 2 : 6;
  }
  return { positions, rgb, intensity, classification };
}

describe('writePotreeInMemory', () => {
  it('writes an octree whose hierarchy walk sums to the input count and whose points decode back', () => {
    const input = cloud(120_000);
    const files = writePotreeInMemory(input, { maxLeafPoints: 5000 });
    const nodes = potreeNodes(files.metadataJson, files.hierarchy);
    expect(nodes.length).toBe(files.nodes);
    expect(nodes.length).toBeGreaterThan(8);
    expect(nodes.reduce((n, node) => n + node.numPoints, 0)).toBe(120_000);
    expect(files.metadataJson.points).toBe(120_000);
    expect(files.metadataJson.attributes.map((a) => a.name)).toEqual([
      'position',
      'rgb',
      'intensity',
      'classification',
    ]);
    expect(files.octree.byteLength).toBe(120_000 * 21);
    // every decoded point lies inside its node's box and matches an input point within the quantum
    const seen = new Set<string>();
    const box = files.metadataJson.boundingBox;
    let classSum = 0;
    let outside = 0;
    for (const node of nodes) {
      const pts = decodePotreeNode(files.metadataJson, files.octree, node);
      for (let i = 0; i < pts.count; i++) {
        for (let k = 0; k < 3; k++) {
          const v = pts.positions[i * 3 + k]!;
          if (v < box.min[k]! - 1e-6 || v > box.max[k]! + 1e-6) outside++;
        }
        seen.add(`${pts.intensity![i]}:${pts.rgb![i * 3]}`);
        classSum += pts.classification![i]!;
      }
    }
    expect(outside).toBe(0);
    expect(seen.size).toBe(65536);
    expect(classSum).toBe(input.classification.reduce((a, b) => a + b, 0));
    // the root holds a spread of points, not a clump
    const root = decodePotreeNode(files.metadataJson, files.octree, nodes[0]!);
    expect(root.count).toBeGreaterThan(1000);
  });

  it('is deterministic', () => {
    const a = writePotreeInMemory(cloud(30_000, 7), { maxLeafPoints: 2000 });
    const b = writePotreeInMemory(cloud(30_000, 7), { maxLeafPoints: 2000 });
    const h = (x: Uint8Array): string => createHash('sha256').update(x).digest('hex');
    expect(h(a.octree)).toBe(h(b.octree));
    expect(h(a.hierarchy)).toBe(h(b.hierarchy));
    expect(h(a.metadata)).toBe(h(b.metadata));
  });

  it('writes an empty octree for no points', () => {
    const files = writePotreeInMemory({ positions: [] });
    const nodes = potreeNodes(files.metadataJson, files.hierarchy);
    expect(nodes).toEqual([{ name: 'r', numPoints: 0, byteOffset: 0, byteSize: 0, childMask: 0 }]);
  });
});
