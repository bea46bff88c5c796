import * as fs from 'node:fs';
import { z } from 'zod';
import { VestigeError, schemaProblems } from '@vestige/evidence';
import type { ImageOperation, OperationContext } from './operation.ts';
import type { Raster } from './raster.ts';
import { DEFAULT_PIXEL_LIMIT } from './codec.ts';
import { getOperation, listOperations } from './registry.ts';

const stepSchema = z.strictObject({
  op: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** The officer's reason for the step, shown in the report. */
  note: z.string().max(2000).optional(),
});

const recipeObject = z.strictObject({
  name: z.string().max(200).optional(),
  description: z.string().max(5000).optional(),
  steps: z.array(stepSchema).min(1).max(200),
  output: z.strictObject({ bitDepth: z.union([z.literal(8), z.literal(16)]).default(8) }).default({ bitDepth: 8 }),
});

/** A recipe as written: `{ name?, steps: [{ op, params, note? }], output? }` or just the array of steps. */
export type RecipeSource = z.input<typeof recipeObject>;

export interface RecipeStep {
  op: ImageOperation<unknown>;
  /** Parameters after validation, defaults filled in: what was really applied. */
  params: unknown;
  note?: string | undefined;
}

export interface Recipe {
  name: string;
  description?: string | undefined;
  steps: RecipeStep[];
  output: { bitDepth: 8 | 16 };
}

/** The steps of a recipe, as provenance records them. */
export interface AppliedStep {
  operation: string;
  version: string;
  parameters: unknown;
  description: string;
  reference: string;
  notes: string[];
  annotation: boolean;
}

export const OPERATION_PREFIX = 'imaging.';

/**
 * Validates a recipe completely before anything runs: unknown operations and bad parameters are
 * reported with the step number and operation, so an officer can fix the file.
 */
