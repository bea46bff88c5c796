/**
 * The render report's plan view: the scene seen from above (its coarse octree levels, coloured, highest
 * point on top) with the camera path drawn over it — the keyframes, the sample frames and which way the
 * camera looks at each. Drawn in the displayed frame (after scale and level), +X to the right, +Y up.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import type { CaseStore } from '@vestige/evidence';
import { esc } from '@vestige/imaging';
import {
  CameraPathSampler,
  decodePotreeRecords,
  formatLength,
  niceScaleLength,
  poseDirection,
  potreeNodes,
  toDisplayed,
  type CameraPath,
  type PotreeMetadataJson,
  type SceneManifest,
} from '@vestige/scene';

const WIDTH = 900;
const POINTS = 250_000;
const BACKGROUND = [244, 246, 248];

interface PlanPoints {
  xy: Float64Array;
  z: Float64Array;
  rgb: Uint8Array;
  count: number;
}

/** The coarsest nodes of every point layer, up to about `POINTS` points, in the displayed frame. */
async function coarsePoints(store: CaseStore, manifest: SceneManifest): Promise<PlanPoints> {
  const xy: number[] = [];
  const z: number[] = [];
  const rgb: number[] = [];
  for (const layer of manifest.layers) {
    if (layer.type !== 'pointcloud') continue;
    const metadata = JSON.parse(
      (await store.blobs.read(layer.files.metadata.sha256)).toString('utf8'),
    ) as PotreeMetadataJson;
    const nodes = potreeNodes(metadata, await store.blobs.read(layer.files.hierarchy.sha256)).sort(
      (a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : 1),
    );
    const fd = fs.openSync(store.blobs.pathOf(layer.files.octree.sha256), 'r');
    try {
      let taken = 0;
      for (const node of nodes) {
        if (taken >= POINTS || node.numPoints === 0) continue;
        const bytes = Buffer.alloc(node.byteSize);
        fs.readSync(fd, bytes, 0, node.byteSize, node.byteOffset);
        const chunk = decodePotreeRecords(metadata, bytes, node.numPoints, {
          what: `${layer.name}: node ${node.name}`,
        });
        for (let i = 0; i < chunk.count; i++) {
          const p = toDisplayed(manifest, [
            chunk.positions[i * 3]!,
            chunk.positions[i * 3 + 1]!,
            chunk.positions[i * 3 + 2]!,
          ]);
          xy.push(p[0], p[1]);
          z.push(p[2]);
          if (chunk.rgb) rgb.push(chunk.rgb[i * 3]! >> 8, chunk.rgb[i * 3 + 1]! >> 8, chunk.rgb[i * 3 + 2]! >> 8);
          else rgb.push(120, 120, 120);
        }
        taken += chunk.count;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return { xy: Float64Array.from(xy), z: Float64Array.from(z), rgb: Uint8Array.from(rgb), count: z.length };
}

/** The plan view as an SVG element (the raster inside as a PNG data URI). `marks` are frame numbers to label. */
export async function planView(
  store: CaseStore,
  manifest: SceneManifest,
  path: CameraPath,
  range: { from: number; to: number },
  marks: readonly number[],
): Promise<string> {
  const pts = await coarsePoints(store, manifest);
  const sampler = new CameraPathSampler(path, (p) => toDisplayed(manifest, p));
  const step = Math.max(1, Math.ceil((range.to - range.from + 1) / 2000));
  const route: Array<[number, number]> = [];
  for (let n = range.from; n <= range.to; n += step)
    route.push([sampler.frame(n).position[0], sampler.frame(n).position[1]]);
  const keys = path.keyframes.map((k) => toDisplayed(manifest, k.position));
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const grow = (x: number, y: number) => (
    (x0 = Math.min(x0, x)), (y0 = Math.min(y0, y)), (x1 = Math.max(x1, x)), (y1 = Math.max(y1, y))
  );
  for (let i = 0; i < pts.count; i++) grow(pts.xy[i * 2]!, pts.xy[i * 2 + 1]!);
  for (const [x, y] of route) grow(x, y);
  for (const k of keys) grow(k[0], k[1]);
  const pad = Math.max(x1 - x0, y1 - y0, 1e-6) * 0.05;
  [x0, y0, x1, y1] = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
  const scale = WIDTH / (x1 - x0);
  const height = Math.max(60, Math.min(WIDTH, Math.round((y1 - y0) * scale)));
  const px = (x: number) => (x - x0) * scale;
  const py = (y: number) => height - (y - y0) * scale;

  const raster = Buffer.alloc(WIDTH * height * 3);
  for (let i = 0; i < raster.length; i += 3) raster.set(BACKGROUND, i);
  const top = new Float64Array(WIDTH * height).fill(-Infinity);
  // Each point a square about as wide as the points' mean spacing on the picture, so surfaces read as surfaces.
  const splat = Math.max(1, Math.min(6, Math.round(Math.sqrt((WIDTH * height) / Math.max(1, pts.count)))));
  for (let i = 0; i < pts.count; i++) {
    const cx = Math.floor(px(pts.xy[i * 2]!));
    const cy = Math.floor(py(pts.xy[i * 2 + 1]!));
    for (let dy = 0; dy < splat; dy++) {
      for (let dx = 0; dx < splat; dx++) {
        const [sx, sy] = [cx + dx, cy + dy];
        if (sx < 0 || sy < 0 || sx >= WIDTH || sy >= height) continue;
        const at = sy * WIDTH + sx;
        if (pts.z[i]! <= top[at]!) continue;
        top[at] = pts.z[i]!;
        raster.set(pts.rgb.subarray(i * 3, i * 3 + 3), at * 3);
      }
    }
  }
  const png = await sharp(raster, { raw: { width: WIDTH, height, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toBuffer();

  const line = route.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const arrows = marks.map((n) => {
    const pose = sampler.frame(n);
    const d = poseDirection(pose.quaternion);
    const len = Math.hypot(d[0], d[1]) || 1;
    const [ax, ay] = [px(pose.position[0]), py(pose.position[1])];
    return `<g class="mark"><line x1="${ax.toFixed(1)}" y1="${ay.toFixed(1)}" x2="${(ax + (d[0] / len) * 28).toFixed(1)}" y2="${(ay - (d[1] / len) * 28).toFixed(1)}" stroke="#c62828" stroke-width="2.5" marker-end="url(#head)"/><circle cx="${ax.toFixed(1)}" cy="${ay.toFixed(1)}" r="4" fill="#c62828"/><text x="${(ax + 6).toFixed(1)}" y="${(ay + 14).toFixed(1)}" font-size="12" fill="#7a1010">${n + 1}</text></g>`;
  });
  const keyMarks = keys.map(
    (k, i) =>
      `<g><rect x="${(px(k[0]) - 5).toFixed(1)}" y="${(py(k[1]) - 5).toFixed(1)}" width="10" height="10" fill="#0b4f8a"/><text x="${(px(k[0]) + 8).toFixed(1)}" y="${(py(k[1]) - 6).toFixed(1)}" font-size="12" fill="#0b4f8a">K${i + 1}</text></g>`,
  );
  const bar = niceScaleLength((x1 - x0) * 0.2);
  const barPx = bar * scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Plan view of the camera path over the scene">`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker></defs>`,
    `<image href="data:image/png;base64,${png.toString('base64')}" x="0" y="0" width="${WIDTH}" height="${height}"/>`,
    `<polyline points="${line}" fill="none" stroke="#0b4f8a" stroke-width="2.5" stroke-linejoin="round"/>`,
    ...keyMarks,
    ...arrows,
    `<g><line x1="16" y1="${height - 16}" x2="${(16 + barPx).toFixed(1)}" y2="${height - 16}" stroke="#1b1f24" stroke-width="3"/><text x="16" y="${height - 22}" font-size="12" fill="#1b1f24">${esc(formatLength(bar, manifest.units))}</text></g>`,
    `</svg>`,
  ].join('');
}
