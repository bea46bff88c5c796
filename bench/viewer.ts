/**
 * `pnpm bench viewer`: a generated 10-million-point scene (Potree 2.0, stored in a case as blobs) served
 * by `@vestige/server` and opened in headless Chromium with software WebGL (SwiftShader).
 *
 * Measures, per round in a fresh browser context (empty cache): time from the start of navigation to
 * the first frame that draws points, and the bytes transferred before that frame (resource timing:
 * page, bundle, manifest, integrity index, hierarchy and the first nodes). Peer, in the same run: the
 * same browser fetching the whole octree (what a viewer without level of detail must download before
 * its first complete frame). Targets: first frame ≤ 1.5 s and < 5 MB.
 *
 * Options: --points N (default 10 000 000; use 1000000 while developing), --rounds N (default 3).
 * The generated case is kept in bench/work/ and reused.
 */
import * as fs from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '@vestige/server';
import { ensureViewerBuilt, launchChromium, type VestigeHook } from '../tests/viewer/browser.ts';
import { hallPoints, makeSceneCase } from '../tests/viewer/scene-fixture.ts';
import { benchWorkDir, seconds, writeResult } from './support.ts';

declare const window: { __vestige?: VestigeHook };
declare const performance: {
  getEntriesByType(
    type: string,
  ): Array<{ name: string; transferSize: number; encodedBodySize: number; responseEnd: number; startTime: number }>;
};

const { values } = parseArgs({
  options: { points: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' } },
});
const points = Number(values.points);
const rounds = Number(values.rounds);
const TARGET_MS = 1500;
const TARGET_BYTES = 5_000_000;

ensureViewerBuilt();
const caseDir = join(benchWorkDir, `viewer-case-${points}`);
let caseId: string;
const marker = join(benchWorkDir, `viewer-case-${points}.json`);
if (fs.existsSync(marker) && fs.existsSync(join(caseDir, 'case.json'))) {
  caseId = (JSON.parse(fs.readFileSync(marker, 'utf8')) as { caseId: string }).caseId;
  console.error(`reusing ${caseDir}`);
} else {
  fs.rmSync(caseDir, { recursive: true, force: true });
  fs.mkdirSync(benchWorkDir, { recursive: true });
  const t0 = process.hrtime.bigint();
  caseId = (
    await makeSceneCase(caseDir, { points: hallPoints(points), withMesh: false, name: `Hall, ${points} points` })
  ).caseId;
  fs.writeFileSync(marker, JSON.stringify({ caseId }));
  console.error(`generated ${points} points into ${caseDir} in ${seconds(t0).toFixed(1)} s`);
}

const server = await startServer({ cases: [caseDir], readOnly: true });
const chrome = await launchChromium();
try {
  // The server hashes each layer's tiles once at start; wait for that, as a warm server would be.
  const t0 = process.hrtime.bigint();
  const idx = await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1/layers/scan/index`, {
    headers: { Authorization: `Bearer ${server.token}` },
  });
  if (!idx.ok) throw new Error(`index: ${idx.status}`);
  const index = (await idx.json()) as { nodes: Record<string, unknown> };
  const indexSeconds = seconds(t0);
  const manifest = (await (
    await fetch(`${server.url}/api/cases/${caseId}/scenes/scene-1`, {
      headers: { Authorization: `Bearer ${server.token}` },
    })
  ).json()) as {
    manifest: { layers: Array<{ files: { octree: { sha256: string; size: number }; hierarchy: { size: number } } }> };
  };
  const octree = manifest.manifest.layers[0]!.files.octree;

  const results: Array<{
    firstFrameMs: number;
    bytesBeforeFirstFrame: number;
    requestsBeforeFirstFrame: number;
    pointsAtFirstFrame: number;
    marks: Record<string, number>;
    peerFullDownloadMs: number;
    peerBytes: number;
  }> = [];
  for (let r = 0; r < rounds; r++) {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(server.sceneUrl(caseId, 'scene-1'));
    await page.waitForFunction(() => window.__vestige?.firstFrameAt() != null, undefined, {
      timeout: 60_000,
      polling: 20,
    });
    const m = await page.evaluate(() => {
      const first = window.__vestige!.firstFrameAt()!;
      const nav = performance.getEntriesByType('navigation');
      const res = performance.getEntriesByType('resource').filter((e) => e.responseEnd <= first);
      const entries = [...nav, ...res];
      return {
        firstFrameMs: first,
        bytesBeforeFirstFrame: entries.reduce((s, e) => s + (e.transferSize || e.encodedBodySize), 0),
        requestsBeforeFirstFrame: entries.length,
        pointsAtFirstFrame: window.__vestige!.state().visiblePoints,
        marks: Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, Math.round(e.startTime)])),
      };
    });
    // Peer: the whole octree, as a viewer without level of detail must fetch it.
    const peer = await page.evaluate(async (url) => {
      const t = performance.getEntriesByType('navigation')[0]!.startTime;
      void t;
      const start = Date.now();
      const buf = await (await fetch(url, { credentials: 'same-origin' })).arrayBuffer();
      return { ms: Date.now() - start, bytes: buf.byteLength };
    }, `/api/cases/${caseId}/blobs/${octree.sha256}`);
    results.push({ ...m, peerFullDownloadMs: peer.ms, peerBytes: peer.bytes });
    console.error(
      `round ${r + 1}: first frame ${m.firstFrameMs.toFixed(0)} ms ${JSON.stringify(m.marks)}, ${(m.bytesBeforeFirstFrame / 1e6).toFixed(2)} MB in ${m.requestsBeforeFirstFrame} requests, ${m.pointsAtFirstFrame} points; peer full octree ${peer.ms} ms, ${(peer.bytes / 1e6).toFixed(1)} MB`,
    );
    await context.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const firstFrameMs = median(results.map((x) => x.firstFrameMs));
  const bytes = median(results.map((x) => x.bytesBeforeFirstFrame));
  const peerMs = median(results.map((x) => x.peerFullDownloadMs));
  const path = writeResult('viewer', {
    description:
      'Time from navigation start (sign-in redirect included) to the first frame with points, and bytes transferred before it, for a generated Potree 2.0 scene served from a case; headless Chromium, software WebGL (SwiftShader), fresh browser context each round. Peer: fetching the whole octree.bin in the same browser.',
    points,
    /** The machine is shared: its 1/5/15-minute load average when the rounds ended, to read the times by. */
    loadAverage: loadavg(),
    nodes: Object.keys(index.nodes).length,
    octreeBytes: octree.size,
    serverIndexSeconds: indexSeconds,
    rounds: results,
    vestige: { firstFrameMs, bytesBeforeFirstFrame: bytes },
    peer: { fullOctreeDownloadMs: peerMs, bytes: octree.size },
    ratio: { firstFrameVsPeerDownload: firstFrameMs / peerMs, bytesVsPeer: bytes / octree.size },
    target: { firstFrameMs: TARGET_MS, bytesBeforeFirstFrame: TARGET_BYTES },
    met: { firstFrame: firstFrameMs <= TARGET_MS, bytes: bytes < TARGET_BYTES },
  });
  console.error(
    `first frame ${firstFrameMs.toFixed(0)} ms (target ≤ ${TARGET_MS}), ${(bytes / 1e6).toFixed(2)} MB before it (target < 5 MB) → ${path}`,
  );
} finally {
  await chrome.close();
  await server.close();
}
