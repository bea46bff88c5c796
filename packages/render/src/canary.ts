/**
 * The canary: a small fixed scene rendered through the whole pipeline (server, viewer, point shader,
 * eye-dome lighting, overlay text, PNG encoder) when a render node starts. Its SHA-256 names the node's
 * render class: two nodes with the same canary hash draw the same pixels, so the farm's guarantee is
 * "same scene, recipe, viewer bundle and render class ⇒ identical frames". A node whose Chromium build,
 * graphics (SwiftShader or a GPU), or fonts differ gets another class.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseStore } from '@vestige/evidence';
import {
  IDENTITY_TRANSFORM,
  SCENE_MANIFEST_SCHEMA,
  SCENE_MANIFEST_VERSION,
  writePotreeInMemory,
  type SceneManifest,
} from '@vestige/scene';
import type { RenderPageSettings } from './page-contract.ts';

export const CANARY_SIZE = { width: 160, height: 90 };
export const CANARY_SCENE = 'canary';

/** A 4 × 4 m checker floor and a colour-graded sphere: about 7,500 points, no randomness. */
function canaryPoints(): { positions: Float64Array; rgb: Uint8Array } {
  const pos: number[] = [];
  const col: number[] = [];
  for (let i = 0; i <= 80; i++) {
    for (let j = 0; j <= 80; j++) {
      const dark = (Math.floor(i / 10) + Math.floor(j / 10)) % 2 === 0;
      pos.push(i * 0.05, j * 0.05, 0);
      col.push(dark ? 70 : 200, dark ? 80 : 190, dark ? 90 : 170);
    }
  }
  for (let a = 0; a < 36; a++) {
    for (let b = 1; b < 36; b++) {
      const theta = (a / 36) * 2 * Math.PI;
      const phi = (b / 36) * Math.PI;
      pos.push(
        2 + 0.6 * Math.sin(phi) * Math.cos(theta),
        2 + 0.6 * Math.sin(phi) * Math.sin(theta),
        0.6 + 0.6 * Math.cos(phi),
      );
      col.push(40 + a * 6, 220 - b * 5, 120);
    }
  }
  return { positions: Float64Array.from(pos), rgb: Uint8Array.from(col) };
}

/** Writes the canary scene into a new temporary case; returns its folder (remove it when done). */
export async function makeCanaryCase(): Promise<{ root: string; caseDir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'vestige-canary-'));
  const caseDir = join(root, 'case');
  const when = new Date('2026-01-01T00:00:00.000Z');
  const operator = 'vestige render canary';
  const store = CaseStore.init(caseDir, { operator, name: 'Render canary', reference: 'CANARY', now: () => when });
  try {
    const points = canaryPoints();
    const files = writePotreeInMemory({ positions: points.positions, rgb: points.rgb }, { name: 'canary' });
    const [metadata, hierarchy, octree] = [files.metadata, files.hierarchy, files.octree].map((b) => Buffer.from(b));
    const blobs = {
      metadata: await store.blobs.putBuffer(metadata!),
      hierarchy: await store.blobs.putBuffer(hierarchy!),
      octree: await store.blobs.putBuffer(octree!),
    };
    const ref = (d: { sha256: string; size: number }) => ({ sha256: d.sha256, size: d.size });
    const manifest: SceneManifest = {
      schema: SCENE_MANIFEST_SCHEMA,
      version: SCENE_MANIFEST_VERSION,
      id: CANARY_SCENE,
      name: 'Render canary',
      createdAt: when.toISOString(),
      units: 'm',
      origin: { offset: [0, 0, 0] },
      transform: [...IDENTITY_TRANSFORM],
      adjustments: [],
      inputs: [],
      layers: [
        {
          type: 'pointcloud',
          id: 'canary',
          name: 'Canary',
          format: 'potree-2.0',
          files: { metadata: ref(blobs.metadata), hierarchy: ref(blobs.hierarchy), octree: ref(blobs.octree) },
          points: points.positions.length / 3,
          bounds: { min: [0, 0, 0], max: [4, 4, 1.2] },
          attributes: ['position', 'rgb'],
          spacing: files.metadataJson.spacing,
          scale: files.metadataJson.scale[0],
          inputs: [],
          sampling: 'generated render canary',
        },
      ],
      provenanceId: null,
    };
    store.putRecord('scenes', CANARY_SCENE, manifest, operator);
  } finally {
    store.close();
  }
  return { root, caseDir };
}

export function removeCanaryCase(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Everything on: round points, RGB, eye-dome lighting, every overlay (so fonts count too). */
export const CANARY_SETTINGS: RenderPageSettings = {
  pointBudget: 1_000_000,
  maxScreenError: 1.5,
  pointSize: 2,
  pointSizeFactor: 1.2,
  pointShape: 'circle',
  colorMode: 'rgb',
  edl: { enabled: true, strength: 1, radius: 1.4 },
  overlays: { caseReference: true, frameNumber: true, time: true, scaleBar: true },
  path: {
    id: 'canary',
    name: 'canary',
    fps: 1,
    keyframes: [{ position: [4.5, -1.5, 2.2], target: [2, 2, 0.5], fov: 50, time: 0 }],
  },
  frames: 1,
};
