import { VestigeError, digestBuffer, type CaseStore, type Item, type ProvenanceRecord } from '@vestige/evidence';
import { analyseQuantisation } from './authenticate/jpeg-quantisation.ts';
import { decodeImage, encodePng, type SourceImageInfo } from './codec.ts';
import type { Raster } from './raster.ts';
import { OPERATION_PREFIX, parseRecipe, recipeToJson, runRecipe, type AppliedStep, type Recipe } from './recipe.ts';
import { imagingLibraries } from './sharp-bridge.ts';

export const ENHANCE_ACTIVITY = 'imaging.enhance';

export interface EnhanceOptions {
  operator: string;
  pixelLimit?: number;
}

export interface EnhanceResult {
  provenance: ProvenanceRecord;
  /** The enhanced item, then the annotated item when the recipe marks up. */
  items: Item[];
  steps: AppliedStep[];
  limits: string[];
}

interface LoadedInput {
  item: Item;
  raster: Raster;
  source: SourceImageInfo;
  bytes: Buffer;
}

async function loadInputs(store: CaseStore, itemIds: readonly string[], pixelLimit?: number): Promise<LoadedInput[]> {
  const out: LoadedInput[] = [];
  for (const id of itemIds) {
    const item = store.item(id);
    if (!item.mediaType.startsWith('image/')) {
      throw new VestigeError('E_INPUT_UNSUPPORTED', `item ${id} (${item.name}) is ${item.mediaType}, not an image`, {
        file: item.name,
        hint: 'Enhance still images; extract frames from video first.',
      });
    }
    const bytes = await store.blobs.read(item.sha256);
    const { raster, source } = await decodeImage(bytes, {
      file: `${id} (${item.name})`,
      ...(pixelLimit ? { pixelLimit } : {}),
    });
    out.push({ item, raster, source, bytes });
  }
  return out;
}

/**
 * What the result can and cannot show: the pixels really recorded in the region of interest, the
 * compression the original went through, and any enlargement.
 */
export function evidenceLimits(
  first: { source: SourceImageInfo; bytes: Uint8Array },
  recipe: Recipe,
  output: Raster,
): string[] {
  const s = first.source;
  const lines: string[] = [];
  let compression = `${s.compression}, ${s.bitDepth} bits per sample`;
  if (s.format === 'jpeg') {
    const q = analyseQuantisation(first.bytes);
    if (q.estimatedQuality !== undefined)
      compression += `, quantisation tables ${q.exactIjgMatch ? 'equal to' : 'closest to'} IJG quality ${q.estimatedQuality}`;
  }
  lines.push(`The original is ${s.width} × ${s.height} pixels, ${compression}.`);
  if (s.format === 'jpeg')
    lines.push(
      'JPEG compression discards fine detail and adds 8 × 8 block artefacts; enhancement can make blocks more visible and cannot restore what was discarded.',
    );
  if (s.orientation && s.orientation !== 1)
    lines.push(
      `The file carries EXIF orientation ${s.orientation}; pixels were processed as stored (not auto-rotated).`,
    );
  let region: { w: number; h: number } = { w: s.width, h: s.height };
  let resampled = false;
  for (const [i, step] of recipe.steps.entries()) {
    const p = step.params as Record<string, number>;
    if (step.op.id === 'crop' && !resampled) {
      region = { w: p.width!, h: p.height! };
      lines.push(`The region of interest (step ${i + 1}) is ${p.width} × ${p.height} pixels of the original.`);
    }
    if (step.op.id === 'perspective' && !resampled) {
      const pts = (step.params as { points: Array<[number, number]> }).points;
      let area = 0;
      for (let k = 0; k < 4; k++) area += pts[k]![0] * pts[(k + 1) % 4]![1] - pts[(k + 1) % 4]![0] * pts[k]![1];
      area = Math.abs(area) / 2;
      const xs = pts.map((q) => q[0]);
      const ys = pts.map((q) => q[1]);
      const bw = Math.round(Math.max(...xs) - Math.min(...xs));
      const bh = Math.round(Math.max(...ys) - Math.min(...ys));
      region = {
        w: Math.max(1, Math.round(Math.sqrt((area * bw) / Math.max(1, bh)))),
        h: Math.max(1, Math.round(Math.sqrt((area * bh) / Math.max(1, bw)))),
      };
      lines.push(
        `The rectified rectangle (step ${i + 1}) covers about ${Math.round(area).toLocaleString('en-GB')} pixels of the original (its corners span ${bw} × ${bh} pixels).`,
      );
    }
    if (
      ['resize', 'perspective', 'lens-correct'].includes(step.op.id) ||
      (step.op.id === 'rotate' && p.angle! % 90 !== 0)
    )
      resampled = true;
  }
  const ratio = (output.width * output.height) / (region.w * region.h);
  if (ratio > 1.05) {
    lines.push(
      `The output has ${output.width} × ${output.height} pixels, about ${ratio.toFixed(1)} times as many as the ${(region.w * region.h).toLocaleString('en-GB')} recorded in that region: the extra pixels are interpolated and contain no detail that was not recorded.`,
    );
  } else {
    lines.push(`The output has ${output.width} × ${output.height} pixels.`);
  }
  if (output.pxPerMm)
    lines.push(
      `The output is a metric image at ${Number(output.pxPerMm.toFixed(4))} px/mm in the rectified plane (one pixel ≈ ${(1 / output.pxPerMm).toFixed(3)} mm).`,
    );
  return lines;
}

