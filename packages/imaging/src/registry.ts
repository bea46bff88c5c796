import { registry, type Registry } from '@vestige/evidence';
import type { ImageOperation } from './operation.ts';
import { annotate } from './ops/annotate.ts';
import { bilateral } from './ops/bilateral.ts';
import { brightnessContrast } from './ops/brightness-contrast.ts';
import { channel } from './ops/channel.ts';
import { clahe } from './ops/clahe.ts';
import { crop } from './ops/crop.ts';
import { curves } from './ops/curves.ts';
import { deblurRichardsonLucy } from './ops/deblur-richardson-lucy.ts';
import { deblurWiener } from './ops/deblur-wiener.ts';
import { equalize } from './ops/equalize.ts';
import { flip } from './ops/flip.ts';
import { frameAverage } from './ops/frame-average.ts';
import { greyscale } from './ops/greyscale.ts';
import { invert } from './ops/invert.ts';
import { lensCorrect } from './ops/lens-correct.ts';
import { levels } from './ops/levels.ts';
import { median } from './ops/median.ts';
import { perspective } from './ops/perspective.ts';
import { resize } from './ops/resize.ts';
import { rotate } from './ops/rotate.ts';
import { unsharp } from './ops/unsharp.ts';
import { whiteBalance } from './ops/white-balance.ts';

/** Every operation a recipe may name. Adding one is one file in ops/ and one line here. */
const BUILT_IN: ImageOperation<any>[] = [
  crop,
  rotate,
  flip,
  resize,
  perspective,
  lensCorrect,
  levels,
  curves,
  brightnessContrast,
  whiteBalance,
  equalize,
  clahe,
  channel,
  greyscale,
  invert,
  unsharp,
  median,
  bilateral,
  deblurWiener,
  deblurRichardsonLucy,
  frameAverage,
  annotate,
];

const operations = registry<ImageOperation<any>>('image operation', BUILT_IN);

/** The registry itself: `get` throws `E_PARAM_INVALID` naming the known operations. */
export const imageOperations: Registry<ImageOperation<unknown>> = operations;

/** The operation, or undefined: a recipe reports an unknown one as its own error (E_RECIPE_INVALID, with the step). */
export function getOperation(id: string): ImageOperation<unknown> | undefined {
  return operations.has(id) ? operations.get(id) : undefined;
}

export function listOperations(): ImageOperation<unknown>[] {
  return operations.list();
}

/** For plug-ins: an id registered twice is refused. */
export function registerOperation(op: ImageOperation<any>): void {
  operations.register(op);
}
