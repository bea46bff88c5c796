/**
 * The one worker pool and its rule for loading workers (docs/DESIGN.md §7, "One worker pool"): only
 * `@vestige/evidence/worker-pool` starts worker threads; every worker script is a `*-worker.mjs` or
 * `*-worker.ts` file beside the module that names it with `new URL(…, import.meta.url)`; and every plain
 * `.mjs` worker file is type-checked by `pnpm run typecheck` (`// @ts-check` under allowJs in tsconfig.json).
 */
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const POOL_DIR = 'packages/evidence/src/worker-pool';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.mts') ? [path] : [];
  });
}

const files = [
  ...fs
    .readdirSync(join(root, 'packages'))
    .flatMap((p) => (fs.existsSync(join(root, 'packages', p, 'src')) ? sources(join(root, 'packages', p, 'src')) : [])),
  ...sources(join(root, 'apps', 'server', 'src')),
];
const rel = (f: string) => relative(root, f);

/** tsconfig.json's include patterns as regular expressions (`*` within a folder, `**` across folders). */
function typechecked(): RegExp[] {
  const config = JSON.parse(fs.readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    include: string[];
    compilerOptions?: { allowJs?: boolean };
  };
  expect(config.compilerOptions?.allowJs).toBe(true);
  return config.include.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '(?:.+/)?')
          .replace(/\*/g, '[^/]*')}$`,
      ),
  );
}

describe('the one worker pool', () => {
  it('only @vestige/evidence/worker-pool starts worker threads or answers on their port', () => {
    const others = files.filter(
      (f) =>
        !rel(f).startsWith(POOL_DIR) &&
        /import\s*\{[^}]*\b(Worker|parentPort)\b[^}]*\}\s*from\s*'node:worker_threads'/.test(
          fs.readFileSync(f, 'utf8'),
        ),
    );
    expect(others.map(rel)).toEqual([]);
  });

  it('every worker script is a *-worker.mjs or *-worker.ts file beside the module that names it', () => {
    const named: string[] = [];
    for (const f of files) {
      for (const m of fs
        .readFileSync(f, 'utf8')
        .matchAll(/new WorkerPool(?:<[^>]*>)?\(\s*new URL\('([^']+)', import\.meta\.url\)/g)) {
        const script = join(dirname(f), m[1]!);
        named.push(rel(script));
        expect(fs.existsSync(script), `${rel(f)} names ${m[1]}`).toBe(true);
        expect(m[1]).toMatch(/^\.\/[a-z-]+-worker\.(mjs|ts)$/);
      }
    }
    // ingest/verify hashing, PDQ hashing, LAZ decoding, the octree build, vision
    expect(named.length).toBeGreaterThanOrEqual(5);
  });

  it('every plain .mjs worker file is type-checked (// @ts-check, and included by tsconfig.json)', () => {
    const patterns = typechecked();
    const workerFiles = files.filter(
      (f) => f.endsWith('-worker.mjs') || (rel(f).startsWith(POOL_DIR) && f.endsWith('.mjs')),
    );
    expect(workerFiles.length).toBeGreaterThanOrEqual(6);
    for (const f of workerFiles) {
      expect(fs.readFileSync(f, 'utf8').startsWith('// @ts-check\n'), `${rel(f)} starts with // @ts-check`).toBe(true);
      expect(
        patterns.some((p) => p.test(rel(f))),
        `${rel(f)} is included by tsconfig.json`,
      ).toBe(true);
    }
  });
});
