/**
 * Generated crime-scene stand-in for the viewer tests and the benchmark: a floor, a box (a "table") and a
 * wall as coloured points (Potree 2.0, through @vestige/scene's in-memory writer), a small glb mesh and
 * a photo viewpoint, stored in a case exactly as `vestige scene build` stores a scene.
 *
 * Coordinates are survey-like (UTM-sized eastings), so the viewer's origin handling is exercised too.
 * Two points are known exactly (`KNOWN_A`, `KNOWN_B`): measuring between them must give `knownDistance`.
 */
import sharp from 'sharp';
import { CaseStore, seededRandom } from '@vestige/evidence';
import {
  IDENTITY_TRANSFORM,
  SCENE_MANIFEST_SCHEMA,
  SCENE_MANIFEST_VERSION,
  writePotreeInMemory,
  type SceneLayer,
  type SceneManifest,
} from '@vestige/scene';

export const ORIGIN: [number, number, number] = [500000, 5700000, 50];
/** On the floor, and on the box top (local metres, add ORIGIN for source coordinates). */
export const KNOWN_A_LOCAL: [number, number, number] = [2.05, 3.1, 0];
export const KNOWN_B_LOCAL: [number, number, number] = [7.5, 5.25, 1.2];
export const KNOWN_A: [number, number, number] = [
  ORIGIN[0] + KNOWN_A_LOCAL[0],
  ORIGIN[1] + KNOWN_A_LOCAL[1],
  ORIGIN[2] + KNOWN_A_LOCAL[2],
];
export const KNOWN_B: [number, number, number] = [
  ORIGIN[0] + KNOWN_B_LOCAL[0],
  ORIGIN[1] + KNOWN_B_LOCAL[1],
  ORIGIN[2] + KNOWN_B_LOCAL[2],
];
export const knownDistance = Math.hypot(
  KNOWN_B_LOCAL[0] - KNOWN_A_LOCAL[0],
  KNOWN_B_LOCAL[1] - KNOWN_A_LOCAL[1],
  KNOWN_B_LOCAL[2] - KNOWN_A_LOCAL[2],
);

export interface GeneratedPoints {
  positions: Float64Array;
  rgb: Uint8Array;
  intensity: Uint16Array;
}

/** Deterministic scene points; `step` is the grid spacing in metres. */
export function crimeScenePoints(step = 0.05): GeneratedPoints {
  const pos: number[] = [];
  const col: number[] = [];
  const inten: number[] = [];
  const add = (x: number, y: number, z: number, r: number, g: number, b: number): void => {
    pos.push(ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[2] + z);
    col.push(r, g, b);
    inten.push(Math.round(((r + g + b) / 765) * 65535));
  };
  const n = (a: number, b: number) => Math.round((b - a) / step);
  // Floor 10 × 8 m, grey checker of 1 m squares.
  for (let i = 0; i <= n(0, 10); i++) {
    for (let j = 0; j <= n(0, 8); j++) {
      const x = i * step;
      const y = j * step;
      const dark = (Math.floor(x) + Math.floor(y)) % 2 === 0;
      add(x, y, 0, dark ? 90 : 170, dark ? 90 : 170, dark ? 96 : 176);
    }
  }
  // Box 1.5 × 1 × 1.2 m: top and four sides.
  const bx0 = 6.75,
    bx1 = 8.25,
    by0 = 4.75,
    by1 = 5.75,
    bz = 1.2;
  for (let i = 0; i <= n(bx0, bx1); i++)
    for (let j = 0; j <= n(by0, by1); j++) add(bx0 + i * step, by0 + j * step, bz, 180, 40, 40);
  for (let k = 0; k < n(0, bz); k++) {
    const z = k * step;
    for (let i = 0; i <= n(bx0, bx1); i++) {
      add(bx0 + i * step, by0, z, 150, 30, 30);
      add(bx0 + i * step, by1, z, 150, 30, 30);
    }
    for (let j = 1; j < n(by0, by1); j++) {
      add(bx0, by0 + j * step, z, 150, 30, 30);
      add(bx1, by0 + j * step, z, 150, 30, 30);
    }
  }
  // Back wall along y = 8, 2.5 m high.
  for (let i = 0; i <= n(0, 10); i++) for (let k = 1; k <= n(0, 2.5); k++) add(i * step, 8, k * step, 60, 90, 160);
  // The two known points exactly (they are on the grid already; adding them again would duplicate).
  return { positions: Float64Array.from(pos), rgb: Uint8Array.from(col), intensity: Uint16Array.from(inten) };
}

