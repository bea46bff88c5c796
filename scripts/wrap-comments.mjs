#!/usr/bin/env node
/**
 * Wraps comment prose that runs over the width biome.json sets: the formatter never rewraps comments, and
 * the width rule of scripts/check-format.mjs fails them. Words past the width move to the start of the next
 * line of the same comment (a line that carries on the prose, not a list item, tag or blank line), or onto
 * a new line with the same prefix; a trailing comment moves above its line, a one-line `/** … *\/` opens
 * into a block. Nothing but comments changes. `node scripts/wrap-comments.mjs [FILE…]` (default: every
 * formatted source), then run the formatter: it is what scripts/format-tree.sh does after formatting.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formattedSources, WIDTH, wideLines } from './check-format.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const columns = (s) => [...s].length;

/** A whole-line comment: its indentation and prefix (`// `, ` * `, `/** `) and its prose. */
function commentLine(line) {
  const m = /^(\s*)(\/\/ ?|\* ?|\/\*\* ?)(.*)$/.exec(line);
  return m ? { indent: m[1], marker: m[2], text: m[3] } : null;
}

/**
 * A line of the same comment, with the same prefix, that carries the prose on (not blank, a list item, a tag, a fence
 * or the end).
 */
function carriesOn(line, prefix) {
  if (line === undefined || !line.startsWith(prefix)) return false;
  const text = line.slice(prefix.length);
  return text.trim() !== '' && !/^(\s|[-*+] |\d+[.)] |@|```|\*\/|\|)/.test(text);
}

/** The column (in characters of the string) of the last space at or before the width, past the prefix. */
function breakAt(line, after) {
  const cps = [...line];
  for (let i = Math.min(WIDTH, cps.length - 1); i > after; i--) {
    if (cps[i] === ' ' && cps[i - 1] !== ' ') return cps.slice(0, i).join('').length;
  }
  return -1;
}

/** Wraps one over-wide comment line in place; false when it cannot. */
function wrapLine(lines, n) {
  const line = lines[n];
  const single = /^(\s*)\/\*\*\s?(.*?)\s*\*\/\s*$/.exec(line);
  if (single) {
    lines.splice(n, 1, `${single[1]}/**`, `${single[1]} * ${single[2]}`, `${single[1]} */`);
    return true;
  }
  const c = commentLine(line);
  if (!c) {
    // A trailing `// …` after code moves above its line.
    const at = line.search(/\s+\/\/ /);
    const code = line.slice(0, Math.max(at, 0));
    if (at < 0 || [...`'"\``].some((q) => code.split(q).length % 2 === 0)) return false;
    const indent = /^\s*/.exec(line)[0];
    lines.splice(n, 1, `${indent}${line.slice(at).trim()}`, line.slice(0, at));
    return true;
  }
  const continuation = c.marker.startsWith('/**') ? `${c.indent} * ` : `${c.indent}${c.marker}`;
  const cut = breakAt(line, columns(c.indent + c.marker) + 1);
  if (cut < 0) return false;
  const head = line.slice(0, cut);
  const tail = line.slice(cut + 1);
  const next = lines[n + 1];
  if (carriesOn(next, continuation)) {
    lines.splice(n, 2, head, `${continuation}${tail} ${next.slice(continuation.length)}`);
  } else {
    lines.splice(n, 1, head, `${continuation}${tail}`);
  }
  return true;
}

/** Wraps every over-wide comment line of one file; returns the lines it could not wrap. */
export function wrapFile(file) {
  const path = join(root, file);
  for (let round = 0; round < 1000; round++) {
    const wide = wideLines([file]).filter((w) => w.rule === 'comment prose over the width');
    if (wide.length === 0) return [];
    const lines = fs.readFileSync(path, 'utf8').split('\n');
    const fixable = wide.find((w) => wrapLine(lines, w.line - 1));
    if (!fixable) return wide;
    fs.writeFileSync(path, lines.join('\n'));
  }
  return wideLines([file]).filter((w) => w.rule === 'comment prose over the width');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : formattedSources();
  const left = files.flatMap((f) => wrapFile(f));
  for (const w of left) console.log(`not wrapped: ${w.file}:${w.line} (${w.width} columns)`);
  if (left.length > 0) process.exit(1);
}
