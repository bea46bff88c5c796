/**
 * Writers for small, valid files in the formats Vestige imports, so tests and the demo have PLY, XYZ,
 * OBJ and COLMAP inputs without shipping binaries. Deterministic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SamplePoints {
  positions: ArrayLike<number>;
  /** 0–255 per channel */
  rgb?: ArrayLike<number>;
  /** 0–65535 */
  intensity?: ArrayLike<number>;
  normals?: ArrayLike<number>;
}

export function writePly(
  path: string,
  pts: SamplePoints,
  options: {
    encoding: 'ascii' | 'binary_little_endian' | 'binary_big_endian';
    faces?: number[][];
    claimVertices?: number;
  },
): void {
  const n = pts.positions.length / 3;
  const header = [
    'ply',
    `format ${options.encoding} 1.0`,
    'comment made by Vestige samples',
    `element vertex ${options.claimVertices ?? n}`,
    'property double x',
    'property double y',
    'property double z',
    ...(pts.normals ? ['property float nx', 'property float ny', 'property float nz'] : []),
    ...(pts.rgb ? ['property uchar red', 'property uchar green', 'property uchar blue'] : []),
    ...(pts.intensity ? ['property ushort intensity'] : []),
    ...(options.faces ? [`element face ${options.faces.length}`, 'property list uchar int vertex_indices'] : []),
    'end_header',
    '',
  ].join('\n');
  if (options.encoding === 'ascii') {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const f: (number | string)[] = [pts.positions[i * 3]!, pts.positions[i * 3 + 1]!, pts.positions[i * 3 + 2]!];
      if (pts.normals) f.push(pts.normals[i * 3]!, pts.normals[i * 3 + 1]!, pts.normals[i * 3 + 2]!);
      if (pts.rgb) f.push(pts.rgb[i * 3]!, pts.rgb[i * 3 + 1]!, pts.rgb[i * 3 + 2]!);
      if (pts.intensity) f.push(pts.intensity[i]!);
      lines.push(f.join(' '));
    }
    for (const face of options.faces ?? []) lines.push([face.length, ...face].join(' '));
    writeFileSync(path, header + lines.join('\n') + '\n');
    return;
  }
  const le = options.encoding === 'binary_little_endian';
  const stride = 24 + (pts.normals ? 12 : 0) + (pts.rgb ? 3 : 0) + (pts.intensity ? 2 : 0);
  const faceBytes = (options.faces ?? []).reduce((s, f) => s + 1 + 4 * f.length, 0);
  const body = Buffer.alloc(n * stride + faceBytes);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) view.setFloat64(o + 8 * k, pts.positions[i * 3 + k]!, le);
    o += 24;
    if (pts.normals) {
      for (let k = 0; k < 3; k++) view.setFloat32(o + 4 * k, pts.normals[i * 3 + k]!, le);
      o += 12;
    }
    if (pts.rgb) {
      for (let k = 0; k < 3; k++) view.setUint8(o + k, pts.rgb[i * 3 + k]!);
      o += 3;
    }
    if (pts.intensity) {
      view.setUint16(o, pts.intensity[i]!, le);
      o += 2;
    }
  }
  for (const face of options.faces ?? []) {
    view.setUint8(o++, face.length);
    for (const v of face) {
      view.setInt32(o, v, le);
      o += 4;
    }
  }
  writeFileSync(path, Buffer.concat([Buffer.from(header, 'latin1'), body]));
}

