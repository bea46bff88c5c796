#!/usr/bin/env node
/**
 * Builds the viewer (vite) into apps/viewer/dist when its sources changed since the last build, and
 * only then. Run by the root `postinstall` (so `pnpm install` leaves a servable viewer), by `vestige
 * serve` before it starts, and by the browser tests. Fresh means: the SHA-256 over every source file the
 * bundle is made from (the viewer's own, and the scene core it imports) equals the one stamped in
 * dist/.sources-sha256 by the last build. Content, not modification times: a fresh clone or a checkout
 * sets every time to now. Checking costs a few milliseconds; a build about 6 s on two cores.
 *
 * The same sources give the same bundle: vite names each asset by the hash of its content.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withBuildLock } from '../../scripts/build-lock.mjs';

export const viewerDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(viewerDir, '..', '..');
export const distDir = join(viewerDir, 'dist');
const STAMP = join(distDir, '.sources-sha256');

/**
 * Everything the bundle is built from, relative to the repository root. The scene core's import graph
 * is held to these folders by packages/scene/src/core/core-imports.test.ts.
 */
export const VIEWER_SOURCES = [
  'apps/viewer/src',
  'apps/viewer/public',
  'apps/viewer/index.html',
  'apps/viewer/vite.config.ts',
  'apps/viewer/package.json',
  'packages/scene/src/core',
  'packages/scene/src/manifest',
  'packages/scene/src/points.ts',
  'packages/evidence/src/errors.ts',
  'packages/evidence/src/canonical-json.ts',
];

function filesUnder(path) {
  if (!fs.existsSync(path)) return [];
  if (!fs.statSync(path).isDirectory()) return [path];
  return fs.readdirSync(path, { withFileTypes: true }).flatMap((e) => filesUnder(join(path, e.name)));
}

/** SHA-256 over the sorted source paths and their bytes (tests left out: they are not bundled). */
export function viewerSourcesHash() {
  const files = VIEWER_SOURCES.flatMap((p) => filesUnder(join(repoRoot, p)))
    .filter((f) => !f.endsWith('.test.ts'))
    .map((f) => relative(repoRoot, f).split('\\').join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(fs.readFileSync(join(repoRoot, f)))
      .update('\0');
  return hash.digest('hex');
}

export function viewerIsFresh() {
  return (
    fs.existsSync(join(distDir, 'index.html')) &&
    fs.existsSync(STAMP) &&
    fs.readFileSync(STAMP, 'utf8').trim() === viewerSourcesHash()
  );
}

/**
 * Builds the viewer unless it is fresh. Returns 'fresh' or 'built'; throws when vite fails (its
 * messages are on stderr).
 */
export function ensureViewerBuilt({ log = () => {} } = {}) {
  if (viewerIsFresh()) return 'fresh';
  return withBuildLock(join(viewerDir, '.build.lock'), () => {
    if (viewerIsFresh()) return 'fresh';
    const started = Date.now();
    const hash = viewerSourcesHash();
    const vite = join(viewerDir, 'node_modules', 'vite', 'bin', 'vite.js');
    execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: viewerDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    fs.writeFileSync(STAMP, `${hash}\n`);
    log(
      `viewer built into ${relative(process.cwd(), distDir) || distDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return 'built';
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = ensureViewerBuilt({ log: (line) => console.log(line) });
  if (result === 'fresh') console.log('viewer is up to date');
}
