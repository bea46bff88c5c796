/** Minimal HTML building with escaping by default: every string from a case is untrusted text. */
export function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function dataUri(mediaType: string, bytes: Uint8Array): string {
  return `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`;
}

export function table(rows: Array<[string, string]>, cls = 'kv'): string {
  return `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

export function code(v: string): string {
  return `<code>${esc(v)}</code>`;
}

/** Parameters as readable JSON (pretty, escaped). */
export function paramsBlock(params: unknown): string {
  return `<pre class="params">${esc(JSON.stringify(params, null, 2))}</pre>`;
}

export const REPORT_CSS = `
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #d0d5db; --accent: #0b4f8a; --warn: #8a4b0b; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px; font-size: 13px; line-height: 1.45; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--accent); padding-bottom: 3px; color: var(--accent); }
h3 { font-size: 14px; margin: 16px 0 6px; }
.sub { color: var(--muted); margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--rule); }
table.kv th { width: 200px; color: var(--muted); font-weight: normal; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 11.5px; word-break: break-all; }
pre.params { background: #f4f6f8; padding: 6px 8px; margin: 4px 0; white-space: pre-wrap; }
.step { border: 1px solid var(--rule); border-radius: 4px; padding: 10px 12px; margin: 10px 0; page-break-inside: avoid; }
.step h3 { margin-top: 0; }
.thumbs { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; }
figure { margin: 0; } figure img { max-width: 320px; max-height: 240px; border: 1px solid var(--rule); display: block; image-rendering: auto; }
figcaption { color: var(--muted); font-size: 11px; margin-top: 2px; max-width: 320px; }
.ref { color: var(--muted); font-size: 12px; }
.limits li, .finding li { margin: 3px 0; }
.ok { color: #116b2e; font-weight: bold; } .bad { color: #a01818; font-weight: bold; } .note { color: var(--warn); }
.explain { background: #f7f3ea; border-left: 3px solid var(--warn); padding: 6px 10px; margin: 6px 0; }
footer { margin-top: 32px; color: var(--muted); font-size: 11px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media print { body { padding: 0; } h2 { page-break-after: avoid; } }
`;
