import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { MeshChunk, PointChunk, ViewpointChunk } from '@vestige/scene';
import { sampleColmapModel, writeColmap, writeObj, writePly, writeXyz } from '../../samples/scene/formats.ts';
import { importAll, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const N = 1000;
const positions = Array.from({ length: N * 3 }, (_, i) => 1000 + ((i * 7919) % 1013) / 100);
const rgb = Array.from({ length: N * 3 }, (_, i) => (i * 13) % 256);
const intensity = Array.from({ length: N }, (_, i) => (i * 65) % 65536);
const normals = Array.from({ length: N * 3 }, (_, i) => (i % 3 === 2 ? 1 : 0));

function firstPoints(chunks: { kind: string }[]): PointChunk {
  return chunks.find((c) => c.kind === 'points') as PointChunk;
}

describe('PLY', () => {
  for (const encoding of ['ascii', 'binary_little_endian', 'binary_big_endian'] as const) {
    it(`${encoding}: positions, colours, normals, intensity`, async () => {
      const path = join(tmp.dir, `cloud-${encoding}.ply`);
      writePly(path, { positions, rgb, intensity, normals }, { encoding });
      const s = await importAll(path, 300);
      expect(s.format).toBe('ply');
      expect(s.points).toBe(N);
      expect(s.chunks.length).toBe(4); // 300 + 300 + 300 + 100
      const c = firstPoints(s.chunks);
      expect(Array.from(c.positions.subarray(0, 6))).toEqual(positions.slice(0, 6));
      expect(Array.from(c.rgb!.subarray(0, 3))).toEqual(rgb.slice(0, 3).map((v) => v * 257));
      expect(Array.from(c.intensity!.subarray(0, 3))).toEqual(intensity.slice(0, 3));
      expect(Array.from(c.normals!.subarray(0, 3))).toEqual([0, 0, 1]);
    });
  }

  it('faces make a mesh (polygons fanned into triangles)', async () => {
    const path = join(tmp.dir, 'quad.ply');
    writePly(
      path,
      { positions: [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 0.5, 1] },
      {
        encoding: 'binary_little_endian',
        faces: [
          [0, 1, 2, 3],
          [0, 1, 4],
        ],
      },
    );
    const s = await importAll(path);
    const mesh = s.chunks.find((c): c is MeshChunk => c.kind === 'mesh')!;
    expect(mesh.positions.length).toBe(15);
    expect(Array.from(mesh.indices)).toEqual([0, 1, 2, 0, 2, 3, 0, 1, 4]);
    expect(s.points).toBe(0);
  });
});

describe('XYZ and OBJ', () => {
  it('XYZ with colour columns and a comment header', async () => {
    const path = join(tmp.dir, 'cloud.xyz');
    writeXyz(path, { positions, rgb });
    const s = await importAll(path);
    expect(s.points).toBe(N);
    expect(s.rgb).toBe(true);
    expect(s.min[0]).toBeCloseTo(Math.min(...positions.filter((_, i) => i % 3 === 0)), 9);
  });

  it('OBJ faces (1-based, negative indices)', async () => {
    const path = join(tmp.dir, 'tri.obj');
    writeFileSync(path, 'o t\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf -4/1/1 -3/2/2 -1/3/3\n');
    const s = await importAll(path);
    const mesh = s.chunks.find((c): c is MeshChunk => c.kind === 'mesh')!;
    expect(Array.from(mesh.indices)).toEqual([0, 1, 2, 0, 1, 3]);
    const path2 = join(tmp.dir, 'quad.obj');
    writeObj(path2, [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], [[0, 1, 2, 3]]);
    const q = (await importAll(path2)).chunks[0] as MeshChunk;
    expect(q.indices.length).toBe(6);
  });
});

describe('COLMAP sparse models', () => {
  for (const binary of [true, false]) {
    it(`${binary ? '.bin' : '.txt'}: points with colour, cameras as viewpoints`, async () => {
      const dir = join(tmp.dir, binary ? 'colmap-bin' : 'colmap-txt', 'sparse', '0');
      writeColmap(dir, sampleColmapModel(), binary);
      const s = await importAll(join(tmp.dir, binary ? 'colmap-bin' : 'colmap-txt'));
      expect(s.format).toBe('colmap');
      expect(s.points).toBe(50);
      expect(s.rgb).toBe(true);
      expect(s.min).toEqual([0, 0, 2]);
      const views = s.chunks.filter((c): c is ViewpointChunk => c.kind === 'viewpoint');
      expect(views.map((v) => v.name)).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG']);
      // identity world-to-camera: camera at the origin, looking down +Z (three.js: rotated π about X)
      expect(views[0]!.position.map((v) => Math.abs(v) + 0)).toEqual([0, 0, 0]);
      expect(views[0]!.quaternion.map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([1, 0, 0, 0]);
      expect(views[0]!.intrinsics).toMatchObject({ model: 'PINHOLE', fx: 500, fy: 500, cx: 320, cy: 240 });
      expect(views[1]!.position.map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([1, 0, 0]);
      expect(views[1]!.intrinsics).toMatchObject({ model: 'SIMPLE_RADIAL', fx: 510, fy: 510, distortion: [0.01] });
    });
  }
});
