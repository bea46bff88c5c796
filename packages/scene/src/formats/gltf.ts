/**
 * glTF 2.0 (.gltf with its buffers, or .glb) through @gltf-transform/core, which needs no DOM. The layer
 * keeps the file as one binary glTF: a .glb input byte for byte, a .gltf packed into a .glb. Positions are
 * also read out (after node transforms) for bounds and counts.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { NodeIO, type Document } from '@gltf-transform/core';
import { VestigeError } from '@vestige/evidence';
import { withInputFile } from '../io/input-file.ts';
import type { MeshChunk, SceneChunk } from '../points.ts';
import type { SceneFormat, SceneHeader } from './format.ts';

const MAX_GLTF_BYTES = 2 ** 30;

async function loadDocument(path: string): Promise<{ doc: Document; glb: Uint8Array }> {
  const size = await withInputFile(path, async (f) => f.size);
  if (size > MAX_GLTF_BYTES) throw new VestigeError('E_INPUT_TOO_LARGE', `The glTF file is ${size} bytes; up to 1 GiB is read.`, { file: path });
  const io = new NodeIO();
  try {
    if (/\.glb$/i.test(path)) {
      const glb = new Uint8Array(await readFile(path));
      return { doc: await io.readBinary(glb), glb };
    }
    const doc = await io.read(path);
    return { doc, glb: await io.writeBinary(doc) };
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_INPUT_CORRUPT', `The glTF file cannot be read: ${(err as Error).message}`, { file: path, cause: err, hint: 'Check the file (and, for .gltf, that its .bin and textures sit beside it).' });
  }
}

/** World-space triangles of every mesh in the default scene. */
function flatten(doc: Document): { positions: Float64Array; indices: Uint32Array } {
  const pos: number[] = [];
  const idx: number[] = [];
  const root = doc.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const el = [0, 0, 0];
  const visit = (node: ReturnType<typeof root.listNodes>[number]): void => {
    const mesh = node.getMesh();
    if (mesh) {
      const m = node.getWorldMatrix();
      for (const prim of mesh.listPrimitives()) {
        const position = prim.getAttribute('POSITION');
        if (!position) continue;
        const base = pos.length / 3;
        const count = position.getCount();
        for (let i = 0; i < count; i++) {
          position.getElement(i, el);
          const [x, y, z] = el as [number, number, number];
          pos.push(m[0] * x + m[4] * y + m[8] * z + m[12], m[1] * x + m[5] * y + m[9] * z + m[13], m[2] * x + m[6] * y + m[10] * z + m[14]);
        }
        const mode = prim.getMode();
        if (mode !== 4) continue; // only TRIANGLES count as faces
        const indices = prim.getIndices();
        if (indices) for (let i = 0; i < indices.getCount(); i++) idx.push(base + indices.getScalar(i));
        else for (let i = 0; i + 2 < count; i += 3) idx.push(base + i, base + i + 1, base + i + 2);
      }
    }
    for (const c of node.listChildren()) visit(c);
  };
  for (const n of scene?.listChildren() ?? []) visit(n);
  return { positions: Float64Array.from(pos), indices: Uint32Array.from(idx) };
}

async function* readGltf(path: string): AsyncGenerator<SceneChunk> {
  const { doc, glb } = await loadDocument(path);
  const { positions, indices } = flatten(doc);
  const mesh: MeshChunk = { kind: 'mesh', name: basename(path), positions, indices, glb };
  yield mesh;
}

export const gltfFormat: SceneFormat = {
  id: 'gltf',
  title: 'glTF 2.0 (.glb, .gltf)',
  extensions: ['.glb', '.gltf'],
  sniff(head, name) {
    if (head.length >= 4 && head[0] === 0x67 && head[1] === 0x6c && head[2] === 0x54 && head[3] === 0x46) return true; // "glTF"
    return /\.gltf$/i.test(name);
  },
  async header(path): Promise<SceneHeader> {
    const { doc } = await loadDocument(path);
    const { positions, indices } = flatten(doc);
    return {
      format: 'gltf',
      meshes: doc.getRoot().listMeshes().length,
      attributes: { rgb: false, intensity: false, classification: false, normals: false },
      details: { vertices: positions.length / 3, triangles: indices.length / 3, generator: doc.getRoot().getAsset().generator ?? null },
    };
  },
  read(path) {
    return readGltf(path);
  },
};
