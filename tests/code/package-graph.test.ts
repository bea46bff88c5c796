/**
 * The arrows of docs/DESIGN.md §2, read from its table, asserted against the imports in the sources:
 * every `@vestige/*` import of a package's or app's `src/` (tests aside) must be an arrow the table
 * draws (`evidence` is allowed to all: "feature packages → evidence"), no package imports an app, a
 * subpath import names a subpath the package exports, and the graph has no cycle. KNOWN lists arrows the
 * table does not draw but the code still has, so they stay visible until they are removed; it is empty now
 * (the last three, hashing → video, cli → the server app and the demo's deep imports of @vestige/samples, were
 * removed by giving ffmpeg resolution its own package, making the server a package, and giving the samples a
 * front door). The checks are also run on planted imports, so an empty list still proves they catch one.
 */
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
/** The workspace name (`server`, `scene` …) of each folder with sources. */
const UNITS: Record<string, string> = Object.fromEntries([
  ...fs
    .readdirSync(join(root, 'packages'))
    .filter((p) => fs.existsSync(join(root, 'packages', p, 'src')))
    .map((p) => [`packages/${p}`, p]),
  ...fs
    .readdirSync(join(root, 'apps'))
    .filter((a) => fs.existsSync(join(root, 'apps', a, 'src')))
    .map((a) => [`apps/${a}`, appName(a)]),
]);
/** An app's workspace name is its package name (`@vestige/server-app` → `server-app`), never a package's. */
function appName(folder: string): string {
  return (
    JSON.parse(fs.readFileSync(join(root, 'apps', folder, 'package.json'), 'utf8')) as { name: string }
  ).name.replace('@vestige/', '');
}
const APPS = new Set(
  Object.entries(UNITS)
    .filter(([folder]) => folder.startsWith('apps/'))
    .map(([, name]) => name),
);

/** `from → to` arrows that DESIGN does not draw but the code still has, each with why (none now). */
const KNOWN = new Map<string, string>();

function designArrows(): Map<string, Set<string>> {
  const text = fs.readFileSync(join(root, 'docs', 'DESIGN.md'), 'utf8');
  const section = text.slice(text.indexOf('## 2.'), text.indexOf('## 3.'));
  const names = Object.values(UNITS);
  const arrows = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const m = /^\| `(@vestige\/|apps\/)([a-z]+)` \|[^|]*\| (.*) \|$/.exec(line);
    if (!m) continue;
    const from = m[1] === 'apps/' ? appName(m[2]!) : m[2]!;
    const to =
      m[3] === 'all'
        ? [...names, 'samples']
        : names.filter((n) =>
            new RegExp(`(^|[^a-z-])(@vestige/)?${n}([^a-z-]|$)`).test(m[3]!.replace(/\(the core:[^)]*\)/, '')),
          );
    arrows.set(from, new Set([...to, 'evidence'].filter((n) => n !== from)));
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

/** The test files of a folder (`sources` leaves them out). */
function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'work' ? [] : testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Import {
  from: string;
  to: string;
  subpath: string;
  file: string;
}

function importsOf(): Import[] {
  const found: Import[] = [];
  for (const [folder, from] of Object.entries(UNITS)) {
    for (const file of sources(join(root, folder, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'@vestige\/([a-z-]+)(\/[a-z/.-]+)?'/g)) {
        if (m[1] !== from) found.push({ from, to: m[1]!, subpath: m[2] ?? '', file: relative(root, file) });
      }
    }
  }
  return found;
}

/** Packages whose files are imported one by one (no front door yet), each with why (none now). */
const KNOWN_DEEP = new Map<string, string>();

function exportsOf(name: string): Set<string> {
  const folder = Object.entries(UNITS).find(([, n]) => n === name)?.[0] ?? name;
  const pkg = JSON.parse(fs.readFileSync(join(root, folder, 'package.json'), 'utf8')) as {
    exports?: Record<string, string> | string;
  };
  // A pattern such as `./*` (the samples' fixture writers, for tests and benches) is not a subpath a package may
  // import: only the subpaths named one by one are.
  return new Set(typeof pkg.exports === 'object' ? Object.keys(pkg.exports).map((k) => k.slice(1)) : ['']);
}

function wrongArrows(imports: readonly Import[], arrows: Map<string, Set<string>>): string[] {
  const wrong = new Set<string>();
  for (const i of imports) {
    const arrow = `${i.from} → ${i.to}`;
    if (!arrows.get(i.from)?.has(i.to) && !KNOWN.has(arrow)) wrong.add(`${arrow} (${i.file})`);
  }
  return [...wrong];
}

const appImports = (imports: readonly Import[]) =>
  imports
    .filter((i) => APPS.has(i.to) && !APPS.has(i.from) && !KNOWN.has(`${i.from} → ${i.to}`))
    .map((i) => `${i.from} → ${i.to} (${i.file})`);

const deepImports = (imports: readonly Import[]) =>
  imports
    .filter((i) => !KNOWN_DEEP.has(i.to) && !exportsOf(i.to).has(i.subpath))
    .map((i) => `@vestige/${i.to}${i.subpath} (${i.file})`);

describe('the package graph (docs/DESIGN.md §2)', () => {
  const arrows = designArrows();
  const imports = importsOf();

  it('the table names every package and app that has sources', () => {
    expect(Object.values(UNITS).filter((n) => !arrows.has(n))).toEqual([]);
  });

  it('every import between packages is an arrow of the table (or a known, listed exception)', () => {
    expect(wrongArrows(imports, arrows)).toEqual([]);
  });

  it('no package imports an app, but for the known exceptions', () => {
    expect(appImports(imports)).toEqual([]);
  });

  it('imports go through front doors: a subpath is one the package exports', () => {
    expect(deepImports(imports)).toEqual([]);
  });

  it('the checks catch what they are for: the three arrows removed last would each be reported again', () => {
    const planted: Import[] = [
      { from: 'hashing', to: 'video', subpath: '', file: 'planted/raw-frames.ts' },
      { from: 'cli', to: 'viewer', subpath: '', file: 'planted/serve.ts' },
      { from: 'cli', to: 'samples', subpath: '/evidence/generate.ts', file: 'planted/10-ingest.ts' },
    ];
    expect(wrongArrows(planted, arrows)).toEqual(['hashing → video (planted/raw-frames.ts)']);
    expect(appImports(planted)).toEqual(['cli → viewer (planted/serve.ts)']);
    expect(deepImports(planted)).toEqual(['@vestige/samples/evidence/generate.ts (planted/10-ingest.ts)']);
  });

  it('tests and benches reach the CLI through its front door or exported subpaths, never its sources by path', () => {
    const files = ['tests', 'bench'].flatMap((d) => sources(join(root, d)).concat(testFiles(join(root, d))));
    const reaching = files.filter((f) => /from '(?:\.\.\/)+packages\/cli\/src\//.test(fs.readFileSync(f, 'utf8')));
    expect(reaching.map((f) => relative(root, f))).toEqual([]);
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

  it('the known exceptions are still real (remove one from KNOWN or KNOWN_DEEP when it is gone)', () => {
    const present = new Set(imports.map((i) => `${i.from} → ${i.to}`));
    expect([...KNOWN.keys()].filter((k) => !present.has(k))).toEqual([]);
    const deep = new Set(imports.filter((i) => i.subpath !== '' && !exportsOf(i.to).has(i.subpath)).map((i) => i.to));
    expect([...KNOWN_DEEP.keys()].filter((k) => !deep.has(k))).toEqual([]);
  });
});
