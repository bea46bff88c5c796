#!/usr/bin/env node
/**
 * No function over 150 lines outside tests and generated code (docs/DESIGN.md §6). Reads every
 * TypeScript and JavaScript source of the packages and apps with the TypeScript parser and measures each
 * function, method, arrow and accessor from its first line to its last. Run by `pnpm test`; exit 1 lists
 * the offenders. KNOWN lists the ones that were over the limit when this check came in, each to be split
 * by whoever next works there; one that grows further, or a new one, fails.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(root, 'package.json'))('typescript');
export const LIMIT = 150;
/** `file:function` → its length when the check came in. */
const KNOWN = new Map([]);

function sourceFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(e.name) && !/\.(test|e2e\.test)\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name && ts.isPrivateIdentifier?.(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

export function longFunctions() {
  const found = [];
  const dirs = ['packages', 'apps'].flatMap((top) =>
    fs.readdirSync(join(root, top)).map((p) => join(root, top, p, 'src')),
  );
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = fs.readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > LIMIT) found.push({ id: `${relative(root, file)}:${nameOf(node)}`, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

/** The long functions that fail the check: new ones, and known ones that grew. */
export function offenders(found = longFunctions()) {
  return found.filter((f) => !(KNOWN.has(f.id) && f.lines <= KNOWN.get(f.id)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = longFunctions();
  const failing = offenders(found);
  for (const f of found)
    console.log(`${failing.includes(f) ? 'over' : 'known'}: ${f.id} ${f.lines} lines (limit ${LIMIT})`);
  if (failing.length > 0) {
    console.error(`${failing.length} function(s) over ${LIMIT} lines: split them into named parts.`);
    process.exit(1);
  }
}