/** A minimal binary glTF: one box mesh (positions + indices), vertices in the source frame. */
export function boxGlb(min: [number, number, number], max: [number, number, number]): Uint8Array {
  const [x0, y0, z0] = min;
  const [x1, y1, z1] = max;
  // glTF is Y-up, but Vestige glb layers are in the scene's own (source) frame, Z-up; the viewer does not rotate them.
  const v = [x0, y0, z0, x1, y0, z0, x1, y1, z0, x0, y1, z0, x0, y0, z1, x1, y0, z1, x1, y1, z1, x0, y1, z1];
  const idx = [
    0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7,
  ];
  // Vertices relative to `min` in float32; the layer's `offset` (= min) puts them back in the source
  // frame, so survey-sized coordinates keep their precision.
  const local = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) local[i] = v[i]! - min[i % 3]!;
  const indices = new Uint16Array(idx);
  const posBytes = new Uint8Array(local.buffer);
  const idxBytes = new Uint8Array(indices.buffer);
  const idxPadded = idxBytes.length + ((4 - (idxBytes.length % 4)) % 4);
  const bin = new Uint8Array(posBytes.length + idxPadded);
  bin.set(posBytes, 0);
  bin.set(idxBytes, posBytes.length);
  const ext = [x1 - x0, y1 - y0, z1 - z0];
  const json = {
    asset: { version: '2.0', generator: 'vestige tests' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 }, indices: 1, material: 0 }] }],
    materials: [
      { pbrMetallicRoughness: { baseColorFactor: [0.85, 0.75, 0.2, 1], metallicFactor: 0, roughnessFactor: 1 } },
    ],
    buffers: [{ byteLength: bin.length }],
    bufferViews: [
      { buffer: 0, byteOffset: 0, byteLength: posBytes.length, target: 34962 },
      { buffer: 0, byteOffset: posBytes.length, byteLength: idxBytes.length, target: 34963 },
    ],
    accessors: [
      { bufferView: 0, componentType: 5126, count: 8, type: 'VEC3', min: [0, 0, 0], max: ext },
      { bufferView: 1, componentType: 5123, count: indices.length, type: 'SCALAR' },
    ],
  };
  let jsonBytes = new TextEncoder().encode(JSON.stringify(json));
  const jsonPadded = jsonBytes.length + ((4 - (jsonBytes.length % 4)) % 4);
  const out = new Uint8Array(12 + 8 + jsonPadded + 8 + bin.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x46546c67, true);
  dv.setUint32(4, 2, true);
  dv.setUint32(8, out.length, true);
  dv.setUint32(12, jsonPadded, true);
  dv.setUint32(16, 0x4e4f534a, true);
  out.fill(0x20, 20, 20 + jsonPadded);
  out.set(jsonBytes, 20);
  jsonBytes = new Uint8Array(0);
  dv.setUint32(20 + jsonPadded, bin.length, true);
  dv.setUint32(24 + jsonPadded, 0x004e4942, true);
  out.set(bin, 28 + jsonPadded);
  return out;
}

export interface StoredScene {
  manifest: SceneManifest;
  octreeSha256: string;
  hierarchySha256: string;
}

/**
 * Puts a point set (and optionally the sample mesh and viewpoint) into the case as a scene record.
 * `points` defaults to the crime-scene stand-in.
 */
