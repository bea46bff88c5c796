import type { CaseStore } from '@vestige/evidence';
import { code, dataUri, esc, table } from '../report/html.ts';
import type { MetadataFindings } from './metadata.ts';

export const AUTHENTICATION_NAMESPACE = 'imaging.authentication';
export const AUTHENTICATE_ACTIVITY = 'imaging.authenticate';

/** What each check can and cannot show, in the words the report uses. */
export const EXPLANATIONS = {
  metadata:
    'Metadata are labels written into the file by the camera and by any software that saved it. Consistent metadata is what an unedited camera file normally shows, but metadata is easy to edit or copy, so consistency does not prove authenticity; an inconsistency shows that software touched the file after capture, not what (if anything) was changed in the picture.',
  quantisation:
    'A JPEG file records the quantisation tables its encoder used to discard detail. They fix how much information was lost and often identify the kind of encoder (libjpeg-style software scales one standard table by a “quality”; cameras and some editors use their own). Tables matching an editor rather than the claimed camera suggest the file was re-saved; they cannot show whether the picture content was altered, and many phones use the standard tables too.',
  ela: 'Error level analysis re-saves the image as JPEG at a fixed quality and maps how much each 8 × 8 block changes (bright = larger change). In a picture saved once, similar content shows similar levels; a region pasted or edited after the last save may stand out. Edges, fine texture and saturated colours are naturally bright, and repeated re-saving flattens everything, so ELA only points to areas worth examining — it is not proof of editing, and a uniform map is not proof of authenticity.',
  noise:
    'The noise residual map shows the estimated sensor noise (what remains after removing a 3 × 3 median) per 16 × 16 block (bright = noisier). A camera’s noise varies smoothly with brightness; a region much quieter or noisier than similar surroundings can come from another source, from smoothing, or from cloning. Flat bright or dark areas, heavy compression and denoising in the phone also change noise, so this too only indicates where to look.',
} as const;

export interface HeatMapRef {
  itemId: string;
  sha256: string;
}

export interface AuthenticationFindings {
  version: 1;
  itemId: string;
  sha256: string;
  format: string;
  width: number;
  height: number;
  provenanceId: string;
  metadata: MetadataFindings;
  quantisation?: {
    tables: Array<{ id: number; precision: number; values: number[] }>;
    estimatedQuality: number | undefined;
    exactIjgMatch: boolean;
    meanDifference: number;
    family: string;
  };
  ela?: HeatMapRef & { quality: number; scale: number; meanError: number; p99Error: number; note?: string };
  noise: HeatMapRef & { medianSigma: number; spread: number };
}

function resultClass(r: string): string {
  return r === 'consistent' ? 'ok' : r === 'inconsistent' ? 'bad' : 'note';
}

function qtable(values: number[]): string {
  const rows: string[] = [];
  for (let r = 0; r < 8; r++)
    rows.push(
      `<tr>${values
        .slice(r * 8, r * 8 + 8)
        .map((v) => `<td>${v}</td>`)
        .join('')}</tr>`,
    );
  return `<table class="q" style="width:auto;font-family:monospace;font-size:11px">${rows.join('')}</table>`;
}

async function heatImage(store: CaseStore, ref: HeatMapRef, alt: string): Promise<string> {
  const sharp = (await import('sharp')).default;
  const bytes = await store.blobs.read(ref.sha256);
  const small = await sharp(bytes)
    .resize({ width: 480, height: 360, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  return `<figure><img alt="${esc(alt)}" src="${dataUri('image/png', small)}" style="max-width:480px;max-height:360px"><figcaption>${esc(alt)} — item ${esc(ref.itemId)}, SHA-256 ${code(ref.sha256.slice(0, 16))}…</figcaption></figure>`;
}

/** The report section for recorded authentication findings (heat maps read from the case). */
export async function renderAuthenticationSection(store: CaseStore, f: AuthenticationFindings): Promise<string> {
  const parts: string[] = [];
  parts.push(
    `<p>Read-only analyses of item ${esc(f.itemId)} (${esc(f.format)}, ${f.width} × ${f.height} px, SHA-256 ${code(f.sha256)}), provenance ${esc(f.provenanceId)}. None of them alone can prove that an image is authentic or that it was manipulated; each shows something specific, explained with it.</p>`,
  );
  parts.push('<h3>Metadata and consistency</h3>');
  parts.push(`<div class="explain">${esc(EXPLANATIONS.metadata)}</div>`);
  parts.push(
    `<ul class="finding">${f.metadata.checks.map((c) => `<li><span class="${resultClass(c.result)}">${esc(c.result)}</span> — <b>${esc(c.check)}</b>: ${esc(c.detail)}</li>`).join('')}</ul>`,
  );
  const fieldRows = Object.entries(f.metadata.fields)
    .slice(0, 80)
    .map(([k, v]) => [k, esc(v)] as [string, string]);
  if (fieldRows.length)
    parts.push(
      `<details open><summary>Metadata dump (${fieldRows.length} tags)</summary>${table(fieldRows)}</details>`,
    );
  if (f.quantisation) {
    const q = f.quantisation;
    parts.push('<h3>JPEG quantisation tables</h3>');
    parts.push(`<div class="explain">${esc(EXPLANATIONS.quantisation)}</div>`);
    parts.push(
      `<p>${q.tables.length} table(s). Estimated IJG quality: <b>${q.estimatedQuality ?? '—'}</b> (${q.exactIjgMatch ? 'exact match' : `mean difference ${q.meanDifference.toFixed(2)}`}). Encoder family: ${esc(q.family)}.</p>`,
    );
    parts.push(
      `<div class="thumbs">${q.tables.map((t) => `<div><div class="ref">Table ${t.id} (${t.id === 0 ? 'luminance' : 'chrominance'})</div>${qtable(t.values)}</div>`).join('')}</div>`,
    );
  }
  if (f.ela) {
    parts.push('<h3>Error level analysis</h3>');
    parts.push(`<div class="explain">${esc(EXPLANATIONS.ela)}</div>`);
    parts.push(
      `<p>Re-saved at quality ${f.ela.quality}, block-mean differences shown ×${f.ela.scale} (the 99th-percentile block at full brightness, at most ×64); mean error ${f.ela.meanError.toFixed(2)}, 99th percentile ${f.ela.p99Error.toFixed(1)} levels.${f.ela.note ? ` ${esc(f.ela.note)}` : ''}</p>`,
    );
    parts.push(await heatImage(store, f.ela, 'ELA heat map'));
  }
  parts.push('<h3>Noise residual</h3>');
  parts.push(`<div class="explain">${esc(EXPLANATIONS.noise)}</div>`);
  parts.push(
    `<p>Median block noise ${f.noise.medianSigma.toFixed(2)} levels; 95th percentile is ${f.noise.spread.toFixed(2)} × the median.</p>`,
  );
  parts.push(await heatImage(store, f.noise, 'Noise residual heat map'));
  return parts.join('\n');
}
