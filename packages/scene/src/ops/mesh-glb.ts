/** Packs a mesh read from PLY or OBJ into binary glTF for the viewer, positions relative to `offset`. */
import { Document, NodeIO } from '@gltf-transform/core';
import type { MeshChunk } from '../points.ts';

export async function meshToGlb(mesh: MeshChunk, offset: readonly number[]): Promise<Uint8Array> {
  const doc = new Document();
  doc.getRoot().getAsset().generator = 'Vestige';
  const buffer = doc.createBuffer();
  const n = mesh.positions.length / 3;
  const pos = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) pos[i * 3 + k] = mesh.positions[i * 3 + k]! - offset[k]!;
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(pos).setBuffer(buffer));
  if (mesh.normals && mesh.normals.length === n * 3)
    prim.setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(mesh.normals).setBuffer(buffer));
  if (mesh.colors && mesh.colors.length === n * 3)
    prim.setAttribute('COLOR_0', doc.createAccessor().setType('VEC3').setArray(mesh.colors).setBuffer(buffer));
  if (mesh.indices.length > 0)
    prim.setIndices(doc.createAccessor().setType('SCALAR').setArray(mesh.indices).setBuffer(buffer));
  else prim.setMode(0); // POINTS when the mesh has no faces
  const node = doc.createNode(mesh.name).setMesh(doc.createMesh(mesh.name).addPrimitive(prim));
  doc.createScene('scene').addChild(node);
  return new NodeIO().writeBinary(doc);
}