function stem(name: string): string {
  const base = name.split('/').pop() ?? name;
  return base.replace(/\.[^.]+$/, '');
}

/**
 * Runs a recipe on case items and records the result as derived item(s) with provenance. Everything is
 * decoded and computed before the case is touched, so bad input leaves the case unchanged.
 */
export async function enhanceItems(
  store: CaseStore,
  itemIds: readonly string[],
  recipe: Recipe,
  options: EnhanceOptions,
): Promise<EnhanceResult> {
  const startedAt = store.now();
  const inputs = await loadInputs(store, itemIds, options.pixelLimit);
  const result = await runRecipe(
    inputs.map((i) => i.raster),
    recipe,
    options.pixelLimit ? { pixelLimit: options.pixelLimit } : {},
  );
  const limits = evidenceLimits(inputs[0]!, recipe, result.enhanced);
  const recipeJson = recipeToJson(recipe);
  const base = stem(inputs[0]!.item.name);
  const tag = recipe.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const outputs: Array<{ raster: Raster; name: string; annotated: boolean }> = [
    { raster: result.enhanced, name: `${base}.${tag}.png`, annotated: false },
  ];
  if (result.annotated)
    outputs.push({ raster: result.annotated, name: `${base}.${tag}.annotated.png`, annotated: true });
  const encoded = [];
  for (const o of outputs) {
    const png = await encodePng(o.raster, { bitDepth: o.annotated ? 8 : recipe.output.bitDepth });
    encoded.push({ ...o, png, digests: digestBuffer(png) });
  }
  // Only now does the case change: blobs first (idempotent, content-addressed), then one transaction.
  for (const e of encoded) await store.blobs.putBuffer(e.png);
  const finishedAt = store.now();
  const recorded = store.recordDerivation({
    activity: ENHANCE_ACTIVITY,
    inputs: inputs.map((i, k) => ({
      sha256: i.item.sha256,
      itemId: i.item.id,
      role: k === 0 ? 'source' : `frame-${k + 1}`,
    })),
    steps: result.steps.map((s) => ({
      operation: s.operation,
      version: s.version,
      parameters: s.parameters,
      description: s.description + (s.notes.length ? ` (${s.notes.join('; ')})` : ''),
      reference: s.reference,
    })),
    outputs: encoded.map((e) => ({
      digests: e.digests,
      name: e.name,
      mediaType: 'image/png',
      metadata: {
        width: e.raster.width,
        height: e.raster.height,
        channels: e.raster.channels,
        bitDepth: e.annotated ? 8 : recipe.output.bitDepth,
        ...(e.raster.pxPerMm ? { pxPerMm: e.raster.pxPerMm } : {}),
        annotated: e.annotated,
        recipe: recipeJson,
        sources: inputs.map((i) => ({ itemId: i.item.id, sha256: i.item.sha256, ...i.source })),
        limits,
      },
    })),
    libraries: imagingLibraries(),
    operator: options.operator,
    startedAt,
    finishedAt,
  });
  return { provenance: recorded.provenance, items: recorded.items, steps: result.steps, limits };
}

