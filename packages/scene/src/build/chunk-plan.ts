/**
 * Octree build, phase 3 (chunk): from the 64³ counts, the octree nodes that hold at most `maxChunkPoints`
 * become chunks (each built whole by one worker) and the nodes above them are "upper" nodes (merged later
 * from the chunk roots). Then worker threads distribute the slices into chunks.bin, one region per chunk
 * in chunk order, each slice's points at a place computed from the slices' counts: one file, one open
 * descriptor per thread, writes of at least 256 KiB (below 64 chunks), and each chunk's points in input order.
 */
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { AttributeRanges, type RecordLayout } from '../core/potree/layout.ts';
import { childCube, type IntCube } from '../potree/kernel.mjs';
import { COUNT_BITS, COUNT_CELLS, loOf, type BuildPool, type CountedInput } from './count-inputs.ts';
import type { DistributeResult } from './record-passes.mjs';

export interface Chunk {
  name: string;
  level: number;
  cube: IntCube;
  count: number;
  /** Byte offset of the chunk's records in chunks.bin. */
  byteOffset: number;
}

export interface UpperNode {
  name: string;
  level: number;
  cube: IntCube;
  childMask: number;
}

/**
 * Buffers of one distribute task: 16 MiB shared by the chunks, 16 KiB to 4 MiB each. The total, not the
 * share, is fixed up to 1 024 chunks, so more chunks mean smaller writes rather than more memory; past
 * that each chunk keeps 16 KiB (2 048 chunks, 32 MiB). 128 MiB made no faster build: every page of it is
 * new memory to the process, and on this project's virtual machines a new page costs more than the
 * writes it saves.
 */
const DISTRIBUTE_BUFFER_BYTES = 16 << 20;
const MIN_CHUNK_BUFFER_BYTES = 16 << 10;

/** Counts of every octree level above the grid: `levels[l][(ix · 2^l + iy) · 2^l + iz]`. */
function levelCounts(counts: Uint32Array): Float64Array[] {
  const levels: Float64Array[] = [];
  levels[COUNT_BITS] = Float64Array.from(counts);
  for (let level = COUNT_BITS - 1; level >= 0; level--) {
    const g = 1 << level;
    const fine = levels[level + 1]!;
    const coarse = new Float64Array(g * g * g);
    const gf = g * 2;
    for (let x = 0; x < gf; x++)
      for (let y = 0; y < gf; y++)
        for (let z = 0; z < gf; z++) {
          coarse[((x >> 1) * g + (y >> 1)) * g + (z >> 1)]! += fine[(x * gf + y) * gf + z]!;
        }
    levels[level] = coarse;
  }
  return levels;
}

/** The points per cell of all slices together. */
export function totalCounts(counted: CountedInput): Uint32Array {
  const total = new Uint32Array(COUNT_CELLS);
  for (const s of counted.slices) {
    const c = s.counts!;
    for (let i = 0; i < COUNT_CELLS; i++) total[i]! += c[i]!;
  }
  return total;
}

/** Which nodes are chunks and which lie above them (depth first, octants ascending: the chunks in name order). */
export function planChunks(
  counts: Uint32Array,
  bits: number,
  maxChunkPoints: number,
  bytesPerPoint: number,
): { chunks: Chunk[]; upper: UpperNode[] } {
  const levels = levelCounts(counts);
  const chunks: Chunk[] = [];
  const upper: UpperNode[] = [];
  let byteOffset = 0;
  const visit = (name: string, level: number, ix: number, iy: number, iz: number, cube: IntCube): void => {
    const g = 1 << level;
    const count = levels[level]![(ix * g + iy) * g + iz]!;
    if (count === 0) return;
    if (count <= maxChunkPoints || level === COUNT_BITS) {
      chunks.push({ name, level, cube, count, byteOffset });
      byteOffset += count * bytesPerPoint;
      return;
    }
    let childMask = 0;
    const g2 = g * 2;
    for (let c = 0; c < 8; c++) {
      const cx = ix * 2 + ((c >> 2) & 1),
        cy = iy * 2 + ((c >> 1) & 1),
        cz = iz * 2 + (c & 1);
      if (levels[level + 1]![(cx * g2 + cy) * g2 + cz]! > 0) childMask |= 1 << c;
    }
    upper.push({ name, level, cube, childMask });
    for (let c = 0; c < 8; c++) {
      if (childMask & (1 << c))
        visit(
          name + c,
          level + 1,
          ix * 2 + ((c >> 2) & 1),
          iy * 2 + ((c >> 1) & 1),
          iz * 2 + (c & 1),
          childCube(cube, c),
        );
    }
  };
  visit('r', 0, 0, 0, 0, { x: 0, y: 0, z: 0, bits });
  return { chunks, upper };
}

