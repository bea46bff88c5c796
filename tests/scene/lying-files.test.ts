/**
 * 3D files that say one thing and hold another: each is refused (or, where the declared part can still be
 * read, read as declared with a warning that gives the counts), always naming the file.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSceneFormat, type SceneChunk, type SceneReadOptions } from '@vestige/scene';
import { writePly, writeXyz } from '@vestige/samples/scene/formats.ts';
import { FIXTURES, tempDir } from './helpers.ts';

type SceneReadWarning = Parameters<NonNullable<SceneReadOptions['onWarning']>>[0];

const tmp = tempDir('vestige-lying-');
afterAll(() => tmp.cleanup());

async function readAll(path: string): Promise<{ points: number; warnings: SceneReadWarning[] }> {
  const format = await detectSceneFormat(path);
  const warnings: SceneReadWarning[] = [];
  let points = 0;
  for await (const chunk of format.read(path, { onWarning: (w) => warnings.push(w) }) as AsyncIterable<SceneChunk>) {
    if (chunk.kind === 'points') points += chunk.count;
  }
  return { points, warnings };
}

async function failure(path: string): Promise<{ code: string; file: string; message: string }> {
  try {
    await readAll(path);
  } catch (err) {
    return err as { code: string; file: string; message: string };
  }
  throw new Error(`${path} was read without complaint`);
}

const five = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 0.5, 1];

describe('files that lie', () => {
  for (const encoding of ['ascii', 'binary_little_endian'] as const) {
    it(`a ${encoding} PLY with more records than its header declares is read as declared, with a warning giving the counts`, async () => {
      const path = join(tmp.dir, `more-${encoding}.ply`);
      writePly(path, { positions: five }, { encoding, claimVertices: 3 });
      const { points, warnings } = await readAll(path);
      expect(points).toBe(3);
      expect(warnings).toEqual([
        expect.objectContaining({
          file: path,
          details: expect.objectContaining({ declared: { vertex: 3 }, extraRecords: 2 }),
        }),
      ]);
      expect(warnings[0]!.message).toMatch(/declares 3 vertex records, but the file holds 2 more/);
    });
  }

  it('a LAS file whose scale factor is 0', async () => {
    const path = join(tmp.dir, 'zero-scale.las');
    const las = fs.readFileSync(join(FIXTURES, 'las', 'simple.las'));
    las.writeDoubleLE(0, 139); // Y scale
    fs.writeFileSync(path, las);
    expect(await failure(path)).toMatchObject({
      code: 'E_INPUT_CORRUPT',
      file: path,
      message: expect.stringMatching(/Y scale factor is 0/),
    });
  });

  it('a glTF whose accessor reaches beyond its buffer view', async () => {
    // Three vertices in the binary chunk; the accessor claims 3000.
    const json = JSON.stringify({
      asset: { version: '2.0' },
      buffers: [{ byteLength: 36 }],
      bufferViews: [{ buffer: 0, byteLength: 36 }],
      accessors: [{ bufferView: 0, componentType: 5126, count: 3000, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
      nodes: [{ mesh: 0 }],
      scenes: [{ nodes: [0] }],
      scene: 0,
    });
    const jsonChunk = Buffer.from(json.padEnd(Math.ceil(json.length / 4) * 4, ' '));
    const bin = Buffer.from(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]).buffer);
    const chunk = (type: number, data: Buffer) =>
      Buffer.concat([Buffer.from(new Uint32Array([data.length, type]).buffer), data]);
    const body = Buffer.concat([chunk(0x4e4f534a, jsonChunk), chunk(0x004e4942, bin)]);
    const out = Buffer.concat([Buffer.from(new Uint32Array([0x46546c67, 2, 12 + body.length]).buffer), body]);
    const path = join(tmp.dir, 'lying.glb');
    fs.writeFileSync(path, out);
    expect(await failure(path)).toMatchObject({
      code: 'E_INPUT_CORRUPT',
      file: path,
      message: expect.stringMatching(/accessor 0 \(3000 × VEC3\) needs 36000 bytes of buffer view 0, which has 36/),
    });
  });

  it('NaN coordinates, named with the file and the point', async () => {
    const ply = join(tmp.dir, 'nan.ply');
    writePly(ply, { positions: [0, 0, 0, 1, Number.NaN, 0, 2, 2, 2] }, { encoding: 'binary_little_endian' });
    expect(await failure(ply)).toMatchObject({
      code: 'E_INPUT_CORRUPT',
      file: ply,
      message: expect.stringMatching(/point 2 has a coordinate that is not a number/),
    });
    const xyz = join(tmp.dir, 'inf.xyz');
    writeXyz(xyz, { positions: [0, 0, 0, 1, 1, Number.POSITIVE_INFINITY] });
    expect(await failure(xyz)).toMatchObject({ code: 'E_INPUT_CORRUPT', file: xyz });
  });
});