export interface ValidationReport {
  ok: boolean;
  itemId: string;
  provenanceId: string;
  outputs: Array<{ name: string; expected: string; actual: string; match: boolean }>;
  /**
   * Software recorded when the result was made, and now: a mismatch with different versions is expected, not tampering.
   */
  recordedSoftware: ProvenanceRecord['software'];
  currentLibraries: Record<string, string>;
  sameLibraries: boolean;
}

/** The recipe that produced an enhanced item, rebuilt from its provenance and metadata. */
export function recipeOfItem(store: CaseStore, item: Item): { recipe: Recipe; provenance: ProvenanceRecord } {
  if (!item.provenanceId)
    throw new VestigeError('E_PARAM_INVALID', `item ${item.id} is an original, not the result of a recipe`, {
      hint: 'Give the id of an enhanced (derived) item.',
    });
  const provenance = store.provenance(item.provenanceId);
  if (provenance.activity !== ENHANCE_ACTIVITY)
    throw new VestigeError(
      'E_PARAM_INVALID',
      `item ${item.id} was produced by ${provenance.activity}, not by an enhancement recipe`,
    );
  const stored = (item.metadata as { recipe?: { name?: string; output?: { bitDepth?: 8 | 16 } } }).recipe;
  const recipe = parseRecipe({
    name: stored?.name ?? 'enhanced',
    steps: provenance.steps.map((s) => ({
      op: s.operation.startsWith(OPERATION_PREFIX) ? s.operation.slice(OPERATION_PREFIX.length) : s.operation,
      params: s.parameters as Record<string, unknown>,
    })),
    output: { bitDepth: stored?.output?.bitDepth ?? 8 },
  });
  provenance.steps.forEach((s, i) => {
    const op = recipe.steps[i]!.op;
    if (op.version !== s.version)
      throw new VestigeError(
        'E_RECIPE_INVALID',
        `step ${i + 1} (${op.id}) was run as version ${s.version}; this Vestige has version ${op.version}, which may give different pixels`,
        { hint: 'Validate with the Vestige version recorded in the provenance.' },
      );
  });
  return { recipe, provenance };
}

/**
 * Re-runs the recorded recipe from the original inputs (read from the blob store, hashes verified)
 * and compares the new output hashes with the recorded ones. Read-only.
 */
export async function validateItem(
  store: CaseStore,
  itemId: string,
  options: { pixelLimit?: number } = {},
): Promise<ValidationReport> {
  const item = store.item(itemId);
  const { recipe, provenance } = recipeOfItem(store, item);
  const inputs = await loadInputs(
    store,
    provenance.inputs.map((i) => i.itemId ?? store.itemsBySha256(i.sha256)[0]?.id ?? i.sha256),
    options.pixelLimit,
  );
  const result = await runRecipe(
    inputs.map((i) => i.raster),
    recipe,
    options.pixelLimit ? { pixelLimit: options.pixelLimit } : {},
  );
  const rasters = [result.enhanced, ...(result.annotated ? [result.annotated] : [])];
  const outputs = [];
  for (const [k, recorded] of provenance.outputs.entries()) {
    const raster = rasters[k];
    const actual = raster
      ? digestBuffer(await encodePng(raster, { bitDepth: k === 0 ? recipe.output.bitDepth : 8 })).sha256
      : '(not produced)';
    outputs.push({ name: recorded.name, expected: recorded.sha256, actual, match: actual === recorded.sha256 });
  }
  const current = imagingLibraries();
  const recordedLibs = provenance.software.libraries;
  const sameLibraries =
    Object.entries(current).every(([k, v]) => recordedLibs[k] === v) &&
    provenance.software.platform === process.platform &&
    provenance.software.arch === process.arch;
  return {
    ok: outputs.every((o) => o.match),
    itemId,
    provenanceId: provenance.id,
    outputs,
    recordedSoftware: provenance.software,
    currentLibraries: current,
    sameLibraries,
  };
}
