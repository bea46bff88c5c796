/**
 * The LAS point-format fixtures: one small scan per point format 0–10, each in the first LAS version
 * that defines it (so 1.0 to 1.4 are all covered), written by Vestige's LAS writer. Their LAZ twins in
 * tests/fixtures/3d/las-formats were compressed by LASzip 3.4 (the reference encoder, built from
 * PotreeConverter 2.1.1's source by bench/scene/potree-converter.ts) with 500-point chunks, so every file has
 * several chunks and a partial last one. Regenerate them with
 * `node --import tsx tests/scene/las-format-fixtures.ts` (needs the bench's peer build).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@vestige/evidence';
import { writeLas } from '@vestige/scene';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';

export const LAS_FORMATS_DIR = join(import.meta.dirname, '..', 'fixtures', '3d', 'las-formats');
export const FORMAT_POINTS = 1_700;
export const FORMAT_CHUNK = 500;
/** Point format → the LAS minor version its fixture uses (the first that defines the format). */
export const FORMAT_MINOR = [0, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4] as const;

export function formatFixtureName(format: number): string {
  return `pf${format}-las1${FORMAT_MINOR[format]}`;
}

export function formatPoints(format: number) {
  return syntheticRoom({ points: FORMAT_POINTS, seed: 100 + format, chunkPoints: 600, origin: [512000, 5400000, 31] });
}

export async function writeFormatLas(path: string, format: number): Promise<void> {
  await writeLas(path, formatPoints(format), {
    pointFormat: format,
    minorVersion: FORMAT_MINOR[format]!,
    scale: 0.001,
    created: { dayOfYear: 1, year: 2025 },
  });
}

/**
 * One LASzip chunk of 50 000 points on a 1 cm grid with scattered heights and intensities (about 3
 * compressed bytes a point, so a reader that kept the compressed file would show it), repeated by the
 * streaming test.
 */
export const STREAM_CHUNK_POINTS = 50_000;
export function* streamChunkPoints() {
  const positions = new Float64Array(STREAM_CHUNK_POINTS * 3);
  const intensity = new Uint16Array(STREAM_CHUNK_POINTS);
  const rnd = seededRandom(7);
  for (let i = 0; i < STREAM_CHUNK_POINTS; i++) {
    positions[i * 3] = 1000 + (i % 250) * 0.01 + rnd() * 0.005;
    positions[i * 3 + 1] = 2000 + Math.floor(i / 250) * 0.01 + rnd() * 0.005;
    positions[i * 3 + 2] = 10 + rnd() * 0.1;
    intensity[i] = Math.floor(rnd() * 4096);
  }
  yield { kind: 'points' as const, count: STREAM_CHUNK_POINTS, positions, intensity };
}

if (process.argv[1] === import.meta.filename) {
  const { preparePeerTools } = await import('../../bench/scene/potree-converter.ts');
  const tools = preparePeerTools();
  if (!tools.las2laz) throw new Error(`no LAZ encoder: ${tools.problems.join('; ')}`);
  mkdirSync(LAS_FORMATS_DIR, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'las-formats-'));
  try {
    for (let format = 0; format <= 10; format++) {
      const las = join(tmp, `${formatFixtureName(format)}.las`);
      await writeFormatLas(las, format);
      execFileSync(
        tools.las2laz,
        [las, join(LAS_FORMATS_DIR, `${formatFixtureName(format)}.laz`), String(FORMAT_CHUNK)],
        { stdio: 'inherit' },
      );
    }
    const stream = join(tmp, 'stream-chunk-pf0.las');
    await writeLas(stream, streamChunkPoints(), {
      pointFormat: 0,
      minorVersion: 2,
      scale: 0.001,
      created: { dayOfYear: 1, year: 2025 },
    });
    execFileSync(tools.las2laz, [stream, join(LAS_FORMATS_DIR, 'stream-chunk-pf0.laz'), String(STREAM_CHUNK_POINTS)], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
