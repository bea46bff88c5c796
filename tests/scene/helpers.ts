import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseStore } from '@vestige/evidence';
import { detectSceneFormat, type PointChunk, type SceneChunk } from '@vestige/scene';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', '3d');

export function tempDir(prefix = 'vestige-scene-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function newCase(dir: string): CaseStore {
  return CaseStore.init(join(dir, 'case'), { operator: 'test operator', name: 'scene tests' });
}

export interface Summary {
  format: string;
  points: number;
  min: number[];
  max: number[];
  rgb: boolean;
  intensity: boolean;
  classification: boolean;
  normals: boolean;
  chunks: SceneChunk[];
}

/** Reads a whole file through its importer (small files only) and summarises it. */
export async function importAll(path: string, chunkPoints?: number): Promise<Summary> {
  const format = await detectSceneFormat(path);
  const s: Summary = {
    format: format.id,
    points: 0,
    min: [Infinity, Infinity, Infinity],
    max: [-Infinity, -Infinity, -Infinity],
    rgb: false,
    intensity: false,
    classification: false,
    normals: false,
    chunks: [],
  };
  for await (const chunk of format.read(path, chunkPoints ? { chunkPoints } : {})) {
    s.chunks.push(chunk);
    if (chunk.kind !== 'points') continue;
    const c: PointChunk = chunk;
    s.points += c.count;
    s.rgb ||= !!c.rgb;
    s.intensity ||= !!c.intensity;
    s.classification ||= !!c.classification;
    s.normals ||= !!c.normals;
    for (let i = 0; i < c.count; i++) {
      for (let k = 0; k < 3; k++) {
        const v = c.positions[i * 3 + k]!;
        if (v < s.min[k]!) s.min[k] = v;
        if (v > s.max[k]!) s.max[k] = v;
      }
    }
  }
  return s;
}
