/**
 * The viewer's first-frame budget on octrees of different sizes: the viewer's own layer code
 * (apps/viewer/src/potree.ts: PotreeLayer, its tile checks and its node selection) opens each octree from
 * disk through a stand-in for the server, with the viewer's home view (NavigationControls.resetView:
 * from the front, a little above, the whole box in a 60° field of view) on a 1280 × 720 viewport, the
 * default point budget (2 M) and screen error (1.5 px). For each it records what the first frame needs
 * (metadata, the first hierarchy chunk, the root node) and what the finished home view loads (nodes,
 * points, bytes), so a 200 M-point scene can be compared with a 10 M one.
 *
 * Usage: node --import tsx bench/scene/first-frame.ts OCTREE_DIR... (folders a Vestige build wrote:
 * `pnpm bench scene-200m --keep` leaves bench/work/octree-POINTS). Writes bench/results/scene-first-frame.json.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { chunkWithSection, tileHashSection, type PotreeMetadataJson } from '@vestige/scene/core';
import { repoRoot, writeResult } from '../support.ts';

// The viewer's modules resolve three.js from apps/viewer; loaded by path so the bench does not depend on it.
interface Vec {
  x: number;
  y: number;
  z: number;
}
interface Camera {
  position: { set(x: number, y: number, z: number): void };
  near: number;
  far: number;
  lookAt(x: number, y: number, z: number): void;
  updateProjectionMatrix(): void;
  updateMatrixWorld(): void;
}
interface Layer {
  open(): Promise<void>;
  update(camera: Camera, viewportHeight: number, pointBudget: number, maxScreenError: number): boolean;
  loadSelection(
    camera: Camera,
    viewportHeight: number,
    pointBudget: number,
    maxScreenError: number,
  ): Promise<unknown[]>;
  readonly pending: number;
  root: { box: { min: Vec; max: Vec }; numPoints: number; byteSize: number };
  visibleNodes: { name: string; numPoints: number }[];
  visiblePoints: number;
  loadedPoints: number;
}
const three = (await import(join(repoRoot, 'apps', 'viewer', 'node_modules', 'three', 'build', 'three.module.js'))) as {
  PerspectiveCamera: new (fov: number, aspect: number, near: number, far: number) => Camera;
};
const { PotreeLayer } = (await import(join(repoRoot, 'apps', 'viewer', 'src', 'potree.ts'))) as {
  PotreeLayer: new (...args: unknown[]) => Layer;
};
const { sharedPointUniforms } = (await import(join(repoRoot, 'apps', 'viewer', 'src', 'point-material.ts'))) as {
  sharedPointUniforms: () => unknown;
};

const VIEWPORT = { width: 1280, height: 720 };
const POINT_BUDGET = 2_000_000;
const MAX_SCREEN_ERROR = 1.5;

/** Serves an octree folder's files by name, as the server serves blobs by hash, counting the bytes. */
class FolderApi {
  bytesReceived = 0;
  constructor(private readonly dir: string) {}

  async blob(name: string, range?: { start: number; end: number }): Promise<ArrayBuffer> {
    const path = join(this.dir, name);
    const start = range?.start ?? 0;
    const end = range?.end ?? fs.statSync(path).size;
    const bytes = new Uint8Array(end - start);
    const fd = fs.openSync(path, 'r');
    try {
      fs.readSync(fd, bytes, 0, bytes.length, start);
    } finally {
      fs.closeSync(fd);
    }
    this.bytesReceived += bytes.length;
    return bytes.buffer;
  }

  verifiedBlob(name: string): Promise<ArrayBuffer> {
    return this.blob(name);
  }
}

