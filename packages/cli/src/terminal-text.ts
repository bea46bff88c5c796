/**
 * Text from evidence (file names, paths, EXIF fields, operator names) reaches a terminal. A name can hold
 * escape sequences that recolour, hide or rewrite what the officer sees, or a newline that forges a
 * line of output. Human output therefore shows every such character as a visible escape.
 */

// C0 controls, DEL, C1 controls, and the Unicode bidirectional overrides/isolates and line separators
// that reorder or break displayed text ("Trojan Source", CVE-2021-42574).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;
const UNSAFE_KEEP_LINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One field (a name, a path, a message): every control character shown escaped, newlines included. */
export function shown(value: unknown): string {
  return String(value).replace(UNSAFE, escapeChar);
}

/** A whole block of human output: the command's own line breaks and tabs kept, everything else escaped. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_KEEP_LINES, escapeChar);
}
