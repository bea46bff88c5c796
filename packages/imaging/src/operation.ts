import type { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { DEFAULT_PIXEL_LIMIT } from './codec.ts';
import type { Raster } from './raster.ts';

/** What an operation may use besides its main image. Nothing here reads a clock or a random source. */
export interface OperationContext {
  /** Every input image of the recipe, in order; `inputs[0]` is the main image the first step receives. */
  readonly inputs: readonly Raster[];
  /** Facts computed while applying (gains found, shifts measured) for the report; call as often as needed. */
  note(text: string): void;
  /** The most pixels an image may have: inputs are held to it when decoded, outputs before they are allocated. */
  readonly pixelLimit?: number;
}

/**
 * Refuses an output size over the pixel limit before anything is allocated: a recipe that asks for a
 * gigapixel enlargement fails fast with what to change, as an oversized input does.
 */
export function checkOutputSize(ctx: OperationContext, width: number, height: number, what: string): void {
  const limit = ctx.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  if (width * height <= limit) return;
  throw new VestigeError(
    'E_PARAM_INVALID',
    `${what} would make a ${width}×${height} image = ${(width * height).toLocaleString('en-GB')} pixels, over the pixel limit of ${limit.toLocaleString('en-GB')}`,
    {
      hint: 'Ask for a smaller output (scale, size or pixels per mm), or raise the limit with --pixel-limit if the machine has the memory.',
      details: { width, height, pixelLimit: limit },
    },
  );
}

/**
 * One documented, versioned image operation. `apply` is a pure function of its inputs and parameters:
 * the same image and parameters give the same pixels on the same platform and library versions.
 * Bump `version` whenever the pixels an operation produces change.
 */
export interface ImageOperation<P = unknown> {
  readonly id: string;
  readonly version: string;
  /** What the operation is for, one line (shown in `vestige help enhance` and the report). */
  readonly title: string;
  readonly schema: z.ZodType<P>;
  /** The plain-language sentence a court report shows for this step with these parameters. */
  describe(params: P): string;
  /** Scientific or standard reference for the method, where one exists. */
  readonly reference: string;
  /** True for annotation steps: they mark up an image for presentation and never enhance it. */
  readonly annotation?: boolean;
  /** True when the operation uses every recipe input (frame averaging). */
  readonly multiInput?: boolean;
  apply(image: Raster, params: P, ctx: OperationContext): Raster | Promise<Raster>;
}

/** Helper that keeps the parameter type of an operation tied to its schema. */
export function defineOperation<S extends z.ZodType>(
  op: Omit<ImageOperation<z.output<S>>, 'schema'> & { schema: S },
): ImageOperation<z.output<S>> {
  return op as unknown as ImageOperation<z.output<S>>;
}
