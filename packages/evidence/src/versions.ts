import { readFileSync } from 'node:fs';
import type { SoftwareVersions } from './types.ts';

let vestigeVersion: string | undefined;

/** The toolkit's version, read once from the repository's root package.json. */
export function vestigeVersionString(): string {
  if (vestigeVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    vestigeVersion = pkg.version;
  }
  return vestigeVersion;
}

/**
 * Everything that can change an output's bytes: recorded in every provenance record, because libvips
 * or ffmpeg can give different bytes on another platform or version.
 */
export function softwareVersions(libraries: Record<string, string> = {}): SoftwareVersions {
  return {
    vestige: vestigeVersionString(),
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    libraries: Object.fromEntries(Object.entries(libraries).sort(([a], [b]) => a.localeCompare(b))),
  };
}