/** Fine cell → chunk index, in shared memory for the workers. */
function cellChunkMap(chunks: readonly Chunk[]): Int32Array {
  const cellChunk = new Int32Array(new SharedArrayBuffer(4 * COUNT_CELLS)).fill(-1);
  chunks.forEach((ch, index) => {
    const span = 1 << (COUNT_BITS - ch.level);
    const shift = ch.cube.bits - (COUNT_BITS - ch.level);
    const ix = ch.cube.x >>> shift,
      iy = ch.cube.y >>> shift,
      iz = ch.cube.z >>> shift;
    for (let x = ix; x < ix + span; x++)
      for (let y = iy; y < iy + span; y++)
        for (let z = iz; z < iz + span; z++) {
          cellChunk[(x << (2 * COUNT_BITS)) | (y << COUNT_BITS) | z] = index;
        }
  });
  return cellChunk;
}

/**
 * Distributes every slice into chunks.bin; returns its path and the colour, intensity and class ranges
 * of the records written.
 */
export async function distributeChunks(
  counted: CountedInput,
  chunks: readonly Chunk[],
  layout: RecordLayout,
  workDir: string,
  pool: BuildPool,
): Promise<{ path: string; ranges: AttributeRanges }> {
  const cellChunk = cellChunkMap(chunks);
  const bpp = layout.bytesPerPoint;
  const path = join(workDir, 'chunks.bin');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, counted.total * bpp);
  closeSync(fd);
  // Where each slice's first point of each chunk goes: the chunk's start plus the earlier slices' points.
  const next = chunks.map((ch) => ch.byteOffset);
  const positions = counted.slices.map((slice) => {
    const here = Float64Array.from(next);
    const perChunk = new Float64Array(chunks.length);
    const c = slice.counts!;
    for (let cell = 0; cell < COUNT_CELLS; cell++) if (c[cell]! > 0) perChunk[cellChunk[cell]!]! += c[cell]!;
    perChunk.forEach((n, i) => (next[i]! += n * bpp));
    return { here, perChunk };
  });
  const bufferBytes = Math.max(
    MIN_CHUNK_BUFFER_BYTES,
    Math.min(4 << 20, Math.floor(DISTRIBUTE_BUFFER_BYTES / Math.max(1, chunks.length))),
  );
  const results = await Promise.all(
    counted.slices.map(async (slice, k) => {
      const task = {
        type: 'distribute',
        source: counted.sources[slice.source]!,
        first: slice.first,
        count: slice.count,
        lo: loOf(counted, slice.source),
        bits: counted.frame.bits,
        countBits: COUNT_BITS,
        cellChunk: cellChunk.buffer,
        chunkPositions: positions[k]!.here,
        outPath: path,
        layout,
        bufferBytes,
      };
      return (await pool.run(task)).result as DistributeResult;
    }),
  );
  const ranges = new AttributeRanges();
  results.forEach((r, k) => {
    ranges.merge(r.ranges);
    r.written.forEach((n, i) => {
      if (n !== positions[k]!.perChunk[i])
        throw new Error(`chunk ${chunks[i]!.name}: slice ${k} wrote ${n} points, counted ${positions[k]!.perChunk[i]}`);
    });
  });
  return { path, ranges };
}
