import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * A dependency's version from its package.json (found from its entry point: some packages do not export package.json).
 */
function versionOf(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Bumped whenever an operation's output bytes can change for the same input. */
// 2.0.0: LAS/LAZ keep their own integers, power-of-two cubes, integer cell arithmetic, Poisson-disk
// sampling, octree.bin laid out chunk by chunk with the upper levels last, tile hashes, scanner photos.
export const SCENE_OPERATION_VERSION = '2.0.0';

/** Libraries whose versions can change scene outputs, for provenance. */
export const SCENE_LIBRARIES: Record<string, string> = {
  'laz-perf': versionOf('laz-perf'),
  copc: versionOf('copc'),
  '@gltf-transform/core': versionOf('@gltf-transform/core'),
  'fast-xml-parser': versionOf('fast-xml-parser'),
};
