#!/usr/bin/env node
/**
 * The house format (docs/DESIGN.md §6): Biome formats every TypeScript and JavaScript source at the width
 * biome.json sets, and no line is over that width but where the formatter cannot break it.
 *
 * "Cannot break" is decided by rule, never by file: a line may run over only by the content of a string,
 * template or regular-expression literal (long messages stay whole so that grep finds them; no formatter
 * splits a literal), or by a URL in a comment. Code and comment prose over the width fail: the formatter
 * breaks code, and a person wraps comments.
 *
 * Run by tests/code/format.test.ts; `node scripts/check-format.mjs` prints the same verdict, and with
 * `--all` checks the width of every file, formatted or not (what scripts/format-tree.sh runs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(root, 'package.json'))('typescript');
const config = JSON.parse(fs.readFileSync(join(root, 'biome.json'), 'utf8'));
export const WIDTH = config.formatter.lineWidth;

/**
 * The files Biome formats: those git lists (ignored ones left out, as `vcs.useIgnoreFile` does) that biome.json
 * includes.
 */
export function formattedSources() {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const extensions = config.files.includes.filter((p) => p.startsWith('**/*.')).map((p) => p.slice(4));
  const excluded = config.files.includes.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const isExcluded = (file) =>
    excluded.some((p) =>
      p.startsWith('**/') ? `/${file}/`.includes(`/${p.slice(3)}/`) : file === p || file.startsWith(`${p}/`),
    );
  return listed.stdout
    .split('\n')
    .filter((f) => f && extensions.some((e) => f.endsWith(e)) && !isExcluded(f) && fs.existsSync(join(root, f)));
}

/** Biome's verdict: the files its check would rewrite, sorted. */
export function unformatted(files) {
  const bin = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  const r = spawnSync(process.execPath, [bin, 'format', '--reporter=json', '--max-diagnostics=none', ...files], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`biome format gave no report (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
  }
  const other = report.diagnostics.filter((d) => d.category !== 'format');
  if (other.length > 0) throw new Error(`biome reported more than formatting: ${JSON.stringify(other.slice(0, 5))}`);
  const paths = report.diagnostics.map((d) => d.location.path);
  if ((r.status === 0) !== (paths.length === 0))
    throw new Error(`biome exited ${r.status} but listed ${paths.length} files`);
  return paths.sort();
}

/** What each character of the text is: code, literal content, comment, or a URL in a comment. */
function characterKinds(file, text) {
  const kinds = new Array(text.length).fill('code');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateExpression(node) ||
      ts.isRegularExpressionLiteral(node)
    ) {
      // The quotes, backticks and slashes stay code; what is between them is the literal's content.
      kinds.fill('literal', node.getStart(sf) + 1, node.getEnd() - 1);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // Comments, found with the literals' content set aside (a `//` inside a string is no comment).
  for (let i = 0; i < text.length; i++) {
    if (kinds[i] !== 'code' || text[i] !== '/' || (text[i + 1] !== '/' && text[i + 1] !== '*')) continue;
    const close = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
    const stop = close < 0 ? text.length : text[i + 1] === '/' ? close : close + 2;
    kinds.fill('comment', i, stop);
    for (const url of text.slice(i, stop).matchAll(/https?:\/\/\S+/g)) {
      kinds.fill('url', i + url.index, i + url.index + url[0].length);
    }
    i = stop - 1;
  }
  return kinds;
}

export const ALLOWED_RULES = ['literal content', 'URL in a comment'];

/** Every line over WIDTH in the files (paths from the root), with the rule that allows it or the reason it fails. */
export function wideLines(files) {
  const found = [];
  for (const file of files) {
    const text = fs.readFileSync(join(root, file), 'utf8');
    const lines = text.split('\n');
    if (!lines.some((l) => [...l].length > WIDTH)) continue;
    const kinds = characterKinds(file, text);
    let start = 0;
    lines.forEach((line, n) => {
      const lineKinds = kinds.slice(start, start + line.length);
      start += line.length + 1;
      const width = [...line].length;
      if (width <= WIDTH) return;
      const unbreakable = lineKinds.filter((k) => k === 'literal' || k === 'url').length;
      let rule;
      if (width - unbreakable <= WIDTH) rule = lineKinds.includes('literal') ? 'literal content' : 'URL in a comment';
      else rule = lineKinds.includes('comment') ? 'comment prose over the width' : 'code over the width';
      found.push({ file, line: n + 1, width, rule });
    });
  }
  return found;
}

/** The lines over the width that no rule allows. */
export function widthOffenders(found) {
  return found.filter((w) => !ALLOWED_RULES.includes(w.rule));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = formattedSources();
  const notFormatted = unformatted(files);
  const skip = new Set(process.argv.includes('--all') ? [] : notFormatted);
  const found = wideLines(files.filter((f) => !skip.has(f)));
  const failing = widthOffenders(found);
  const byRule = {};
  for (const w of found) byRule[w.rule] = (byRule[w.rule] ?? 0) + 1;
  for (const w of failing) console.log(`${w.file}:${w.line} (${w.width} columns): ${w.rule}`);
  console.log(
    `${files.length} sources, ${notFormatted.length} not formatted; lines over ${WIDTH} columns by rule: ${JSON.stringify(byRule)}`,
  );
  if (notFormatted.length > 0 || failing.length > 0) process.exit(1);
}
