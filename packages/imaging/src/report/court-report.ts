import { VestigeError, type CaseStore, type Item, type ProvenanceRecord } from '@vestige/evidence';
import { decodeImage, encodePng, previewJpeg, type DecodedImage } from '../codec.ts';
import { ENHANCE_ACTIVITY, recipeOfItem } from '../enhance.ts';
import type { Raster } from '../raster.ts';
import { recipeToJson, runRecipe } from '../recipe.ts';
import { digestBuffer } from '@vestige/evidence';
import {
  AUTHENTICATION_NAMESPACE,
  renderAuthenticationSection,
  type AuthenticationFindings,
} from '../authenticate/findings.ts';
import { code, dataUri, esc, paramsBlock, REPORT_CSS, table } from './html.ts';

export interface ReportOptions {
  /** When the report was produced (shown on it); the report is a document about evidence, not evidence. */
  generatedAt?: Date;
  /** Longest side of the thumbnails, pixels. */
  thumbnail?: number;
  pixelLimit?: number;
}

export interface EnhancementReport {
  html: string;
  itemId: string;
  /** True when re-running the recipe for the thumbnails reproduced the recorded output hashes. */
  reproduced: boolean | undefined;
  steps: number;
}

async function thumb(r: Raster, size: number): Promise<string> {
  return dataUri('image/jpeg', await previewJpeg(r, size));
}

function hashRows(item: Item): Array<[string, string]> {
  return [
    ['SHA-256', code(item.sha256)],
    ['SHA-1', code(item.sha1)],
    ['MD5', code(item.md5)],
    ['Size', `${item.size.toLocaleString('en-GB')} bytes`],
  ];
}

function describeItem(store: CaseStore, item: Item): string {
  const sources = store.sources(item.id);
  const rows: Array<[string, string]> = [
    ['Item', `${esc(item.id)} — ${esc(item.name)} (${esc(item.kind)}, ${esc(item.mediaType)})`],
    ...hashRows(item),
    ['Recorded in case', esc(item.createdAt)],
  ];
  if (sources.length)
    rows.push([
      'Found at',
      sources
        .map(
          (s) =>
            `${esc(s.path)} <span class="ref">(${s.size.toLocaleString('en-GB')} bytes, modified ${esc(s.mtime)}, ingest ${esc(s.ingestId)})</span>`,
        )
        .join('<br>'),
    ]);
  const exif = (item.metadata as { exif?: Record<string, unknown> }).exif;
  if (exif && typeof exif === 'object') {
    const keys = ['Make', 'Model', 'Software', 'DateTimeOriginal', 'CreateDate', 'ModifyDate'].filter(
      (k) => exif[k] !== undefined,
    );
    if (keys.length) rows.push(['EXIF (selected)', keys.map((k) => `${esc(k)}: ${esc(exif[k])}`).join('<br>')]);
  }
  return table(rows);
}

/** The provenance records upstream of an item (e.g. the frame extraction that made a still), nearest first. */
function ancestry(store: CaseStore, item: Item): ProvenanceRecord[] {
  const out: ProvenanceRecord[] = [];
  const seen = new Set<string>();
  const walk = (it: Item) => {
    if (!it.provenanceId || seen.has(it.provenanceId)) return;
    seen.add(it.provenanceId);
    const p = store.provenance(it.provenanceId);
    out.push(p);
    for (const input of p.inputs) {
      const parent = input.itemId ? store.findItem(input.itemId) : store.itemsBySha256(input.sha256)[0];
      if (parent) walk(parent);
    }
  };
  walk(item);
  return out;
}

/**
 * The court report for an enhanced item: what was done, in what order, with what parameters and
 * references, before/after thumbnails, the hashes that tie output to original, the limits of the
 * evidence, authentication findings when recorded, and the software used. Self-contained HTML: inline
 * CSS, images as data: URIs, no scripts, no external requests.
 */
