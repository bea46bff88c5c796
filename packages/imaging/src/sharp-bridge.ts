import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { Raster } from './raster.ts';

/** Opens a raster as a sharp pipeline over its 16-bit samples (no copy). */
export function sharpOf(r: Raster): sharp.Sharp {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } });
}

/** Runs a sharp pipeline that must produce 16-bit samples and returns them as a raster. */
export async function rasterFrom(pipeline: sharp.Sharp, channels: 1 | 3, pxPerMm?: number): Promise<Raster> {
  const { data, info } = await to16(pipeline, channels).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`internal: sharp returned ${info.channels} channels`);
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return { width: info.width, height: info.height, channels: info.channels, data: samples, pxPerMm };
}

/**
 * Ends a pipeline with 16-bit raw output. Without the explicit 16-bit colour space, sharp converts to
 * 8-bit sRGB before output and `depth: 'ushort'` merely widens 0…255: the precision would be lost.
 */
export function to16(pipeline: sharp.Sharp, channels: 1 | 3): sharp.Sharp {
  return pipeline.toColourspace(channels === 1 ? 'grey16' : 'rgb16').raw({ depth: 'ushort' });
}

/** The library versions that decide the bytes of an output; recorded in every provenance record. */
export function imagingLibraries(): Record<string, string> {
  const v = sharp.versions as Record<string, string | undefined>;
  const out: Record<string, string> = { sharp: v.sharp ?? 'unknown', libvips: v.vips ?? 'unknown' };
  for (const k of ['spng', 'png', 'mozjpeg', 'tiff', 'zlib-ng', 'rsvg', 'pango']) if (v[k]) out[k] = v[k]!;
  return out;
}

let configured = false;
/**
 * libvips' operation cache holds decoded images between calls; for evidence work every call reads its
 * inputs afresh. sharp uses one libvips thread on glibc without jemalloc (to limit heap fragmentation in
 * long-running servers); a Vestige command is short-lived, so it uses every core. The thread count
 * changes only speed: libvips computes each output tile the same way whichever thread runs it (the
 * repeatability tests check bytes across processes and thread counts). VESTIGE_THREADS=N overrides.
 */
export function configureSharp(): void {
  if (configured) return;
  configured = true;
  sharp.cache(false);
  const fromEnv = Number(process.env.VESTIGE_THREADS);
  sharp.concurrency(Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism());
}