export function parseRecipe(input: unknown, file?: string): Recipe {
  const candidate = Array.isArray(input) ? { steps: input } : input;
  const top = recipeObject.safeParse(candidate);
  if (!top.success) {
    // The step is named up front when every problem is in the same one (each problem keeps its own path).
    const stepNos = new Set(top.error.issues.map((i) => (i.path[0] === 'steps' ? i.path[1] : undefined)));
    const [only] = stepNos;
    const stepNo = stepNos.size === 1 && typeof only === 'number' ? only + 1 : undefined;
    const problems = schemaProblems(top.error.issues, 5, 'recipe');
    throw new VestigeError('E_RECIPE_INVALID', `${stepNo ? `step ${stepNo}: ` : ''}${problems}`, {
      file,
      hint: 'A recipe is { "steps": [ { "op": "levels", "params": { … } }, … ] }; see `vestige help enhance`.',
      details: { issues: top.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  const steps: RecipeStep[] = [];
  let annotating = false;
  top.data.steps.forEach((s, i) => {
    const op = getOperation(s.op);
    if (!op) {
      throw new VestigeError('E_RECIPE_INVALID', `step ${i + 1}: unknown operation "${s.op}"`, {
        file,
        hint: `Known operations: ${listOperations()
          .map((o) => o.id)
          .join(', ')}.`,
        details: { step: i + 1, op: s.op },
      });
    }
    const parsed = op.schema.safeParse(s.params);
    if (!parsed.success) {
      const params = [...new Set(parsed.error.issues.map((e) => e.path.join('.') || 'params'))];
      const problems = schemaProblems(parsed.error.issues, 5, 'params');
      throw new VestigeError('E_RECIPE_INVALID', `step ${i + 1} (${op.id}): ${problems}`, {
        file,
        hint: `Fix ${params.map((p) => `"${p}"`).join(', ')} of step ${i + 1}.`,
        details: {
          step: i + 1,
          op: op.id,
          issues: parsed.error.issues.map((e) => ({ path: e.path.join('.'), message: e.message })),
        },
      });
    }
    if (op.multiInput && i !== 0) {
      throw new VestigeError(
        'E_RECIPE_INVALID',
        `step ${i + 1} (${op.id}) combines the input images, so it must be the first step`,
        { file, details: { step: i + 1, op: op.id } },
      );
    }
    if (annotating && !op.annotation) {
      throw new VestigeError(
        'E_RECIPE_INVALID',
        `step ${i + 1} (${op.id}) comes after an annotation step; enhancement must be finished before mark-up`,
        {
          file,
          hint: 'Move annotate steps to the end: annotation is kept separate from enhancement.',
          details: { step: i + 1, op: op.id },
        },
      );
    }
    if (op.annotation) annotating = true;
    steps.push({ op, params: parsed.data, note: s.note });
  });
  return {
    name: top.data.name ?? 'enhanced',
    description: top.data.description,
    steps,
    output: { bitDepth: top.data.output.bitDepth },
  };
}

export function loadRecipeFile(path: string): Recipe {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new VestigeError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_INPUT_NOT_FOUND' : 'E_INPUT_UNREADABLE',
      `cannot read recipe ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { file: path, cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VestigeError('E_RECIPE_INVALID', `recipe ${path} is not valid JSON: ${(err as Error).message}`, {
      file: path,
      cause: err,
    });
  }
  return parseRecipe(json, path);
}

/** The recipe in the plain JSON form that reproduces it (defaults filled in). */
export function recipeToJson(r: Recipe): {
  name: string;
  description?: string;
  steps: Array<{ op: string; params: unknown; note?: string }>;
  output: { bitDepth: 8 | 16 };
} {
  return {
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    steps: r.steps.map((s) => ({ op: s.op.id, params: s.params, ...(s.note ? { note: s.note } : {}) })),
    output: r.output,
  };
}

export interface RecipeResult {
  /** The image after the last enhancement step. */
  enhanced: Raster;
  /** The image after the annotation steps, when the recipe has any. */
  annotated?: Raster | undefined;
  steps: AppliedStep[];
}

export interface RunOptions {
  /** Called after every step with the image it produced (reports take thumbnails here). */
  onStep?: (index: number, image: Raster) => void | Promise<void>;
  /** Pixel limit for every step's output (default: the decoder's, DEFAULT_PIXEL_LIMIT). */
  pixelLimit?: number;
}

/** Runs the steps in order. Pure: the same inputs and recipe give the same pixels. */
export async function runRecipe(
  inputs: readonly Raster[],
  recipe: Recipe,
  options: RunOptions = {},
): Promise<RecipeResult> {
  if (inputs.length === 0) throw new VestigeError('E_USAGE', 'a recipe needs at least one input image');
  if (inputs.length > 1 && !recipe.steps[0]?.op.multiInput) {
    throw new VestigeError(
      'E_RECIPE_INVALID',
      `${inputs.length} input images were given, but the recipe does not start with a step that combines them (frame-average)`,
      { hint: 'Give one image, or start the recipe with frame-average.' },
    );
  }
  let image = inputs[0]!;
  let enhanced: Raster | undefined;
  const applied: AppliedStep[] = [];
  for (const [i, step] of recipe.steps.entries()) {
    if (step.op.annotation && !enhanced) enhanced = image;
    const notes: string[] = [];
    const ctx: OperationContext = {
      inputs,
      note: (t) => notes.push(t),
      pixelLimit: options.pixelLimit ?? DEFAULT_PIXEL_LIMIT,
    };
    try {
      image = await step.op.apply(image, step.params, ctx);
    } catch (err) {
      if (err instanceof VestigeError) {
        throw new VestigeError(err.code, `step ${i + 1} (${step.op.id}): ${err.message}`, {
          file: err.file,
          hint: err.hint,
          details: { step: i + 1, op: step.op.id, ...(err.details ?? {}) },
          cause: err,
        });
      }
      throw err;
    }
    applied.push({
      operation: OPERATION_PREFIX + step.op.id,
      version: step.op.version,
      parameters: step.params,
      description: step.op.describe(step.params) + (step.note ? ` Reason given: ${step.note}` : ''),
      reference: step.op.reference,
      notes,
      annotation: step.op.annotation ?? false,
    });
    await options.onStep?.(i, image);
  }
  return enhanced ? { enhanced, annotated: image, steps: applied } : { enhanced: image, steps: applied };
}