async function firstFrame(dir: string): Promise<Record<string, unknown>> {
  const metadata = JSON.parse(fs.readFileSync(join(dir, 'metadata.json'), 'utf8')) as PotreeMetadataJson;
  const first = { offset: 0, size: metadata.hierarchy.firstChunkSize };
  const section = tileHashSection(first);
  const hierarchy = fs.readFileSync(join(dir, 'hierarchy.bin')).subarray(0, first.size);
  const tiles = fs.readFileSync(join(dir, 'tile-hashes.bin')).subarray(section.offset, section.offset + section.size);
  const root = createHash('sha256').update(chunkWithSection(hierarchy, tiles)).digest('hex');
  const ref = {
    id: 'points',
    name: 'points',
    files: {
      metadata: { sha256: 'metadata.json' },
      hierarchy: { sha256: 'hierarchy.bin' },
      octree: { sha256: 'octree.bin' },
    },
    tileHashes: { sha256: 'tile-hashes.bin', root, firstChunkSize: first.size },
  };
  const api = new FolderApi(dir);
  const warnings: string[] = [];
  const origin = metadata.boundingBox.min.map(Math.floor) as [number, number, number];
  const layer = new PotreeLayer(ref, api, 'scene', origin, sharedPointUniforms(), {
    onWarning: (m: string) => warnings.push(m),
    onNodeLoaded: () => undefined,
  });
  const t0 = performance.now();
  await layer.open();
  const openBytes = api.bytesReceived;
  // The home view (NavigationControls.resetView).
  const { min, max } = layer.root.box;
  const c = [(min.x + max.x) / 2, (min.y + max.y) / 2, (min.z + max.z) / 2] as const;
  const radius = Math.max(Math.hypot(max.x - min.x, max.y - min.y, max.z - min.z) / 2, 0.5);
  const dist = radius / Math.sin((60 * Math.PI) / 360);
  const camera = new three.PerspectiveCamera(
    60,
    VIEWPORT.width / VIEWPORT.height,
    Math.max(radius / 2000, 0.01),
    dist * 20 + radius * 4,
  );
  camera.position.set(c[0], c[1] - dist * 0.75, c[2] + dist * 0.65);
  camera.lookAt(c[0], c[1], c[2]);
  camera.updateMatrixWorld();
  // The first frame with points: the root node loaded and drawn.
  layer.update(camera, VIEWPORT.height, POINT_BUDGET, MAX_SCREEN_ERROR);
  while (layer.pending > 0) await new Promise((r) => setTimeout(r, 5));
  layer.update(camera, VIEWPORT.height, POINT_BUDGET, MAX_SCREEN_ERROR);
  const firstFrameBytes = api.bytesReceived;
  const firstFramePoints = layer.visiblePoints;
  // The finished home view: every node the selection reaches within the budget, loaded.
  const failed = await layer.loadSelection(camera, VIEWPORT.height, POINT_BUDGET, MAX_SCREEN_ERROR);
  return {
    octree: dir,
    points: metadata.points,
    firstFrame: {
      bytes: firstFrameBytes,
      indexBytes: openBytes,
      rootPoints: layer.root.numPoints,
      rootBytes: layer.root.byteSize,
      visiblePoints: firstFramePoints,
    },
    homeView: {
      nodes: layer.visibleNodes.length,
      visiblePoints: layer.visiblePoints,
      loadedPoints: layer.loadedPoints,
      bytes: api.bytesReceived,
      deepestLevel: Math.max(...layer.visibleNodes.map((n) => n.name.length - 1)),
      failed: failed.length,
      seconds: +((performance.now() - t0) / 1000).toFixed(2),
    },
    warnings,
  };
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: first-frame.ts OCTREE_DIR...');
const results = [];
for (const dir of dirs) {
  const r = await firstFrame(dir);
  console.error(JSON.stringify(r));
  results.push(r);
}
console.error(
  `results: ${writeResult('scene-first-frame', { description: `The viewer's layer code (apps/viewer/src/potree.ts) on each octree: home view, ${VIEWPORT.width}×${VIEWPORT.height}, point budget ${POINT_BUDGET}, screen error ${MAX_SCREEN_ERROR} px; firstFrame is what is fetched until the root is drawn, homeView what the finished view loads`, pointBudget: POINT_BUDGET, results })}`,
);
