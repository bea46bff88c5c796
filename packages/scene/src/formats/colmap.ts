/**
 * COLMAP sparse models (a folder with cameras, images and points3D as `.bin` or `.txt`, e.g.
 * `sparse/0`). Points3D become a point cloud with colour; each registered image becomes a photo
 * viewpoint with its pose and intrinsics.
 *
 * COLMAP stores world-to-camera poses (x_cam = R(q)·x_world + t) with the camera looking down +Z and +Y
 * down; viewpoints are camera-to-world with the three.js convention (−Z forward, +Y up), so the centre is
 * −Rᵀt and the rotation is conj(q) turned by π about the camera's X axis.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { ByteReader } from '../io/byte-reader.ts';
import { InputFile, corrupt } from '../io/input-file.ts';
import { readLines } from '../io/lines.ts';
import { matrixFromQuaternion } from '../core/rotation.ts';
import type { PointChunk, SceneChunk, ViewpointChunk } from '../points.ts';
import { DEFAULT_CHUNK_POINTS, type SceneFormat, type SceneHeader, type SceneReadOptions } from './format.ts';

/** Model id → [name, number of parameters]. */
const MODELS: Record<number, [string, number]> = {
  0: ['SIMPLE_PINHOLE', 3],
  1: ['PINHOLE', 4],
  2: ['SIMPLE_RADIAL', 4],
  3: ['RADIAL', 5],
  4: ['OPENCV', 8],
  5: ['OPENCV_FISHEYE', 8],
  6: ['FULL_OPENCV', 12],
  7: ['FOV', 5],
  8: ['SIMPLE_RADIAL_FISHEYE', 4],
  9: ['RADIAL_FISHEYE', 5],
  10: ['THIN_PRISM_FISHEYE', 12],
  11: ['RAD_TAN_THIN_PRISM_FISHEYE', 16],
};
const MODEL_BY_NAME = new Map(Object.values(MODELS).map(([name, n]) => [name, n]));

interface ColmapCamera {
  id: number;
  model: string;
  width: number;
  height: number;
  params: number[];
}

export interface ColmapFiles {
  dir: string;
  cameras: string;
  images: string;
  points3D: string;
  binary: boolean;
}

/** Finds the three model files (in the folder, or in sparse/0 or 0 below it). Missing files are a typed error. */
export function locateColmap(dir: string): ColmapFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new VestigeError('E_INPUT_NOT_FILE', `${dir} is not a COLMAP model folder.`, { file: dir });
  const candidates = [dir, join(dir, 'sparse', '0'), join(dir, '0'), join(dir, 'sparse')];
  for (const d of candidates) {
    for (const ext of ['.bin', '.txt']) {
      const files = ['cameras', 'images', 'points3D'].map((n) => join(d, n + ext));
      const present = files.filter((f) => existsSync(f));
      if (present.length === 3)
        return { dir: d, cameras: files[0]!, images: files[1]!, points3D: files[2]!, binary: ext === '.bin' };
      if (present.length > 0) {
        const missing = files.filter((f) => !existsSync(f)).map((f) => f.slice(d.length + 1));
        throw new VestigeError(
          'E_INPUT_MISSING',
          `The COLMAP model in ${d} is incomplete: ${missing.join(', ')} missing.`,
          {
            file: d,
            hint: 'A COLMAP sparse model needs cameras, images and points3D (all .bin or all .txt). Export the model again (File › Export model).',
            details: { missing },
          },
        );
      }
    }
  }
  throw new VestigeError('E_INPUT_MISSING', `No COLMAP model (cameras, images, points3D) in ${dir}.`, {
    file: dir,
    hint: 'Point at the sparse/0 folder of the COLMAP project.',
  });
}

