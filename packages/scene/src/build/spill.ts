/**
 * Octree build, phase 1 for inputs that are not LAS or LAZ (PLY, E57, PTS, XYZ, OBJ …): their chunks are
 * quantised on this thread (int = round((x − origin) / scale), the in-memory writer's `quantizeChunk`)
 * and appended to a spill of Potree records carrying every attribute (21 bytes a point), in 4 MiB writes.
 * Its exact integer bounds give the frame; the workers then count and distribute it like any record file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import type { Bounds } from '../manifest/schema.ts';
import type { PointChunk } from '../points.ts';
import { AttributeRanges, recordLayout } from '../core/potree/layout.ts';
import { encodeRecords } from '../core/potree/records.mjs';
import { quantizeChunk } from '../potree/quantize.ts';
import { DISTRIBUTION_SLICES, type CountedInput, type Slice } from './count-inputs.ts';
import { frameOverInts, realGrid, statedIntBounds, tooFar, type OctreeFrame } from './frame.ts';

/** Every attribute, so chunks with and without colour can share one spill. */
export const SPILL_LAYOUT = recordLayout({ rgb: true, intensity: true, classification: true });
const WRITE_BYTES = 4 << 20;

/** True when the first point lies inside the stated bounds (with a little slack for rounding). */
export function insideStated(b: Bounds, positions: ArrayLike<number>): boolean {
  for (let k = 0; k < 3; k++) {
    const slack = (b.max[k]! - b.min[k]!) * 0.01 + 1;
    const v = positions[k]!;
    if (!(v >= b.min[k]! - slack && v <= b.max[k]! + slack)) return false;
  }
  return true;
}

class SpillWriter {
  private readonly fd: number;
  private readonly buffer = new Uint8Array(WRITE_BYTES);
  private fill = 0;
  bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  append(records: Uint8Array): void {
    let at = 0;
    while (at < records.length) {
      const n = Math.min(records.length - at, this.buffer.length - this.fill);
      this.buffer.set(records.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === this.buffer.length) this.flush();
    }
  }

  flush(): void {
    for (let done = 0; done < this.fill; ) done += writeSync(this.fd, this.buffer, done, this.fill - done);
    this.bytes += this.fill;
    this.fill = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface SpillGrid {
  /**
   * The inputs' own integer grid (LAS/LAZ read through their importers): quantised onto it, points keep their integers.
   */
  grid?: { scale: number; offset: [number, number, number] };
  requestedScale: number;
  stated?: Bounds;
}

/**
 * The frame the stated bounds give when every point fell inside it, else the tight one: the same choice
 * the LAS path makes by counting, so a LAS file streamed through its importer gives the same bytes.
 */
function frameOf(
  grid: { scale: number; offset: readonly number[] },
  stated: Bounds | undefined,
  min: number[],
  max: number[],
): { frame: OctreeFrame; base: number[] } {
  const ints = stated ? statedIntBounds(grid, stated) : undefined;
  const statedFrame = ints ? frameOverInts(grid, ints.min, ints.max) : undefined;
  if (ints && statedFrame && min.every((v, k) => v >= ints.min[k]! && max[k]! - ints.min[k]! < 2 ** statedFrame.bits))
    return { frame: statedFrame, base: ints.min };
  const frame = frameOverInts(grid, min, max);
  if (!frame) throw tooFar(grid.scale, { min, max });
  return { frame, base: min };
}

/** Streams the importer's chunks into one spill in `workDir`; returns the input with its frame, ready to count. */
export async function spillPoints(
  points: AsyncIterable<PointChunk>,
  workDir: string,
  quantum: SpillGrid,
  options: { signal?: AbortSignal; onProgress?: (done: number) => void },
): Promise<CountedInput> {
  const { stated, requestedScale } = quantum;
  let statedUsable = !!stated;
  const writer = new SpillWriter(join(workDir, 'spill.bin'));
  const intBounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
  const ranges = new AttributeRanges();
  const seen = { rgb: false, intensity: false, classification: false };
  let grid = quantum.grid;
  let total = 0;
  try {
    for await (const chunk of points) {
      options.signal?.throwIfAborted();
      const n = chunk.count;
      if (n === 0) continue;
      if (total + n > 2 ** 32 - 1)
        throw new VestigeError('E_INPUT_TOO_LARGE', 'More than 4 294 967 295 points in one layer.', {
          hint: 'Split the scene into several layers.',
        });
      // Stated bounds set the origin and step when the first point agrees with them (some writers state zeros).
      if (total === 0) statedUsable = !!stated && insideStated(stated, chunk.positions);
      grid ??=
        stated && statedUsable
          ? realGrid(stated.min, Math.max(...stated.max.map((v, k) => v - Math.floor(stated.min[k]!))), requestedScale)
          : realGrid(chunk.positions, 0, requestedScale);
      const q = quantizeChunk(chunk, grid.offset, grid.scale, ranges, undefined, intBounds);
      seen.rgb ||= !!chunk.rgb;
      seen.intensity ||= !!chunk.intensity;
      seen.classification ||= !!chunk.classification;
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      writer.append(encodeRecords(q, order, 0, n, SPILL_LAYOUT));
      total += n;
      options.onProgress?.(total);
    }
  } finally {
    writer.close();
  }
  grid ??= { scale: requestedScale, offset: [0, 0, 0] };
  const { frame, base } =
    total === 0
      ? { frame: { scale: grid.scale, offset: grid.offset, bits: 7 }, base: [0, 0, 0] }
      : frameOf(grid, statedUsable ? stated : undefined, intBounds.min, intBounds.max);
  const slices: Slice[] = [];
  const parts = Math.min(DISTRIBUTION_SLICES, Math.max(1, Math.ceil(total / 65_536)));
  for (let k = 0; k < parts; k++) {
    const first = Math.floor((k * total) / parts);
    const last = Math.floor(((k + 1) * total) / parts);
    if (last > first) slices.push({ source: 0, first, count: last - first });
  }
  return {
    frame,
    base,
    shifts: [[0, 0, 0]],
    sources: [
      {
        path: writer.path,
        dataOffset: 0,
        recordLength: SPILL_LAYOUT.bytesPerPoint,
        count: total,
        rgbAt: SPILL_LAYOUT.rgbOffset,
        intensityAt: SPILL_LAYOUT.intensityOffset,
        classAt: SPILL_LAYOUT.classificationOffset,
        classMask: 0xff,
      },
    ],
    slices,
    total,
    attributes: seen,
    qMin: [Infinity, Infinity, Infinity],
    qMax: [-Infinity, -Infinity, -Infinity],
    spills: [writer.path],
  };
}
