/**
 * Before serving: make sure the built viewer matches its sources (apps/viewer/build.mjs), rebuilding it
 * when they changed since the last build (a pull without a new `pnpm install`, an edit). `pnpm install`
 * already builds it, so this is normally a check of a few milliseconds. Outside a source checkout (no
 * build script beside the viewer) there is nothing to do.
 */
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'viewer', 'build.mjs');

export async function prepareViewer(log: (line: string) => void): Promise<'fresh' | 'built' | 'no sources' | 'failed'> {
  if (!fs.existsSync(BUILD_SCRIPT) || !fs.existsSync(join(dirname(BUILD_SCRIPT), 'src'))) return 'no sources';
  const build = (await import(pathToFileURL(BUILD_SCRIPT).href)) as {
    ensureViewerBuilt(o: { log(line: string): void }): 'fresh' | 'built';
  };
  try {
    return build.ensureViewerBuilt({ log });
  } catch (err) {
    log(
      `warning: the viewer could not be built (${(err as Error).message.split('\n')[0]}); the API is served, the page answers 503.`,
    );
    return 'failed';
  }
}
