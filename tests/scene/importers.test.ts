import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVestigeError } from '@vestige/evidence';
import { detectSceneFormat, type MeshChunk, type ViewpointChunk } from '@vestige/scene';
import { FIXTURES, importAll } from './helpers.ts';

interface Expected {
  file: string;
  format: string;
  points: number;
  min?: number[];
  max?: number[];
  attrs: { rgb: boolean; intensity: boolean; classification: boolean };
  tol?: number;
}

// Bounds come from the files' own headers (LAS), XML cartesianBounds (E57 bunny), the prototype
// limits (E57 cubes) or the text itself (PTS) — not from our reader.
const LAS_SIMPLE = { min: [635619.85, 848899.7, 406.59], max: [638982.55, 853535.43, 586.38] };
const LAS_14 = {
  min: [1694038.4456374517, 1816492.7062700584, 5592.7499174683535],
  max: [1694539.677014474, 1816497.9762624602, 5599.069686751426],
};
const BUNNY = { min: [-0.094689, 0.040011, -0.061873], max: [0.061009, 0.187321, 0.058799] };
const CUBE = { min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5] };
const all3 = { rgb: true, intensity: true, classification: true };
const none = { rgb: false, intensity: false, classification: false };

const TABLE: Expected[] = [
  { file: 'las/simple.las', format: 'las', points: 1065, ...LAS_SIMPLE, attrs: all3 },
  { file: 'las/extrabytes.las', format: 'las', points: 1065, ...LAS_SIMPLE, attrs: all3 },
  {
    file: 'las/test1_4.las',
    format: 'las',
    points: 1000,
    ...LAS_14,
    attrs: { rgb: false, intensity: true, classification: true },
  },
  { file: 'las/simple.laz', format: 'laz', points: 1065, ...LAS_SIMPLE, attrs: all3 },
  {
    file: 'las/1_4_w_evlr.laz',
    format: 'laz',
    points: 1000,
    ...LAS_14,
    attrs: { rgb: false, intensity: true, classification: true },
  },
  {
    file: 'las/plane.laz',
    format: 'laz',
    points: 28185,
    min: [1423214.52, 4189096.63, 67.86],
    max: [1423216.76, 4189098.6, 67.9],
    attrs: all3,
  },
  { file: 'las/simple.copc.laz', format: 'copc', points: 1065, ...LAS_SIMPLE, attrs: all3 },
  { file: 'las/simple_with_page.copc.laz', format: 'copc', points: 1065, ...LAS_SIMPLE, attrs: all3 },
  { file: 'e57/bunnyDouble.e57', format: 'e57', points: 30571, ...BUNNY, attrs: none, tol: 1e-6 },
  { file: 'e57/bunnyInt32.e57', format: 'e57', points: 30571, ...BUNNY, attrs: none, tol: 1e-6 },
  {
    file: 'e57/ColouredCubeDouble.e57',
    format: 'e57',
    points: 7680,
    ...CUBE,
    attrs: { rgb: true, intensity: false, classification: false },
  },
  {
    file: 'e57/ColouredCubeFloat.e57',
    format: 'e57',
    points: 7680,
    ...CUBE,
    attrs: { rgb: true, intensity: false, classification: false },
  },
  { file: 'e57/empty.e57', format: 'e57', points: 0, attrs: none },
  { file: 'e57/ZeroPoints.e57', format: 'e57', points: 0, attrs: none },
  { file: 'e57/PinholeImageWithDistortionParameters.e57', format: 'e57', points: 0, attrs: none },
  {
    file: 'pts/test.pts',
    format: 'pts',
    points: 19,
    min: [-25.050461, -24.533554, -2.000961],
    max: [3.980972, -2.006119, -0.010086],
    attrs: { rgb: true, intensity: true, classification: false },
  },
  // The header says 8; the file holds 9 points, and all 9 are real.
  {
    file: 'pts/bunny_8.pts',
    format: 'pts',
    points: 9,
    min: [-0.068009, 0.112568, 0.001795],
    max: [0.033213, 0.151244, 0.037195],
    attrs: none,
  },
];