export function writeXyz(path: string, pts: SamplePoints): void {
  const n = pts.positions.length / 3;
  const lines = ['// x y z r g b'];
  for (let i = 0; i < n; i++) {
    lines.push(
      [
        pts.positions[i * 3],
        pts.positions[i * 3 + 1],
        pts.positions[i * 3 + 2],
        pts.rgb?.[i * 3] ?? 0,
        pts.rgb?.[i * 3 + 1] ?? 0,
        pts.rgb?.[i * 3 + 2] ?? 0,
      ].join(' '),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

export function writeObj(path: string, positions: number[], faces: number[][]): void {
  const lines = ['# Vestige sample', 'o sample'];
  for (let i = 0; i < positions.length; i += 3) lines.push(`v ${positions[i]} ${positions[i + 1]} ${positions[i + 2]}`);
  for (const f of faces) lines.push(`f ${f.map((v) => `${v + 1}//`).join(' ')}`.replace(/\/\//g, ''));
  writeFileSync(path, lines.join('\n') + '\n');
}

export interface ColmapSample {
  cameras: {
    id: number;
    model: 'PINHOLE' | 'SIMPLE_RADIAL' | 'OPENCV';
    width: number;
    height: number;
    params: number[];
  }[];
  /** World-to-camera quaternion (w, x, y, z) and translation, as COLMAP stores them. */
  images: {
    id: number;
    q: [number, number, number, number];
    t: [number, number, number];
    cameraId: number;
    name: string;
  }[];
  points: {
    id: number;
    xyz: [number, number, number];
    rgb: [number, number, number];
    error: number;
    track: [number, number][];
  }[];
}

const MODEL_IDS = { SIMPLE_RADIAL: 2, PINHOLE: 1, OPENCV: 4 } as const;

export function writeColmap(dir: string, model: ColmapSample, binary: boolean): void {
  mkdirSync(dir, { recursive: true });
  if (!binary) {
    writeFileSync(
      join(dir, 'cameras.txt'),
      ['# Camera list', ...model.cameras.map((c) => [c.id, c.model, c.width, c.height, ...c.params].join(' '))].join(
        '\n',
      ) + '\n',
    );
    writeFileSync(
      join(dir, 'images.txt'),
      [
        '# Image list',
        ...model.images.flatMap((im) => [[im.id, ...im.q, ...im.t, im.cameraId, im.name].join(' '), '']),
      ].join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'points3D.txt'),
      [
        '# 3D points',
        ...model.points.map((p) => [p.id, ...p.xyz, ...p.rgb, p.error, ...p.track.flat()].join(' ')),
      ].join('\n') + '\n',
    );
    return;
  }
  const parts: Buffer[] = [];
  const u64 = (v: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const i32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  };
  const f64 = (v: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return b;
  };
  parts.push(u64(model.cameras.length));
  for (const c of model.cameras)
    parts.push(i32(c.id), i32(MODEL_IDS[c.model]), u64(c.width), u64(c.height), ...c.params.map(f64));
  writeFileSync(join(dir, 'cameras.bin'), Buffer.concat(parts.splice(0)));
  parts.push(u64(model.images.length));
  for (const im of model.images)
    parts.push(
      i32(im.id),
      ...im.q.map(f64),
      ...im.t.map(f64),
      i32(im.cameraId),
      Buffer.from(im.name + '\0', 'utf8'),
      u64(0),
    );
  writeFileSync(join(dir, 'images.bin'), Buffer.concat(parts.splice(0)));
  parts.push(u64(model.points.length));
  for (const p of model.points) {
    const rgb = Buffer.from(p.rgb);
    parts.push(
      u64(p.id),
      ...p.xyz.map(f64),
      rgb,
      f64(p.error),
      u64(p.track.length),
      ...p.track.flatMap(([a, b]) => [i32(a), i32(b)]),
    );
  }
  writeFileSync(join(dir, 'points3D.bin'), Buffer.concat(parts.splice(0)));
}

/** A small COLMAP model: 50 points on a plane and two cameras looking at it. */
export function sampleColmapModel(): ColmapSample {
  const points: ColmapSample['points'] = [];
  for (let i = 0; i < 50; i++)
    points.push({
      id: i + 1,
      xyz: [(i % 10) * 0.1, Math.floor(i / 10) * 0.1, 2],
      rgb: [i * 5, 100, 200],
      error: 0.5,
      track: [
        [1, i],
        [2, i],
      ],
    });
  return {
    cameras: [
      { id: 1, model: 'PINHOLE', width: 640, height: 480, params: [500, 500, 320, 240] },
      { id: 2, model: 'SIMPLE_RADIAL', width: 640, height: 480, params: [510, 320, 240, 0.01] },
    ],
    images: [
      { id: 1, q: [1, 0, 0, 0], t: [0, 0, 0], cameraId: 1, name: 'IMG_0001.JPG' },
      // rotated 90° about Y, centre at (1, 0, 0): t = −R·C
      { id: 2, q: [Math.SQRT1_2, 0, Math.SQRT1_2, 0], t: [0, 0, 1], cameraId: 2, name: 'IMG_0002.JPG' },
    ],
    points,
  };
}
