/**
 * COLMAP's project database (SQLite, schema documented at colmap.github.io/database.html): focal-length priors
 * are written into its camera rows between feature extraction and mapping, and per-photo keypoint and verified-
 * match counts are read back to explain why a photo was not registered.
 */
import Database from 'better-sqlite3';
import { VestigeError } from '@vestige/evidence';
import type { CameraGroup, ImageDiagnostics } from '../engine.ts';

/** COLMAP packs an image pair into one id: id1 · 2147483647 + id2 with id1 < id2. */
const PAIR_BASE = 2147483647;

export interface DatabaseImage {
  readonly id: number;
  readonly name: string;
  readonly cameraId: number;
}

function open(path: string, readonly: boolean): Database.Database {
  try {
    return new Database(path, { readonly, fileMustExist: true });
  } catch (err) {
    throw new VestigeError('E_TOOL_FAILED', `COLMAP left no readable database at ${path}: ${(err as Error).message}`, {
      file: path,
      cause: err,
    });
  }
}

export function databaseImages(path: string): DatabaseImage[] {
  const db = open(path, true);
  try {
    return db
      .prepare('SELECT image_id AS id, name, camera_id AS cameraId FROM images ORDER BY image_id')
      .all() as DatabaseImage[];
  } finally {
    db.close();
  }
}

/**
 * Sets each group's focal prior on the cameras of its photos. COLMAP stores params as float64s in model order;
 * the focal length is the first (and, for two-focal models, the second) parameter. `prior_focal_length` tells
 * the mapper to trust it as a starting value; bundle adjustment still refines it.
 */
export function writeFocalPriors(path: string, groups: readonly CameraGroup[], model: string): number {
  const db = open(path, false);
  try {
    const images = db.prepare('SELECT name, camera_id AS cameraId FROM images').all() as Array<{
      name: string;
      cameraId: number;
    }>;
    const select = db.prepare('SELECT params FROM cameras WHERE camera_id = ?');
    const update = db.prepare('UPDATE cameras SET params = ?, prior_focal_length = 1 WHERE camera_id = ?');
    const done = new Set<number>();
    const twoFocal = model === 'PINHOLE' || model === 'OPENCV';
    db.transaction(() => {
      for (const image of images) {
        const group = groups.find((g) => image.name.startsWith(`${g.folder}/`));
        if (!group?.priorFocalPx || done.has(image.cameraId)) continue;
        const row = select.get(image.cameraId) as { params: Buffer } | undefined;
        if (!row) continue;
        const params = new Float64Array(
          row.params.buffer.slice(row.params.byteOffset, row.params.byteOffset + row.params.byteLength),
        );
        params[0] = group.priorFocalPx;
        if (twoFocal) params[1] = group.priorFocalPx;
        update.run(Buffer.from(params.buffer), image.cameraId);
        done.add(image.cameraId);
      }
    })();
    return done.size;
  } finally {
    db.close();
  }
}

/** Keypoints and verified partners of every photo, by image name. */
export function imageDiagnostics(path: string): Map<string, ImageDiagnostics> {
  const db = open(path, true);
  try {
    const images = db.prepare('SELECT image_id AS id, name FROM images').all() as Array<{ id: number; name: string }>;
    const keypoints = new Map(
      (db.prepare('SELECT image_id AS id, rows FROM keypoints').all() as Array<{ id: number; rows: number }>).map(
        (r) => [r.id, r.rows],
      ),
    );
    const partners = new Map<number, number>();
    for (const { pairId } of db
      .prepare('SELECT pair_id AS pairId FROM two_view_geometries WHERE rows > 0')
      .all() as Array<{ pairId: number }>) {
      const id2 = pairId % PAIR_BASE;
      const id1 = (pairId - id2) / PAIR_BASE;
      partners.set(id1, (partners.get(id1) ?? 0) + 1);
      partners.set(id2, (partners.get(id2) ?? 0) + 1);
    }
    return new Map(
      images.map((i) => [i.name, { keypoints: keypoints.get(i.id) ?? 0, verifiedPairs: partners.get(i.id) ?? 0 }]),
    );
  } finally {
    db.close();
  }
}