export async function buildEnhancementReport(
  store: CaseStore,
  itemId: string,
  options: ReportOptions = {},
): Promise<EnhancementReport> {
  const size = options.thumbnail ?? 320;
  const item = store.item(itemId);
  if (!item.provenanceId)
    throw new VestigeError('E_PARAM_INVALID', `item ${itemId} is an original; a report is made for an enhanced item`, {
      hint: 'Run `vestige enhance` first, then report on the result item.',
    });
  const { recipe, provenance } = recipeOfItem(store, item);
  const inputItems = provenance.inputs.map((i) =>
    i.itemId ? store.item(i.itemId) : store.itemsBySha256(i.sha256)[0]!,
  );
  const decoded = [];
  for (const it of inputItems)
    decoded.push(
      await decodeImage(await store.blobs.read(it.sha256), {
        file: it.name,
        ...(options.pixelLimit ? { pixelLimit: options.pixelLimit } : {}),
      }),
    );
  const stepThumbs: string[] = [];
  const result = await runRecipe(
    decoded.map((d) => d.raster),
    recipe,
    {
      onStep: async (_i, img) => void stepThumbs.push(await thumb(img, size)),
      ...(options.pixelLimit ? { pixelLimit: options.pixelLimit } : {}),
    },
  );
  const rerun = [result.enhanced, ...(result.annotated ? [result.annotated] : [])];
  const rerunHashes: string[] = [];
  for (const [k, r] of rerun.entries())
    rerunHashes.push(digestBuffer(await encodePng(r, { bitDepth: k === 0 ? recipe.output.bitDepth : 8 })).sha256);
  const reproduced = provenance.outputs.every((o, k) => rerunHashes[k] === o.sha256);
  const outputs = provenance.outputs.map((o) => store.item(o.itemId));
  const limits = ((item.metadata as { limits?: string[] }).limits ?? []) as string[];
  const info = store.info;
  const generated = (options.generatedAt ?? new Date()).toISOString();

  const parts: string[] = [];
  parts.push(`<h1>Image enhancement report — ${esc(item.name)}</h1>`);
  parts.push(
    `<div class="sub">Case ${esc(info.name)}${info.reference ? ` (ref. ${esc(info.reference)})` : ''} · case id ${code(info.id)} · report generated ${esc(generated)} by Vestige</div>`,
  );

  parts.push('<h2>1. Summary</h2>');
  parts.push(
    `<p>The image ${esc(inputItems[0]!.name)} (item ${esc(inputItems[0]!.id)}${inputItems.length > 1 ? ` and ${inputItems.length - 1} further frames` : ''}) was processed by ${esc(provenance.operator)} between ${esc(provenance.startedAt)} and ${esc(provenance.finishedAt)} with the recipe “${esc(recipe.name)}” of ${recipe.steps.length} steps, listed below in the order applied. The result is item ${esc(item.id)}. The original was not altered: it is stored under its SHA-256 and every step works on a copy.</p>`,
  );
  if (recipe.description) parts.push(`<p>Purpose stated: ${esc(recipe.description)}</p>`);
  parts.push(
    `<p>Repeatability: the recipe was run again from the original while this report was produced; ${reproduced ? '<span class="ok">the output is byte-for-byte identical</span> to the recorded result (same SHA-256)' : '<span class="bad">the output differs</span> from the recorded result — see “Software” (different library versions or platform can legitimately change bytes)'}. Anyone with the original, this recipe and the same software versions can reproduce it (<code>vestige validate</code>).</p>`,
  );

  parts.push(...(await originalSection(store, inputItems, decoded, size)));
  parts.push(...stepsSection(provenance, stepThumbs));
  parts.push(...(await resultSection(provenance, { outputs, rerun, inputItems }, size)));

  parts.push('<h2>5. Limits of the evidence</h2><ul class="limits">');
  for (const l of limits) parts.push(`<li>${esc(l)}</li>`);
  parts.push(
    '<li>Enhancement changes how recorded detail is displayed; it cannot add detail that the camera did not record. Interpretation of the result (for example, reading characters) should be compared against the original.</li></ul>',
  );

  const auth = store.annotations(inputItems[0]!.id)[AUTHENTICATION_NAMESPACE] as AuthenticationFindings | undefined;
  if (auth) {
    parts.push('<h2>6. Authentication checks on the original</h2>');
    parts.push(await renderAuthenticationSection(store, auth));
  }

  parts.push(`<h2>${auth ? 7 : 6}. Recipe as run</h2>`);
  parts.push(
    '<p>The complete recipe with every default filled in, exactly as applied. Saved as a .json file it reproduces this result with <code>vestige enhance ITEM --recipe FILE</code>.</p>',
  );
  parts.push(paramsBlock(recipeToJson(recipe)));

  parts.push(...softwareSection(provenance.software, auth ? 8 : 7));
  const related = new Set([item.id, provenance.id, ...inputItems.map((i) => i.id), ...outputs.map((o) => o.id)]);
  parts.push(...custodySection(store, related, auth ? 9 : 8));
  parts.push(
    `<footer>Generated by Vestige ${esc(provenance.software.vestige)}. This document is self-contained: it loads nothing from any network. Hashes are hexadecimal; SHA-256 is the identifier of every stored file.</footer>`,
  );

  const html = `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>Enhancement report — ${esc(item.id)} ${esc(item.name)}</title><style>${REPORT_CSS}</style></head><body>${parts.join('\n')}</body></html>`;
  if (provenance.activity !== ENHANCE_ACTIVITY) throw new VestigeError('E_PARAM_INVALID', 'not an enhancement');
  return { html, itemId: item.id, reproduced, steps: recipe.steps.length };
}