async function readCameras(files: ColmapFiles): Promise<Map<number, ColmapCamera>> {
  const out = new Map<number, ColmapCamera>();
  if (files.binary) {
    const file = await InputFile.open(files.cameras);
    try {
      const r = new ByteReader(file, 0);
      const n = Number((await r.take(8, 'camera count')).getBigUint64(0, true));
      if (n > file.size / 24)
        throw corrupt(files.cameras, `cameras.bin claims ${n} cameras, more than the file can hold.`);
      for (let i = 0; i < n; i++) {
        const h = await r.take(24, 'camera');
        const id = h.getInt32(0, true);
        const modelId = h.getInt32(4, true);
        const model = MODELS[modelId];
        if (!model) throw corrupt(files.cameras, `Unknown COLMAP camera model ${modelId}.`);
        const width = Number(h.getBigUint64(8, true));
        const height = Number(h.getBigUint64(16, true));
        const p = await r.take(8 * model[1], 'camera parameters');
        const params = Array.from({ length: model[1] }, (_, k) => p.getFloat64(k * 8, true));
        out.set(id, { id, model: model[0], width, height, params });
      }
    } finally {
      await file.close();
    }
  } else {
    for await (const line of readLines(files.cameras)) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const f = line.trim().split(/\s+/);
      const id = Number(f[0]);
      const model = f[1] ?? '';
      const n = MODEL_BY_NAME.get(model);
      if (n === undefined || f.length < 4 + n)
        throw corrupt(files.cameras, `cameras.txt: cannot read '${line.slice(0, 80)}'.`);
      out.set(id, { id, model, width: Number(f[2]), height: Number(f[3]), params: f.slice(4, 4 + n).map(Number) });
    }
  }
  return out;
}

function intrinsicsOf(cam: ColmapCamera): ViewpointChunk['intrinsics'] {
  const p = cam.params;
  const single = cam.model.startsWith('SIMPLE') || cam.model === 'RADIAL' || cam.model === 'RADIAL_FISHEYE';
  const fx = p[0]!;
  const fy = single ? p[0]! : p[1]!;
  const cx = single ? p[1]! : p[2]!;
  const cy = single ? p[2]! : p[3]!;
  return {
    model: cam.model,
    width: Math.max(1, cam.width),
    height: Math.max(1, cam.height),
    fx,
    fy,
    cx,
    cy,
    distortion: p.slice(single ? 3 : 4),
  };
}

function viewpoint(
  id: number,
  q: number[],
  t: number[],
  cam: ColmapCamera | undefined,
  name: string,
  path: string,
): ViewpointChunk {
  if (!cam) throw corrupt(path, `Image ${name} refers to a camera that cameras lists not.`);
  const [qw, qx, qy, qz] = q as [number, number, number, number];
  const n = Math.hypot(qw, qx, qy, qz) || 1;
  const w = qw / n,
    x = qx / n,
    y = qy / n,
    z = qz / n;
  // R (world → camera) from q.
  const R = matrixFromQuaternion([qw, qx, qy, qz]);
  const [tx, ty, tz] = t as [number, number, number];
  const position: [number, number, number] = [
    -(R[0]! * tx + R[3]! * ty + R[6]! * tz),
    -(R[1]! * tx + R[4]! * ty + R[7]! * tz),
    -(R[2]! * tx + R[5]! * ty + R[8]! * tz),
  ];
  // camera → world = conj(q); then ⊗ (0, 1, 0, 0) flips to −Z forward, +Y up.
  const cw = w,
    cx = -x,
    cy = -y,
    cz = -z;
  const rw = -cx,
    rx = cw,
    ry = cz,
    rz = -cy;
  return {
    kind: 'viewpoint',
    id: `colmap-image-${id}`,
    name,
    position,
    quaternion: [rx, ry, rz, rw],
    intrinsics: intrinsicsOf(cam),
    imageName: name,
  };
}

async function* readImages(files: ColmapFiles, cameras: Map<number, ColmapCamera>): AsyncGenerator<ViewpointChunk> {
  if (files.binary) {
    const file = await InputFile.open(files.images);
    try {
      const r = new ByteReader(file, 0);
      const n = Number((await r.take(8, 'image count')).getBigUint64(0, true));
      if (n > file.size / 64)
        throw corrupt(files.images, `images.bin claims ${n} images, more than the file can hold.`);
      for (let i = 0; i < n; i++) {
        const h = await r.take(64, 'image');
        const id = h.getInt32(0, true);
        const q = [0, 1, 2, 3].map((k) => h.getFloat64(4 + 8 * k, true));
        const t = [0, 1, 2].map((k) => h.getFloat64(36 + 8 * k, true));
        const cameraId = h.getInt32(60, true);
        const nameBytes: number[] = [];
        for (;;) {
          const b = (await r.take(1, 'image name')).getUint8(0);
          if (b === 0) break;
          nameBytes.push(b);
          if (nameBytes.length > 4096) throw corrupt(files.images, 'An image name in images.bin does not end.');
        }
        const points2D = Number((await r.take(8, 'point count')).getBigUint64(0, true));
        if (points2D * 24 > file.size)
          throw corrupt(files.images, `images.bin: image ${id} claims ${points2D} observations.`);
        r.position += points2D * 24;
        yield viewpoint(id, q, t, cameras.get(cameraId), Buffer.from(nameBytes).toString('utf8'), files.images);
      }
      if (r.position > file.size) throw corrupt(files.images, 'images.bin is truncated.');
    } finally {
      await file.close();
    }
  } else {
    let expectPoints = false;
    for await (const line of readLines(files.images)) {
      if (line.startsWith('#')) continue;
      if (expectPoints) {
        expectPoints = false; // the observations line (possibly empty)
        continue;
      }
      if (line.trim() === '') continue;
      const f = line.trim().split(/\s+/);
      if (f.length < 10) throw corrupt(files.images, `images.txt: cannot read '${line.slice(0, 80)}'.`);
      yield viewpoint(
        Number(f[0]),
        f.slice(1, 5).map(Number),
        f.slice(5, 8).map(Number),
        cameras.get(Number(f[8])),
        f.slice(9).join(' '),
        files.images,
      );
      expectPoints = true;
    }
  }
}

