import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PointChunk } from '@vestige/scene';
import { writeE57 } from '../../samples/scene/e57-writer.ts';
import { importAll, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('E57 reader: bit packing, spherical coordinates, intensity, several posed scans', () => {
  it('reads 13-bit scaled integers across packets, applies the pose, skips invalid spherical points', async () => {
    const n = 500;
    const xs = Array.from({ length: n }, (_, i) => ((i * 37) % 8001) - 4000); // raw, scale 0.001 → ±4 m
    const ys = Array.from({ length: n }, (_, i) => ((i * 91) % 8001) - 4000);
    const zs = Array.from({ length: n }, (_, i) => (i * 13) % 3001);
    const inten = Array.from({ length: n }, (_, i) => (i * 7) % 2048);
    const red = Array.from({ length: n }, (_, i) => i % 256);
    const m = 300;
    const range = Array.from({ length: m }, (_, i) => 1 + i / 100);
    const az = Array.from({ length: m }, (_, i) => (i / m) * 2 * Math.PI - Math.PI);
    const el = Array.from({ length: m }, (_, i) => (i % 100) - 50); // raw, scale 0.01 rad
    const invalid = Array.from({ length: m }, (_, i) => (i % 10 === 0 ? 2 : 0));
    const path = join(tmp.dir, 'scans.e57');
    const q = [Math.cos(Math.PI / 4), 0, 0, Math.sin(Math.PI / 4)] as [number, number, number, number]; // 90° about Z
    writeE57(path, [
      {
        name: 'cartesian',
        fields: [
          { name: 'cartesianX', type: 'ScaledInteger', minimum: -4000, maximum: 4000, scale: 0.001 },
          { name: 'cartesianY', type: 'ScaledInteger', minimum: -4000, maximum: 4000, scale: 0.001 },
          { name: 'cartesianZ', type: 'ScaledInteger', minimum: 0, maximum: 3000, scale: 0.001 },
          { name: 'intensity', type: 'Integer', minimum: 0, maximum: 2047 },
          { name: 'colorRed', type: 'Integer', minimum: 0, maximum: 255 },
          { name: 'colorGreen', type: 'Integer', minimum: 0, maximum: 255 },
          { name: 'colorBlue', type: 'Integer', minimum: 0, maximum: 255 },
        ],
        columns: [xs, ys, zs, inten, red, red, red],
        pose: { rotation: q, translation: [10, 20, 30] },
        intensityLimits: [0, 2047],
        colorLimits: [0, 255],
      },
      {
        name: 'spherical',
        fields: [
          { name: 'sphericalRange', type: 'Float', precision: 'single' },
          { name: 'sphericalAzimuth', type: 'Float', precision: 'double' },
          { name: 'sphericalElevation', type: 'ScaledInteger', minimum: -50, maximum: 49, scale: 0.01 },
          { name: 'sphericalInvalidState', type: 'Integer', minimum: 0, maximum: 2 },
        ],
        columns: [range, az, el, invalid],
      },
    ]);
    const s = await importAll(path, 128);
    expect(s.points).toBe(n + m - m / 10);
    const all = s.chunks.filter((c): c is PointChunk => c.kind === 'points');
    const first = all[0]!;
    // pose: (x, y, z) → (−y, x, z) + (10, 20, 30)
    for (const i of [0, 1, 77, 127]) {
      expect(first.positions[i * 3]!).toBeCloseTo(-ys[i]! * 0.001 + 10, 9);
      expect(first.positions[i * 3 + 1]!).toBeCloseTo(xs[i]! * 0.001 + 20, 9);
      expect(first.positions[i * 3 + 2]!).toBeCloseTo(zs[i]! * 0.001 + 30, 9);
      expect(first.intensity![i]!).toBe(Math.round((inten[i]! / 2047) * 65535));
      expect(first.rgb![i * 3]!).toBe(red[i]! * 257);
    }
    // the spherical scan: first valid record is i = 1
    const flat: number[] = [];
    for (const c of all) for (let i = 0; i < c.count * 3; i++) flat.push(c.positions[i]!);
    const j = n; // first point of the second scan
    const i = 1;
    const r = Math.fround(range[i]!);
    const e = el[i]! * 0.01;
    expect(flat[j * 3]!).toBeCloseTo(r * Math.cos(e) * Math.cos(az[i]!), 6);
    expect(flat[j * 3 + 1]!).toBeCloseTo(r * Math.cos(e) * Math.sin(az[i]!), 6);
    expect(flat[j * 3 + 2]!).toBeCloseTo(r * Math.sin(e), 6);
  });
});
