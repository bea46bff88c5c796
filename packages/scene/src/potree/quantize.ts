import { VestigeError } from '@vestige/evidence';
import type { PointChunk } from '../points.ts';
import { AttributeRanges } from '../core/potree/layout.ts';
import type { QuantizedPoints } from './kernel.mjs';

/** Default position quantum: 0.1 mm in metre-based scans — finer than any scanner's noise. */
export const DEFAULT_SCALE = 0.0001;
const INT_LIMIT = 2 ** 31 - 2;

/**
 * Smallest power of ten ≥ `requested` that fits the extent in int32 around `offset`. Large survey
 * extents get a coarser step rather than overflow.
 */
export function chooseScale(extent: number, requested = DEFAULT_SCALE): number {
  let scale = requested;
  while (extent / scale > INT_LIMIT) scale *= 10;
  return scale;
}

/**
 * Quantises one chunk: int = round((x − offset) / scale). Widens `ranges` (source values) and, when
 * given, `intBounds` (the quantised integers). The one quantiser of the in-memory writer and the
 * streaming octree build, so both store the same integers for the same points.
 */
export function quantizeChunk(
  chunk: PointChunk,
  offset: readonly number[],
  scale: number,
  ranges: AttributeRanges,
  file?: string,
  intBounds?: { min: number[]; max: number[] },
): QuantizedPoints {
  const n = chunk.count;
  const xyz = new Int32Array(n * 3);
  const pos = chunk.positions;
  const inv = 1 / scale;
  const { posMin, posMax } = ranges;
  const intMin = intBounds?.min ?? [0, 0, 0];
  const intMax = intBounds?.max ?? [0, 0, 0];
  for (let i = 0; i < n * 3; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = pos[i + k]!;
      if (v < posMin[k]!) posMin[k] = v;
      if (v > posMax[k]!) posMax[k] = v;
      const q = Math.round((v - offset[k]!) * inv);
      if (!(q >= -INT_LIMIT && q <= INT_LIMIT)) {
        throw new VestigeError(
          'E_INPUT_TOO_LARGE',
          `A point lies too far from the scene origin to store at a ${scale} step (coordinate ${v}).`,
          {
            ...(file === undefined ? {} : { file }),
            hint: 'Give a coarser --scale, or check the input for stray points with huge or non-finite coordinates.',
            details: { coordinate: v, offset: offset[k], scale },
          },
        );
      }
      xyz[i + k] = q;
      if (q < intMin[k]!) intMin[k] = q;
      if (q > intMax[k]!) intMax[k] = q;
    }
  }
  const out: QuantizedPoints = { count: n, xyz };
  if (chunk.rgb) out.rgb = chunk.rgb.subarray(0, n * 3);
  if (chunk.intensity) out.intensity = chunk.intensity.subarray(0, n);
  if (chunk.classification) out.classification = chunk.classification.subarray(0, n);
  ranges.observeAttributes(n, out.rgb, out.intensity, out.classification);
  return out;
}
