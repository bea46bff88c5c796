/**
 * The arrows of docs/DESIGN.md §2, read from its table, asserted against the imports in the sources:
 * every `@vestige/*` import of a package's or app's `src/` (tests aside) must be an arrow the table
 * draws (`evidence` is allowed to all: "feature packages → evidence"), no package imports an app, a
 * subpath import names a subpath the package exports, and the graph has no cycle. KNOWN lists the
 * arrows that were wrong when this test came in, so they stay visible until they are removed.
 */
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
/** The workspace name (`server`, `scene` …) of each folder with sources. */
const UNITS: Record<string, string> = Object.fromEntries([
  ...fs.readdirSync(join(root, 'packages')).filter((p) => fs.existsSync(join(root, 'packages', p, 'src'))).map((p) => [`packages/${p}`, p]),
  ['apps/server', 'server'],
  ['apps/viewer', 'viewer'],
]);
const APPS = new Set(['server', 'viewer']);

/** `from → to` arrows that DESIGN does not draw but the code had when this test came in. */
const KNOWN = new Map([
  ['hashing → video', 'video hashing (vPDQ) decodes through @vestige/video; ffmpeg resolution should move where both can reach it'],
  ['cli → server', '`vestige serve` starts the server app from the CLI package'],
]);

function designArrows(): Map<string, Set<string>> {
  const text = fs.readFileSync(join(root, 'docs', 'DESIGN.md'), 'utf8');
  const section = text.slice(text.indexOf('## 2.'), text.indexOf('## 3.'));
  const names = Object.values(UNITS);
  const arrows = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const m = /^\| `(?:@vestige\/|apps\/)([a-z]+)` \|[^|]*\| (.*) \|$/.exec(line);
    if (!m) continue;
    const to = m[2] === 'all' ? [...names, 'samples'] : names.filter((n) => new RegExp(`(^|[^a-z-])(@vestige/)?${n}([^a-z-]|$)`).test(m[2]!.replace(/\(the core:[^)]*\)/, '')));
    arrows.set(m[1]!, new Set([...to, 'evidence'].filter((n) => n !== m[1])));
  }
  return arrows;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(): Array<{ from: string; to: string; subpath: string; file: string }> {
  const found: Array<{ from: string; to: string; subpath: string; file: string }> = [];
  for (const [folder, from] of Object.entries(UNITS)) {
    for (const file of sources(join(root, folder, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'@vestige\/([a-z]+)(\/[a-z/.-]+)?'/g)) {
        if (m[1] !== from) found.push({ from, to: m[1]!, subpath: m[2] ?? '', file: relative(root, file) });
      }
    }
  }
  return found;
}

/** Packages whose files are imported one by one (no front door yet). */
const KNOWN_DEEP = new Map([['samples', 'the demo imports each sample generator by path (`@vestige/samples/evidence/generate.ts`); a front door should list them']]);

function exportsOf(name: string): Set<string> {
  const folder = Object.entries(UNITS).find(([, n]) => n === name)?.[0] ?? name;
  const pkg = JSON.parse(fs.readFileSync(join(root, folder, 'package.json'), 'utf8')) as { exports?: Record<string, string> | string };
  return new Set(typeof pkg.exports === 'object' ? Object.keys(pkg.exports).map((k) => k.slice(1)) : ['']);
}

describe('the package graph (docs/DESIGN.md §2)', () => {
  const arrows = designArrows();
  const imports = importsOf();

  it('the table names every package and app that has sources', () => {
    expect(Object.values(UNITS).filter((n) => !arrows.has(n))).toEqual([]);
  });

  it('every import between packages is an arrow of the table (or a known, listed exception)', () => {
    const wrong = new Set<string>();
    for (const i of imports) {
      const arrow = `${i.from} → ${i.to}`;
      if (!arrows.get(i.from)?.has(i.to) && !KNOWN.has(arrow)) wrong.add(`${arrow} (${i.file})`);
    }
    expect([...wrong]).toEqual([]);
  });

  it('no package imports an app, but for the known exceptions', () => {
    const wrong = imports.filter((i) => APPS.has(i.to) && !APPS.has(i.from) && !KNOWN.has(`${i.from} → ${i.to}`)).map((i) => `${i.from} → ${i.to} (${i.file})`);
    expect(wrong).toEqual([]);
  });

  it('imports go through front doors: a subpath is one the package exports', () => {
    const wrong = imports.filter((i) => !KNOWN_DEEP.has(i.to) && !exportsOf(i.to).has(i.subpath)).map((i) => `@vestige/${i.to}${i.subpath} (${i.file})`);
    expect(wrong).toEqual([]);
  });

  it('the graph has no cycle', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) edges.set(i.from, (edges.get(i.from) ?? new Set()).add(i.to));
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (path.includes(n)) return void cycles.push([...path.slice(path.indexOf(n)), n].join(' → '));
      for (const m of edges.get(n) ?? []) visit(m, [...path, n]);
    };
    for (const n of edges.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it('the known exceptions are still real (remove one from KNOWN when its arrow is gone)', () => {
    const present = new Set(imports.map((i) => `${i.from} → ${i.to}`));
    expect([...KNOWN.keys()].filter((k) => !present.has(k))).toEqual([]);
  });
});
