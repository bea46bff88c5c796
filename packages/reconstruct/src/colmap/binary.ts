/**
 * Which COLMAP runs, and what it can do. COLMAP is a separate program (Debian package `colmap`): its Debian
 * binary links GPL libraries, so Vestige never links it in, it only runs it. `COLMAP_PATH` picks a binary (a
 * CUDA build on a GPU node); otherwise `colmap` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { VestigeError } from '@vestige/evidence';

export interface ColmapBinary {
  readonly path: string;
  /** e.g. `3.8`. */
  readonly version: string;
  /** The banner line COLMAP prints (`COLMAP 3.8 -- … (Commit … without CUDA)`), kept for provenance. */
  readonly banner: string;
  /** Built with CUDA: dense stereo (patch-match) and GPU SIFT can run. */
  readonly cuda: boolean;
}

const cache = new Map<string, ColmapBinary>();

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const INSTALL_HINT =
  'Install COLMAP (Debian/Ubuntu: apt-get install colmap), or set COLMAP_PATH to a colmap binary. `vestige doctor` shows what was found.';

/** Finds COLMAP and reads its version and build (CUDA or not) from its help banner. */
export function resolveColmap(env: NodeJS.ProcessEnv = process.env): ColmapBinary {
  const chosen = env.COLMAP_PATH
    ? isAbsolute(env.COLMAP_PATH)
      ? env.COLMAP_PATH
      : onPath(env.COLMAP_PATH)
    : onPath('colmap');
  if (!chosen || !existsSync(chosen)) {
    throw new VestigeError(
      'E_TOOL_MISSING',
      env.COLMAP_PATH
        ? `COLMAP_PATH names ${env.COLMAP_PATH}, which does not exist.`
        : 'COLMAP is not installed (no `colmap` on PATH).',
      {
        ...(env.COLMAP_PATH ? { file: env.COLMAP_PATH } : {}),
        hint: INSTALL_HINT,
      },
    );
  }
  const known = cache.get(chosen);
  if (known) return known;
  const run = spawnSync(chosen, ['-h'], { encoding: 'utf8', env: colmapEnv(env), timeout: 30_000 });
  const text = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const banner = /COLMAP[^\n]*\n\s*\([^)]*\)/.exec(text)?.[0].replace(/\s+/g, ' ') ?? '';
  const version = /COLMAP (\d+\.\d+(?:\.\d+)?(?:-dev)?)/.exec(text)?.[1];
  if (run.error || !version) {
    throw new VestigeError(
      'E_TOOL_MISSING',
      `${chosen} did not run as COLMAP: ${run.error?.message ?? (text.trim().split('\n').slice(-2).join(' | ') || `exit ${run.status}`)}`,
      {
        file: chosen,
        hint: INSTALL_HINT,
      },
    );
  }
  const binary: ColmapBinary = {
    path: chosen,
    version,
    banner,
    cuda: /with CUDA/.test(text) && !/without CUDA/.test(text),
  };
  cache.set(chosen, binary);
  return binary;
}

/** COLMAP is a Qt program: without a display it must not try to open one. */
export function colmapEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, QT_QPA_PLATFORM: env.QT_QPA_PLATFORM ?? 'offscreen' };
}

/** What `vestige doctor` shows: present or not, version, dense stereo or not, without throwing. */
export function colmapStatus(
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; binary: ColmapBinary } | { ok: false; error: string; hint: string } {
  try {
    return { ok: true, binary: resolveColmap(env) };
  } catch (err) {
    if (err instanceof VestigeError) return { ok: false, error: err.message, hint: err.hint ?? INSTALL_HINT };
    throw err;
  }
}
