/**
 * Wavefront OBJ meshes: `v x y z [r g b]` and polygonal `f` faces (fanned into triangles; `v/vt/vn`
 * forms and negative indices accepted). Materials and texture coordinates are not kept. A mesh needs its
 * vertices in memory to resolve faces, so very large OBJ files are refused with advice.
 */
import { basename } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { corrupt, withInputFile } from '../io/input-file.ts';
import { readLines } from '../io/lines.ts';
import type { MeshChunk, SceneChunk } from '../points.ts';
import type { SceneFormat, SceneHeader } from './format.ts';

const MAX_VERTICES = 50_000_000;

class GrowableF64 {
  data = new Float64Array(3 * 1024);
  length = 0;
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }
}
class GrowableU32 {
  data = new Uint32Array(3 * 1024);
  length = 0;
  push(v: number): void {
    if (this.length + 1 > this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

async function* readObj(path: string): AsyncGenerator<SceneChunk> {
  await withInputFile(path, async () => undefined);
  const positions = new GrowableF64();
  const colors = new GrowableF64();
  const indices = new GrowableU32();
  let lineNo = 0;
  let vertexCount = 0;
  for await (const raw of readLines(path)) {
    lineNo++;
    const line = raw.trim();
    if (line.startsWith('v ') || line.startsWith('v\t')) {
      const f = line.split(/\s+/);
      const x = Number(f[1]),
        y = Number(f[2]),
        z = Number(f[3]);
      if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)))
        throw corrupt(path, `OBJ line ${lineNo}: a vertex without three numbers.`, { line: lineNo });
      positions.push3(x, y, z);
      if (f.length >= 7) colors.push3(Number(f[4]) || 0, Number(f[5]) || 0, Number(f[6]) || 0);
      if (++vertexCount > MAX_VERTICES) {
        throw new VestigeError('E_INPUT_TOO_LARGE', `The OBJ mesh has more than ${MAX_VERTICES} vertices.`, {
          file: path,
          hint: 'Decimate the mesh or sample it to points first.',
        });
      }
    } else if (line.startsWith('f ') || line.startsWith('f\t')) {
      const refs = line
        .split(/\s+/)
        .slice(1)
        .map((t) => {
          const v = Number.parseInt(t.split('/')[0]!, 10);
          const idx = v < 0 ? vertexCount + v : v - 1;
          if (!Number.isInteger(idx) || idx < 0 || idx >= vertexCount)
            throw corrupt(
              path,
              `OBJ line ${lineNo}: face refers to vertex ${t}, but only ${vertexCount} are defined so far.`,
              { line: lineNo },
            );
          return idx;
        });
      for (let j = 1; j + 1 < refs.length; j++) {
        indices.push(refs[0]!);
        indices.push(refs[j]!);
        indices.push(refs[j + 1]!);
      }
    }
  }
  const hasColors = colors.length === positions.length && colors.length > 0;
  const mesh: MeshChunk = {
    kind: 'mesh',
    name: basename(path),
    positions: positions.data.slice(0, positions.length),
    indices: indices.data.slice(0, indices.length),
    ...(hasColors ? { colors: Float32Array.from(colors.data.subarray(0, colors.length)) } : {}),
  };
  yield mesh;
}

export const objFormat: SceneFormat = {
  id: 'obj',
  title: 'Wavefront OBJ',
  extensions: ['.obj'],
  sniff(_head, name) {
    return /\.obj$/i.test(name);
  },
  async header(path): Promise<SceneHeader> {
    let vertices = 0;
    let faces = 0;
    await withInputFile(path, async () => undefined);
    for await (const line of readLines(path)) {
      if (line.startsWith('v ')) vertices++;
      else if (line.startsWith('f ')) faces++;
    }
    return {
      format: 'obj',
      meshes: 1,
      attributes: { rgb: false, intensity: false, classification: false, normals: false },
      details: { vertices, faces },
    };
  },
  read(path) {
    return readObj(path);
  },
};