async function* readPoints(files: ColmapFiles, per: number): AsyncGenerator<PointChunk> {
  let positions = new Float64Array(per * 3);
  let rgb = new Uint16Array(per * 3);
  let n = 0;
  const flush = (): PointChunk => {
    const chunk: PointChunk = {
      kind: 'points',
      count: n,
      positions: positions.subarray(0, n * 3),
      rgb: rgb.subarray(0, n * 3),
    };
    positions = new Float64Array(per * 3);
    rgb = new Uint16Array(per * 3);
    n = 0;
    return chunk;
  };
  const push = (x: number, y: number, z: number, r: number, g: number, b: number): void => {
    positions[n * 3] = x;
    positions[n * 3 + 1] = y;
    positions[n * 3 + 2] = z;
    rgb[n * 3] = r * 257;
    rgb[n * 3 + 1] = g * 257;
    rgb[n * 3 + 2] = b * 257;
    n++;
  };
  if (files.binary) {
    const file = await InputFile.open(files.points3D);
    try {
      const r = new ByteReader(file, 0);
      const count = Number((await r.take(8, 'point count')).getBigUint64(0, true));
      if (count > file.size / 51)
        throw corrupt(files.points3D, `points3D.bin claims ${count} points, more than the file can hold.`);
      for (let i = 0; i < count; i++) {
        const h = await r.take(51, 'point');
        push(
          h.getFloat64(8, true),
          h.getFloat64(16, true),
          h.getFloat64(24, true),
          h.getUint8(32),
          h.getUint8(33),
          h.getUint8(34),
        );
        const track = Number(h.getBigUint64(43, true));
        if (track * 8 > file.size) throw corrupt(files.points3D, `points3D.bin: a track of ${track} observations.`);
        r.position += track * 8;
        if (n === per) yield flush();
      }
      if (r.position > file.size) throw corrupt(files.points3D, 'points3D.bin is truncated.');
    } finally {
      await file.close();
    }
  } else {
    for await (const line of readLines(files.points3D)) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const f = line.trim().split(/\s+/);
      const v = f.slice(1, 7).map(Number);
      if (f.length < 8 || v.some((x) => !Number.isFinite(x)))
        throw corrupt(files.points3D, `points3D.txt: cannot read '${line.slice(0, 80)}'.`);
      push(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!);
      if (n === per) yield flush();
    }
  }
  if (n > 0) yield flush();
}

async function* readColmap(dir: string, options: SceneReadOptions): AsyncGenerator<SceneChunk> {
  const files = locateColmap(dir);
  const cameras = await readCameras(files);
  // Images first: they are small, and a broken images file must fail before any points flow.
  const viewpoints: ViewpointChunk[] = [];
  for await (const v of readImages(files, cameras)) viewpoints.push(v);
  yield* readPoints(files, options.chunkPoints ?? DEFAULT_CHUNK_POINTS);
  yield* viewpoints;
}

export const colmapFormat: SceneFormat = {
  id: 'colmap',
  title: 'COLMAP sparse model (folder)',
  extensions: [],
  directory: true,
  sniff() {
    return false;
  },
  async header(dir): Promise<SceneHeader> {
    const files = locateColmap(dir);
    const cameras = await readCameras(files);
    let images = 0;
    for await (const _ of readImages(files, cameras)) images++;
    return {
      format: 'colmap',
      attributes: { rgb: true, intensity: false, classification: false, normals: false },
      viewpoints: images,
      details: { folder: files.dir, encoding: files.binary ? 'binary' : 'text', cameras: cameras.size, images },
    };
  },
  read(dir, options = {}) {
    return readColmap(dir, options);
  },
};
