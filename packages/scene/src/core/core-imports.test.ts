/**
 * The scene core runs in the browser unchanged: nothing it imports, directly or through another file,
 * comes from Node (`node:*` or a built-in module name) or from a package other than zod, the
 * browser-safe error class and canonical JSON.
 */
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { VIEWER_SOURCES } from '../../../../apps/viewer/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ALLOWED_PACKAGES: Record<string, string | null> = {
  zod: null,
  '@vestige/evidence/errors': resolve(here, '../../../evidence/src/errors.ts'),
  '@vestige/evidence/canonical-json': resolve(here, '../../../evidence/src/canonical-json.ts'),
};

function importGraph(entry: string): { files: string[]; specifiers: Map<string, string[]> } {
  const specifiers = new Map<string, string[]>();
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    specifiers.set(file, imports);
    for (const s of imports) {
      if (s.startsWith('.')) pending.push(resolve(dirname(file), s));
      else if (ALLOWED_PACKAGES[s]) pending.push(ALLOWED_PACKAGES[s]!);
    }
  }
  return { files: [...seen], specifiers };
}

describe('the browser-safe scene core', () => {
  it('imports nothing from node:* or any Node built-in, and no package but zod, @vestige/evidence/errors and /canonical-json, through its whole import graph', () => {
    const { files, specifiers } = importGraph(join(here, 'index.ts'));
    expect(files.length).toBeGreaterThan(10);
    const builtins = new Set(builtinModules);
    const offending: string[] = [];
    for (const [file, list] of specifiers) {
      for (const s of list) {
        const bare = !s.startsWith('.');
        if (s.startsWith('node:') || builtins.has(s) || (bare && !(s in ALLOWED_PACKAGES)))
          offending.push(`${file}: ${s}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('lies wholly inside the sources the viewer build is checked against, so a change to any of them rebuilds the viewer', () => {
    const root = resolve(here, '../../../..');
    const outside = importGraph(join(here, 'index.ts'))
      .files.map((f) => relative(root, f))
      .filter((f) => !VIEWER_SOURCES.some((s) => f === s || f.startsWith(`${s}/`)));
    expect(outside).toEqual([]);
  });

  it('uses no Node global (Buffer, process, require, __dirname) in any file it loads', () => {
    const { files } = importGraph(join(here, 'index.ts'));
    const globals = /\b(Buffer|process|require|__dirname|__filename|setImmediate)\b\s*[.(]/;
    const offending = files.filter(
      (f) => !f.endsWith('.test.ts') && globals.test(readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
    );
    expect(offending).toEqual([]);
  });
});