describe('importers read every shared 3D fixture', () => {
  for (const t of TABLE) {
    it(`${t.file}: ${t.points} points`, async () => {
      const path = join(FIXTURES, t.file);
      const s = await importAll(path, 4096);
      expect(s.format).toBe(t.format);
      expect(s.points).toBe(t.points);
      if (t.min && t.max) {
        const tol = t.tol ?? 1e-6;
        for (let k = 0; k < 3; k++) {
          expect(Math.abs(s.min[k]! - t.min[k]!)).toBeLessThanOrEqual(tol);
          expect(Math.abs(s.max[k]! - t.max[k]!)).toBeLessThanOrEqual(tol);
        }
      }
      if (t.points > 0) {
        expect({ rgb: s.rgb, intensity: s.intensity, classification: s.classification }).toEqual(t.attrs);
      }
    });
  }

  it('header counts match what is read (LAS family) and PTS reports its wrong header count', async () => {
    for (const f of ['las/simple.las', 'las/simple.laz', 'las/simple.copc.laz', 'e57/bunnyInt32.e57']) {
      const path = join(FIXTURES, f);
      const fmt = await detectSceneFormat(path);
      const header = await fmt.header(path);
      expect(header.points).toBe((await importAll(path)).points);
    }
    const pts = await (await detectSceneFormat(join(FIXTURES, 'pts/bunny_8.pts'))).header(
      join(FIXTURES, 'pts/bunny_8.pts'),
    );
    expect(pts.points).toBe(8);
  });

  it('LAS extra bytes are described and skipped over', async () => {
    const path = join(FIXTURES, 'las/extrabytes.las');
    const header = await (await detectSceneFormat(path)).header(path);
    expect(header.details.extraBytes).toEqual(['Colors', 'Reserved', 'Flags', 'Intensity', 'Time']);
    expect(header.details.recordLength).toBe(61);
    // Same points as simple.las, despite the longer records.
    const a = await importAll(path);
    const b = await importAll(join(FIXTURES, 'las/simple.las'));
    const pa = a.chunks[0]!.kind === 'points' ? a.chunks[0]!.positions : undefined;
    const pb = b.chunks[0]!.kind === 'points' ? b.chunks[0]!.positions : undefined;
    expect(pa).toEqual(pb);
  });

  it('E57 colours are scaled to 16 bits and the pinhole images become viewpoints', async () => {
    const cube = await importAll(join(FIXTURES, 'e57/ColouredCubeFloat.e57'));
    const c = cube.chunks[0]!;
    expect(c.kind).toBe('points');
    if (c.kind === 'points') expect(Math.max(...c.rgb!)).toBe(65535);
    const pin = await importAll(join(FIXTURES, 'e57/PinholeImageWithDistortionParameters.e57'));
    const views = pin.chunks.filter((x): x is ViewpointChunk => x.kind === 'viewpoint');
    expect(views.length).toBe(3);
    expect(views[0]!.name).toBe('JPEG Image Test 1');
  });

  it('bad-crc.e57 fails with a clean, typed checksum error', async () => {
    const err = await importAll(join(FIXTURES, 'e57/bad-crc.e57')).catch((e: unknown) => e);
    expect(isVestigeError(err, 'E_INPUT_CORRUPT')).toBe(true);
    expect((err as Error).message).toMatch(/checksum/);
    expect((err as { file?: string }).file).toMatch(/bad-crc\.e57$/);
  });

  it('reads every glTF fixture as a mesh and keeps the .glb bytes', async () => {
    const expected: Record<string, [number, number]> = { 'house1-1.glb': [828, 340], 'tree-lime-2-0.glb': [2647, 919] };
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(join(FIXTURES, 'gltf')).filter((f) => f.endsWith('.glb'));
    expect(files.length).toBe(20);
    for (const f of files) {
      const s = await importAll(join(FIXTURES, 'gltf', f));
      expect(s.format).toBe('gltf');
      const meshes = s.chunks.filter((x): x is MeshChunk => x.kind === 'mesh');
      expect(meshes.length).toBe(1);
      const m = meshes[0]!;
      expect(m.positions.length).toBeGreaterThan(0);
      expect(m.indices.length % 3).toBe(0);
      expect(Buffer.from(m.glb!).equals(readFileSync(join(FIXTURES, 'gltf', f)))).toBe(true);
      if (expected[f]) expect([m.positions.length / 3, m.indices.length / 3]).toEqual(expected[f]);
    }
  });
});
