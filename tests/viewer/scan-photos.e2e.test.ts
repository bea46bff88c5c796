/**
 * Scanner photos in the viewer (issue 19): a generated E57 with a spherical panorama and a pinhole photo,
 * each with red dots painted where known points of the scan fall (by the scene core's `photoPixelOf`).
 * Standing at each photo's position, the dots the viewer draws must lie within 2 px of where the viewer
 * draws those points, and a click on a dot still picks the point. The libE57Format fixture
 * `PinholeImageWithDistortionParameters.e57`, whose pinholes state focal length and pixel size 0, shows its photos as
 * pictures beside the view.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import { buildScene, manifestSha256, type SceneManifest } from '@vestige/scene';
import { intoPhotoFrame, photoPixelOf, type ScanPhotoProjectionRecord, type Vec3 } from '@vestige/scene/core';
import { startServer, type RunningServer } from '@vestige/server';
import { writeE57, type E57ImageSpec } from '../../samples/scene/e57-writer.ts';
import { makeTempDir, repoRoot, seededRandom } from '../support.ts';
import { ensureViewerBuilt, launchChromium, type VestigeHook } from './browser.ts';

declare const window: { __vestige?: VestigeHook };
type Quat = [number, number, number, number];
type V3 = [number, number, number];

/** Photo frame → scene frame (the pose's rotation). */
const fromPhotoFrame = (q: Quat, v: Vec3): Vec3 => intoPhotoFrame([q[0], -q[1], -q[2], -q[3]], v);
const add = (a: Vec3, b: Vec3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

/** Quaternion (w, x, y, z) of the rotation whose columns are the photo's axes in the scene frame. */
function quatFromAxes(x: Vec3, y: Vec3, z: Vec3): Quat {
  const w = Math.sqrt(Math.max(0, 1 + x[0] + y[1] + z[2])) / 2;
  return [w, (y[2] - z[1]) / (4 * w), (z[0] - x[2]) / (4 * w), (x[1] - y[0]) / (4 * w)];
}

interface PhotoPlan {
  guid: string;
  pose: { rotation: Quat; translation: V3 };
  projection: Exclude<ScanPhotoProjectionRecord, { kind: 'reference' }>;
  /** Known points, in the scene frame. */
  known: V3[];
}

/** A PNG of the photo: grey, with a red disc of radius 3 px centred where each known point lands. */
async function paint(plan: PhotoPlan): Promise<Buffer> {
  const { width, height } = plan.projection;
  const rgb = Buffer.alloc(width * height * 3, 70);
  for (const k of plan.known) {
    const px = photoPixelOf(
      plan.projection,
      intoPhotoFrame(plan.pose.rotation, [
        k[0] - plan.pose.translation[0],
        k[1] - plan.pose.translation[1],
        k[2] - plan.pose.translation[2],
      ]),
    );
    if (!px) throw new Error('a known point misses its photo');
    for (let j = Math.floor(px.y - 4); j <= Math.ceil(px.y + 4); j++) {
      for (let i = Math.floor(px.x - 4); i <= Math.ceil(px.x + 4); i++) {
        if ((i - px.x) ** 2 + (j - px.y) ** 2 > 9 || i < 0 || j < 0 || i >= width || j >= height) continue;
        rgb.set([230, 20, 20], (j * width + i) * 3);
      }
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const station: V3 = [4, 3, 1.5];
const turn = Math.PI / 6;
const spherical: PhotoPlan = {
  guid: 'pano-station-1',
  pose: { rotation: [Math.cos(turn / 2), 0, 0, Math.sin(turn / 2)], translation: station },
  projection: {
    kind: 'spherical',
    width: 2048,
    height: 1024,
    pixelWidth: (2 * Math.PI) / 2048,
    pixelHeight: Math.PI / 1024,
  },
  known: [],
};
// Known points around azimuth 0 of the panorama, 3–4 m away: in view when standing at the station.
for (const [az, el, r] of [
  [0, 0, 3],
  [20, 10, 3.5],
  [-22, -12, 4],
  [15, -18, 3.2],
  [-18, 16, 3.8],
] as const) {
  const a = (az * Math.PI) / 180;
  const e = (el * Math.PI) / 180;
  spherical.known.push(
    add(
      station,
      fromPhotoFrame(spherical.pose.rotation, [
        r * Math.cos(e) * Math.cos(a),
        r * Math.cos(e) * Math.sin(a),
        r * Math.sin(e),
      ]),
    ),
  );
}
const camera: V3 = [5, 2.5, 1.4];
// Optical axis along scene +Y, image right along +X, image down along −Z.
const pinhole: PhotoPlan = {
  guid: 'pinhole-station-2',
  pose: { rotation: quatFromAxes([1, 0, 0], [0, 0, -1], [0, 1, 0]), translation: camera },
  projection: {
    kind: 'pinhole',
    width: 640,
    height: 480,
    focalLength: 0.004,
    pixelWidth: 0.00001,
    pixelHeight: 0.00001,
    principalPointX: 331.5,
    principalPointY: 228.25,
  },
  known: [],
};
for (const [u, v, z] of [
  [331.5, 228.25, 3],
  [150, 100, 2.5],
  [500, 380, 3.5],
  [470, 90, 2.8],
  [180, 400, 3.1],
] as const) {
  const f = 400;
  pinhole.known.push(
    add(camera, fromPhotoFrame(pinhole.pose.rotation, [((u - 331.5) / f) * z, ((v - 228.25) / f) * z, z])),
  );
}

/** A room of 30 000 points around the stations, plus the known points. */
function scanColumns(): number[][] {
  const rnd = seededRandom(19);
  const cols: number[][] = [[], [], []];
  for (let i = 0; i < 30_000; i++) {
    const wall = i % 4;
    const t = rnd() * 10;
    const z = rnd() * 3;
    const [x, y] = wall === 0 ? [t, 0] : wall === 1 ? [t, 8] : wall === 2 ? [0, t * 0.8] : [10, t * 0.8];
    cols[0]!.push(x!), cols[1]!.push(y!), cols[2]!.push(z);
  }
  for (const k of [...spherical.known, ...pinhole.known]) cols[0]!.push(k[0]), cols[1]!.push(k[1]), cols[2]!.push(k[2]);
  return cols;
}

async function imageSpec(plan: PhotoPlan, name: string): Promise<E57ImageSpec> {
  const p = plan.projection;
  const parameters: Record<string, number> =
    p.kind === 'pinhole'
      ? {
          focalLength: p.focalLength,
          pixelWidth: p.pixelWidth,
          pixelHeight: p.pixelHeight,
          principalPointX: p.principalPointX,
          principalPointY: p.principalPointY,
        }
      : { pixelWidth: p.pixelWidth, pixelHeight: p.pixelHeight };
  return {
    name,
    guid: plan.guid,
    representation: p.kind === 'pinhole' ? 'pinholeRepresentation' : 'sphericalRepresentation',
    encoding: 'pngImage',
    bytes: await paint(plan),
    width: p.width,
    height: p.height,
    parameters,
    pose: plan.pose,
  };
}

/** Centroid of the red pixels within 20 px of (x, y) in an RGBA screenshot. */
function redCentroid(
  img: { data: Buffer; width: number; height: number },
  x: number,
  y: number,
): { x: number; y: number; pixels: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let j = Math.max(0, Math.round(y) - 20); j <= Math.min(img.height - 1, Math.round(y) + 20); j++) {
    for (let i = Math.max(0, Math.round(x) - 20); i <= Math.min(img.width - 1, Math.round(x) + 20); i++) {
      const o = (j * img.width + i) * 4;
      const r = img.data[o]!;
      const g = img.data[o + 1]!;
      const b = img.data[o + 2]!;
      if (r < 150 || g > 90 || b > 90) continue;
      // Pixel (i, j) covers [i, i + 1): its centre is at i + 0.5 in page coordinates.
      sx += i + 0.5;
      sy += j + 0.5;
      n++;
    }
  }
  return { x: sx / n, y: sy / n, pixels: n };
}

describe('scanner photos over the points', () => {
  let root: string;
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  const scenes: { caseId: string; manifest: SceneManifest }[] = [];

  beforeAll(async () => {
    ensureViewerBuilt();
    root = makeTempDir('vestige-scan-photos-');
    const e57 = join(root, 'stations.e57');
    const cols = scanColumns();
    writeE57(
      e57,
      [
        {
          name: 'room',
          fields: ['cartesianX', 'cartesianY', 'cartesianZ'].map((name) => ({
            name,
            type: 'Float' as const,
            precision: 'double' as const,
          })),
          columns: cols,
        },
      ],
      {
        images: [await imageSpec(spherical, 'station 1 panorama'), await imageSpec(pinhole, 'station 2 camera')],
      },
    );
    const fixture = join(repoRoot, 'tests/fixtures/3d/e57/PinholeImageWithDistortionParameters.e57');
    // The fixture has photos but no points: it is built beside a small LAS.
    for (const [reference, inputs] of [
      ['OP-PANO', [e57]],
      ['OP-PINHOLE', [join(repoRoot, 'tests/fixtures/3d/las/simple.las'), fixture]],
    ] as const) {
      const store = CaseStore.init(join(root, reference), { operator: 'PC 1', reference });
      try {
        const result = await buildScene(store, {
          inputs: [...inputs],
          operator: 'PC 1',
          now: new Date('2026-01-01T00:00:00Z'),
        });
        scenes.push({ caseId: store.info.id, manifest: result.manifest });
      } finally {
        store.close();
      }
    }
    server = await startServer({ cases: [join(root, 'OP-PANO'), join(root, 'OP-PINHOLE')], operator: 'PC 1' });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  async function open(which: number, context: Awaited<ReturnType<typeof chrome.browser.newContext>>) {
    const { caseId, manifest } = scenes[which]!;
    const page = await context.newPage();
    await page.goto(server.sceneUrl(caseId));
    await page.locator('.manifest-hash').first().waitFor({ timeout: 30_000 });
    await page.goto(
      `${server.url}/view?case=${encodeURIComponent(caseId)}&scene=${encodeURIComponent(manifest.id)}&manifest=${manifestSha256(manifest)}`,
    );
    await page.waitForFunction(() => window.__vestige?.ready === true, undefined, { timeout: 60_000 });
    await page.evaluate(() => window.__vestige!.idle());
    return page;
  }

  for (const plan of [spherical, pinhole]) {
    it(`draws the ${plan.projection.kind} photo over the points, each known point within 2 px of its dot in the photo`, async () => {
      const context = await chrome.browser.newContext({ viewport: { width: 1200, height: 700 } });
      try {
        const page = await open(0, context);
        expect(await page.locator('#scan-photos button').allTextContents()).toEqual([
          'station 1 panorama (spherical)',
          'station 2 camera (pinhole)',
        ]);
        const state = await page.evaluate((id) => window.__vestige!.showScanPhoto(id), plan.guid);
        expect(state).toMatchObject({ id: plan.guid, mode: 'projected', drawn: true, note: null });
        await page.evaluate(() => window.__vestige!.idle());
        const expected = await page.evaluate((pts) => pts.map((p) => window.__vestige!.project(p)), plan.known);
        const shot = await sharp(await page.screenshot())
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const img = { data: shot.data, width: shot.info.width, height: shot.info.height };
        const offsets = expected.map((e) => {
          expect(e).not.toBeNull();
          const c = redCentroid(img, e!.x, e!.y);
          expect(c.pixels).toBeGreaterThan(8);
          return Math.hypot(c.x - e!.x, c.y - e!.y);
        });
        process.stderr.write(
          `${plan.projection.kind}: dot-to-point offsets ${offsets.map((d) => d.toFixed(2)).join(', ')} px\n`,
        );
        for (const d of offsets) expect(d).toBeLessThanOrEqual(2);
        // Measuring still snaps to points: a click on the first dot picks the known point under it.
        await page.mouse.click(expected[0]!.x, expected[0]!.y);
        const picked = await page.evaluate(() => {
          const v = window.__vestige!.viewer;
          return v.lastPick ? v.toSource(v.lastPick.world) : null;
        });
        expect(picked).not.toBeNull();
        expect(
          Math.hypot(picked![0] - plan.known[0]![0], picked![1] - plan.known[0]![1], picked![2] - plan.known[0]![2]),
        ).toBeLessThan(0.005);
        expect((await page.evaluate(() => window.__vestige!.state())).warnings).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it("shows the libE57Format fixture's pinhole photos (no focal length stated) as pictures beside the view, never placed", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1200, height: 700 } });
    try {
      const page = await open(1, context);
      expect(await page.locator('#scan-photos button').allTextContents()).toEqual([
        'JPEG Image Test 1 (pinhole)',
        'JPEG Image Test 2 (pinhole)',
        'JPEG Image Test 3 (pinhole)',
      ]);
      for (const n of [1, 2, 3]) {
        const state = await page.evaluate(
          (id) => window.__vestige!.showScanPhoto(id),
          `Pinhole Image ${n} - JPEG Image GUID`,
        );
        expect(state).toMatchObject({ mode: 'picture', drawn: true });
        expect(state!.note).toContain('states no focal length or pixel size');
        const picture = page.locator('#scan-photo-picture');
        await expect(picture.isVisible()).resolves.toBe(true);
        // The JPEG (1 × 1 px, copied from the file and checked against its SHA-256) decoded in the page.
        await expect
          .poll(() => picture.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth))
          .toBe(1);
        expect(await picture.getAttribute('data-photo')).toBe(`Pinhole Image ${n} - JPEG Image GUID`);
      }
      expect((await page.evaluate(() => window.__vestige!.state())).warnings).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