/** §2: each input with its thumbnail and description, and the provenance chain it came from. */
async function originalSection(
  store: CaseStore,
  inputItems: Item[],
  decoded: DecodedImage[],
  size: number,
): Promise<string[]> {
  const parts = ['<h2>2. Original evidence</h2>'];
  for (const [k, it] of inputItems.entries()) {
    const src = decoded[k]!.source;
    parts.push(`<h3>${inputItems.length > 1 ? `Input ${k + 1}` : 'Input'}: ${esc(it.name)}</h3>`);
    parts.push(
      `<div class="thumbs"><figure><img alt="original ${esc(it.id)}" src="${await thumb(decoded[k]!.raster, size)}"><figcaption>Before: ${esc(it.id)}, ${src.width} × ${src.height} px, ${esc(src.compression)}</figcaption></figure><div style="flex:1">${describeItem(store, it)}</div></div>`,
    );
  }
  const upstream = ancestry(store, inputItems[0]!);
  if (upstream.length) {
    parts.push('<h3>Where the input came from</h3><ul>');
    for (const p of upstream)
      parts.push(
        `<li>${esc(p.activity)} (${esc(p.id)}) by ${esc(p.operator)} at ${esc(p.finishedAt)} from ${p.inputs.map((i) => code(i.sha256)).join(', ')}: ${p.steps.map((s) => esc(s.description ?? s.operation)).join('; ')}</li>`,
      );
    parts.push('</ul>');
  }
  return parts;
}

/** §3: every step as recorded, its parameters and reference, with the picture after it. */
function stepsSection(provenance: ProvenanceRecord, stepThumbs: string[]): string[] {
  const parts = ['<h2>3. Steps applied</h2>'];
  for (const [i, step] of provenance.steps.entries()) {
    parts.push(
      `<div class="step"><h3>Step ${i + 1}: ${esc(step.operation)} <span class="ref">(version ${esc(step.version)})</span></h3>`,
    );
    parts.push(`<p>${esc(step.description ?? '')}</p>`);
    parts.push(
      `<div class="thumbs"><figure><img alt="after step ${i + 1}" src="${stepThumbs[i]}"><figcaption>After step ${i + 1}</figcaption></figure><div style="flex:1"><div>Parameters:</div>${paramsBlock(step.parameters)}<div class="ref">Reference: ${esc(step.reference ?? '—')}</div></div></div></div>`,
    );
  }
  return parts;
}

/** §4: each output item (the re-run picture as its thumbnail), its hashes, size and scale. */
async function resultSection(
  provenance: ProvenanceRecord,
  run: { outputs: Item[]; rerun: Raster[]; inputItems: Item[] },
  size: number,
): Promise<string[]> {
  const { outputs, rerun, inputItems } = run;
  const parts = ['<h2>4. Result</h2>'];
  for (const out of outputs) {
    const meta = out.metadata as {
      width?: number;
      height?: number;
      pxPerMm?: number;
      annotated?: boolean;
      bitDepth?: number;
    };
    parts.push(`<h3>${meta.annotated ? 'Annotated for presentation' : 'Enhanced image'}: ${esc(out.name)}</h3>`);
    const r = rerun[outputs.indexOf(out)]!;
    const rows: Array<[string, string]> = [
      ['Item', esc(out.id)],
      ...hashRows(out),
      ['Pixels', `${meta.width} × ${meta.height}, ${meta.bitDepth ?? 8} bits per sample, PNG (lossless)`],
    ];
    if (meta.pxPerMm) rows.push(['Scale', `${Number(meta.pxPerMm.toFixed(4))} px/mm in the rectified plane`]);
    rows.push(['Derived from', inputItems.map((it) => `${esc(it.id)} ${code(it.sha256)}`).join('<br>')]);
    rows.push(['Provenance record', `${esc(provenance.id)}`]);
    parts.push(
      `<div class="thumbs"><figure><img alt="result ${esc(out.id)}" src="${await thumb(r, size)}"><figcaption>After: ${esc(out.id)}</figcaption></figure><div style="flex:1">${table(rows)}</div></div>`,
    );
  }
  return parts;
}

/** The software versions that made the result, and why they matter for repeating it. */
function softwareSection(sw: ProvenanceRecord['software'], number: number): string[] {
  return [
    `<h2>${number}. Software</h2>`,
    table([
      ['Vestige', esc(sw.vestige)],
      ['Node.js', esc(sw.node)],
      ['Platform', `${esc(sw.platform)} / ${esc(sw.arch)}`],
      ...Object.entries(sw.libraries).map(([k, v]) => [k, esc(v)] as [string, string]),
    ]),
    '<p class="ref">libvips can give slightly different pixels on another processor architecture or version; byte-identical repetition is guaranteed for the same platform and versions, which is why they are recorded.</p>',
  ];
}

/** The custody events about the items and the provenance record the report covers. */
function custodySection(store: CaseStore, related: ReadonlySet<string>, number: number): string[] {
  const events = [...store.custody.events()].filter((e) => related.has(e.subject));
  return [
    `<h2>${number}. Custody events</h2>`,
    `<table><tr><th>#</th><th>Time</th><th>Operator</th><th>Action</th><th>Subject</th><th>Event hash</th></tr>${events.map((e) => `<tr><td>${e.seq}</td><td>${esc(e.time)}</td><td>${esc(e.operator)}</td><td>${esc(e.action)}</td><td>${esc(e.subject)}</td><td>${code(e.hash.slice(0, 16))}…</td></tr>`).join('')}</table>`,
  ];
}
