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
  if (size > MAX_GLTF_BYTES)
    throw new VestigeError('E_INPUT_TOO_LARGE', `The glTF file is ${size} bytes; up to 1 GiB is read.`, { file: path });
  const io = new NodeIO();
  try {
    if (/\.glb$/i.test(path)) {
      const glb = new Uint8Array(await readFile(path));
      checkAccessors(glbJson(glb, path), path);
      return { doc: await io.readBinary(glb), glb };
    }
    checkAccessors(JSON.parse(await readFile(path, 'utf8')), path);
    const doc = await io.read(path);
    return { doc, glb: await io.writeBinary(doc) };
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_INPUT_CORRUPT', `The glTF file cannot be read: ${(err as Error).message}`, {
      file: path,
      cause: err,
      hint: 'Check the file (and, for .gltf, that its .bin and textures sit beside it).',
    });
  }
}

const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };
const TYPE_COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 };

interface GltfJson {
  accessors?: Array<{ bufferView?: number; byteOffset?: number; componentType: number; count: number; type: string }>;
  bufferViews?: Array<{ buffer: number; byteOffset?: number; byteLength: number; byteStride?: number }>;
  buffers?: Array<{ byteLength: number }>;
}

/** The JSON chunk of a .glb (the loader itself reads past it). */
function glbJson(glb: Uint8Array, path: string): GltfJson {
  const view = Buffer.from(glb.buffer, glb.byteOffset, glb.byteLength);
  if (view.length < 20 || view.readUInt32LE(16) !== 0x4e4f534a)
    throw new VestigeError('E_INPUT_CORRUPT', 'The .glb file has no JSON chunk where glTF 2.0 puts it.', {
      file: path,
    });
  const length = view.readUInt32LE(12);
  if (20 + length > view.length)
    throw new VestigeError(
      'E_INPUT_CORRUPT',
      `The .glb JSON chunk claims ${length} bytes; the file has ${view.length - 20} after the header.`,
      { file: path },
    );
  return JSON.parse(view.toString('utf8', 20, 20 + length)) as GltfJson;
}

/**
 * Every accessor must fit inside its buffer view, and every view inside its buffer, before anything is
 * read: a file that claims more vertices than its bytes hold would otherwise be read into garbage or past the end.
 */
function checkAccessors(json: GltfJson, path: string): void {
  const lie = (message: string) =>
    new VestigeError('E_INPUT_CORRUPT', `glTF ${message}: the file claims data it does not hold.`, { file: path });
  (json.bufferViews ?? []).forEach((v, i) => {
    const buffer = json.buffers?.[v.buffer];
    if (!buffer) throw lie(`buffer view ${i} refers to buffer ${v.buffer}, which does not exist`);
    if ((v.byteOffset ?? 0) + v.byteLength > buffer.byteLength)
      throw lie(
        `buffer view ${i} (bytes ${v.byteOffset ?? 0}–${(v.byteOffset ?? 0) + v.byteLength}) runs past the end of buffer ${v.buffer} (${buffer.byteLength} bytes)`,
      );
  });
  (json.accessors ?? []).forEach((a, i) => {
    if (a.bufferView === undefined) return; // all zeros (or sparse): nothing to read
    const view = json.bufferViews?.[a.bufferView];
    if (!view) throw lie(`accessor ${i} refers to buffer view ${a.bufferView}, which does not exist`);
    const element = (COMPONENT_BYTES[a.componentType] ?? 0) * (TYPE_COMPONENTS[a.type] ?? 0);
    if (element === 0) throw lie(`accessor ${i} has an unknown type ${a.type}/${a.componentType}`);
    const need = a.count > 0 ? (a.byteOffset ?? 0) + (a.count - 1) * (view.byteStride ?? element) + element : 0;
    if (need > view.byteLength)
      throw lie(
        `accessor ${i} (${a.count} × ${a.type}) needs ${need} bytes of buffer view ${a.bufferView}, which has ${view.byteLength}`,
      );
  });
}

/** World-space triangles of every mesh in the default scene. */
function flatten(doc: Document, path: string): { positions: Float64Array; indices: Uint32Array } {
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
          pos.push(
            m[0] * x + m[4] * y + m[8] * z + m[12],
            m[1] * x + m[5] * y + m[9] * z + m[13],
            m[2] * x + m[6] * y + m[10] * z + m[14],
          );
        }
        const mode = prim.getMode();
        if (mode !== 4) continue; // only TRIANGLES count as faces
        const indices = prim.getIndices();
        if (indices) {
          for (let i = 0; i < indices.getCount(); i++) {
            const v = indices.getScalar(i);
            if (!(v < count))
              throw new VestigeError(
                'E_INPUT_CORRUPT',
                `glTF mesh ${mesh.getName() || '(unnamed)'}: a triangle refers to vertex ${v}, but the primitive has ${count}.`,
                { file: path },
              );
            idx.push(base + v);
          }
        } else for (let i = 0; i + 2 < count; i += 3) idx.push(base + i, base + i + 1, base + i + 2);
      }
    }
    for (const c of node.listChildren()) visit(c);
  };
  for (const n of scene?.listChildren() ?? []) visit(n);
  return { positions: Float64Array.from(pos), indices: Uint32Array.from(idx) };
}

async function* readGltf(path: string): AsyncGenerator<SceneChunk> {
  const { doc, glb } = await loadDocument(path);
  const { positions, indices } = flatten(doc, path);
  const mesh: MeshChunk = { kind: 'mesh', name: basename(path), positions, indices, glb };
  yield mesh;
}

export const gltfFormat: SceneFormat = {
  id: 'gltf',
  title: 'glTF 2.0 (.glb, .gltf)',
  extensions: ['.glb', '.gltf'],
  sniff(head, name) {
    // "glTF"
    if (head.length >= 4 && head[0] === 0x67 && head[1] === 0x6c && head[2] === 0x54 && head[3] === 0x46) return true;
    return /\.gltf$/i.test(name);
  },
  async header(path): Promise<SceneHeader> {
    const { doc } = await loadDocument(path);
    const { positions, indices } = flatten(doc, path);
    return {
      format: 'gltf',
      meshes: doc.getRoot().listMeshes().length,
      attributes: { rgb: false, intensity: false, classification: false, normals: false },
      details: {
        vertices: positions.length / 3,
        triangles: indices.length / 3,
        generator: doc.getRoot().getAsset().generator ?? null,
      },
    };
  },
  read(path) {
    return readGltf(path);
  },
};