export async function storeScene(
  store: CaseStore,
  options: {
    id?: string;
    name?: string;
    operator?: string;
    points?: GeneratedPoints;
    withMesh?: boolean;
    maxLeafPoints?: number /** Column-major 4×4 (a levelled or scaled scene). */;
    transform?: number[];
  } = {},
): Promise<StoredScene> {
  const operator = options.operator ?? 'PC 1234 Test';
  const points = options.points ?? crimeScenePoints();
  const files = writePotreeInMemory(
    { positions: points.positions, rgb: points.rgb, intensity: points.intensity },
    { name: options.name ?? 'scan', ...(options.maxLeafPoints ? { maxLeafPoints: options.maxLeafPoints } : {}) },
  );
  const metadata = await store.blobs.putBuffer(Buffer.from(files.metadata));
  const hierarchy = await store.blobs.putBuffer(Buffer.from(files.hierarchy));
  const octree = await store.blobs.putBuffer(Buffer.from(files.octree));
  const count = points.positions.length / 3;
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 3; k++) {
      const v = points.positions[i * 3 + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
  const layers: SceneLayer[] = [
    {
      type: 'pointcloud',
      id: 'scan',
      name: 'Laser scan',
      format: 'potree-2.0',
      files: {
        metadata: { sha256: metadata.sha256, size: metadata.size },
        hierarchy: { sha256: hierarchy.sha256, size: hierarchy.size },
        octree: { sha256: octree.sha256, size: octree.size },
      },
      points: count,
      bounds: { min, max },
      attributes: ['position', 'rgb', 'intensity'],
      spacing: files.metadataJson.spacing,
      scale: files.metadataJson.scale[0],
      inputs: [],
      sampling: 'generated test scene',
    },
  ];
  if (options.withMesh !== false) {
    const bmin: [number, number, number] = [ORIGIN[0] + 1, ORIGIN[1] + 6, ORIGIN[2]];
    const bmax: [number, number, number] = [ORIGIN[0] + 1.6, ORIGIN[1] + 6.6, ORIGIN[2] + 0.9];
    const glb = await store.blobs.putBuffer(Buffer.from(boxGlb(bmin, bmax)));
    // The photograph of the viewpoint: a small generated image stored in the case like any photo.
    const photo = await sharp({
      create: { width: 640, height: 480, channels: 3, background: { r: 60, g: 90, b: 140 } },
    })
      .composite([
        {
          input: { create: { width: 200, height: 120, channels: 3, background: { r: 220, g: 60, b: 40 } } },
          left: 220,
          top: 260,
        },
      ])
      .png()
      .toBuffer();
    const photoBlob = await store.blobs.putBuffer(photo);
    layers.push({
      type: 'mesh',
      id: 'cabinet',
      name: 'Cabinet (mesh)',
      format: 'glb',
      file: { sha256: glb.sha256, size: glb.size },
      offset: bmin,
      bounds: { min: bmin, max: bmax },
      vertices: 8,
      triangles: 12,
      inputs: [],
    });
    layers.push({
      type: 'viewpoints',
      id: 'photos',
      name: 'Scene photographs',
      inputs: [],
      viewpoints: [
        {
          id: 'P1',
          name: 'Photo 1 (doorway)',
          // Standing at the front, 1.6 m high, looking along +Y (camera −Z → world +Y: rotate +90° about X).
          pose: {
            position: [ORIGIN[0] + 5, ORIGIN[1] - 2, ORIGIN[2] + 1.6],
            quaternion: [Math.SQRT1_2, 0, 0, Math.SQRT1_2],
          },
          intrinsics: { model: 'PINHOLE', width: 640, height: 480, fx: 500, fy: 500, cx: 320, cy: 240, distortion: [] },
          image: { sha256: photoBlob.sha256, name: 'photo-1.png' },
        },
      ],
    });
  }
  layers.push({
    type: 'markers',
    id: 'markers',
    name: 'Evidence markers (scene build)',
    markers: [{ id: 'M1', label: '1', position: KNOWN_A, note: 'Shell casing' }],
  });
  const id = options.id ?? 'scene-1';
  const manifest: SceneManifest = {
    schema: SCENE_MANIFEST_SCHEMA,
    version: SCENE_MANIFEST_VERSION,
    id,
    name: options.name ?? 'Generated test scene',
    createdAt: '2026-11-23T07:00:00.000Z',
    units: 'm',
    origin: { offset: [...ORIGIN] },
    transform: options.transform ?? [...IDENTITY_TRANSFORM],
    adjustments: [],
    inputs: [],
    layers,
    provenanceId: null,
  };
  store.putRecord('scenes', id, manifest, operator);
  return { manifest, octreeSha256: octree.sha256, hierarchySha256: hierarchy.sha256 };
}

/** A fresh case holding the generated scene. */
export async function makeSceneCase(
  dir: string,
  options: Parameters<typeof storeScene>[1] = {},
): Promise<StoredScene & { caseId: string }> {
  const store = CaseStore.init(dir, { operator: 'PC 1234 Test', name: 'Test case', reference: 'OP-TEST/2026/0042' });
  try {
    const scene = await storeScene(store, options);
    return { ...scene, caseId: store.info.id };
  } finally {
    store.close();
  }
}

/**
 * A large generated scene for the benchmark: `count` points spread over the floor, four walls and a few
 * pieces of furniture of a 40 × 30 m hall, coloured by surface, with a seeded generator (same points
 * every run).
 */
export function hallPoints(count: number, seed = 1): GeneratedPoints {
  const rnd = seededRandom(seed);
  const W = 40,
    D = 30,
    H = 4;
  // Surfaces as [x0, y0, z0, ux, uy, uz, vx, vy, vz, r, g, b] (origin plus two edge vectors).
  const surfaces: number[][] = [
    [0, 0, 0, W, 0, 0, 0, D, 0, 150, 150, 155],
    [0, 0, 0, W, 0, 0, 0, 0, H, 200, 190, 170],
    [0, D, 0, W, 0, 0, 0, 0, H, 200, 190, 170],
    [0, 0, 0, 0, D, 0, 0, 0, H, 180, 185, 200],
    [W, 0, 0, 0, D, 0, 0, 0, H, 180, 185, 200],
  ];
  for (let i = 0; i < 12; i++) {
    const x = 3 + (i % 4) * 9,
      y = 4 + Math.floor(i / 4) * 9;
    surfaces.push([x, y, 0.9, 2, 0, 0, 0, 1, 0, 120 + i * 8, 60, 40]);
    surfaces.push([x, y, 0, 2, 0, 0, 0, 0, 0.9, 100 + i * 8, 50, 30]);
  }
  const areas = surfaces.map((s) =>
    Math.hypot(s[4]! * s[8]! - s[5]! * s[7]!, s[5]! * s[6]! - s[3]! * s[8]!, s[3]! * s[7]! - s[4]! * s[6]!),
  );
  const total = areas.reduce((x, y) => x + y, 0);
  const positions = new Float64Array(count * 3);
  const rgb = new Uint8Array(count * 3);
  const intensity = new Uint16Array(count);
  let at = 0;
  for (let s = 0; s < surfaces.length; s++) {
    const n = s === surfaces.length - 1 ? count - at : Math.round((areas[s]! / total) * count);
    const f = surfaces[s]!;
    for (let i = 0; i < n && at < count; i++, at++) {
      const u = rnd(),
        v = rnd();
      positions[at * 3] = ORIGIN[0] + f[0]! + u * f[3]! + v * f[6]!;
      positions[at * 3 + 1] = ORIGIN[1] + f[1]! + u * f[4]! + v * f[7]!;
      positions[at * 3 + 2] = ORIGIN[2] + f[2]! + u * f[5]! + v * f[8]!;
      const shade = 0.85 + 0.15 * rnd();
      rgb[at * 3] = f[9]! * shade;
      rgb[at * 3 + 1] = f[10]! * shade;
      rgb[at * 3 + 2] = f[11]! * shade;
      intensity[at] = Math.round(shade * 60000);
    }
  }
  return { positions, rgb, intensity };
}
