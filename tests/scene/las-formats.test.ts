import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VestigeError } from '@vestige/evidence';
import { detectSceneFormat, type PointChunk } from '@vestige/scene';
import { decodeChunkTable, encodeChunkTable } from '../../packages/scene/src/formats/laz-chunks.ts';
import {
  FORMAT_CHUNK,
  FORMAT_MINOR,
  FORMAT_POINTS,
  LAS_FORMATS_DIR,
  formatFixtureName,
  formatPoints,
  writeFormatLas,
} from './las-format-fixtures.ts';
import { importAll, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Count and bounds of the generated points as a LAS file with scale 0.001 stores them. */
function expected(format: number): { points: number; min: number[]; max: number[] } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  let points = 0;
  let offset: number[] | undefined;
  for (const c of formatPoints(format)) {
    offset ??= [0, 1, 2].map((k) => Math.floor(c.positions[k]!));
    for (let i = 0; i < c.count; i++) {
      for (let k = 0; k < 3; k++) {
        const v = Math.round((c.positions[i * 3 + k]! - offset[k]!) / 0.001) * 0.001 + offset[k]!;
        min[k] = Math.min(min[k]!, v);
        max[k] = Math.max(max[k]!, v);
      }
    }
    points += c.count;
  }
  return { points, min, max };
}

async function points(path: string): Promise<PointChunk[]> {
  const out: PointChunk[] = [];
  const format = await detectSceneFormat(path);
  for await (const c of format.read(path)) if (c.kind === 'points') out.push(c);
  return out;
}

function flat(chunks: PointChunk[], key: 'positions' | 'intensity' | 'classification' | 'rgb'): number[] {
  return chunks.flatMap((c) => Array.from(c[key] ?? []));
}

const FORMATS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('LAS 1.0–1.4, every point format 0–10, written by the LAS writer', () => {
  it.each(FORMATS)(
    'point format %i in its first LAS version reads back with the exact count and bounds',
    async (format) => {
      const path = join(tmp.dir, `${formatFixtureName(format)}.las`);
      await writeFormatLas(path, format);
      const want = expected(format);
      const header = await (await detectSceneFormat(path)).header(path);
      expect(header.details).toMatchObject({ version: `1.${FORMAT_MINOR[format]}`, pointFormat: format });
      expect(header.points).toBe(FORMAT_POINTS);
      const got = await importAll(path);
      expect(got.points).toBe(want.points);
      for (let k = 0; k < 3; k++) {
        expect(got.min[k]).toBeCloseTo(want.min[k]!, 9);
        expect(got.max[k]).toBeCloseTo(want.max[k]!, 9);
        expect(header.bounds!.min[k]).toBeCloseTo(want.min[k]!, 9);
        expect(header.bounds!.max[k]).toBeCloseTo(want.max[k]!, 9);
      }
      expect(got.rgb).toBe([2, 3, 5, 7, 8, 10].includes(format));
    },
  );

  it.each([4, 5, 9, 10])('wave-packet format %i says its waveform samples were not imported', async (format) => {
    const path = join(tmp.dir, `wave-${format}.las`);
    await writeFormatLas(path, format);
    const header = await (await detectSceneFormat(path)).header(path);
    expect(header.details['waveform']).toMatchObject({ descriptors: 1, samples: 'in an external .wdp file' });
  });
});

describe('LAZ compressed by LASzip 3.4 (the reference encoder), every point format', () => {
  it.each(FORMATS)('point format %i decodes chunk by chunk to the same points as the LAS', async (format) => {
    const las = join(tmp.dir, `${formatFixtureName(format)}-ref.las`);
    await writeFormatLas(las, format);
    const laz = join(LAS_FORMATS_DIR, `${formatFixtureName(format)}.laz`);
    const [a, b] = [await points(las), await points(laz)];
    expect(b.length).toBe(Math.ceil(FORMAT_POINTS / FORMAT_CHUNK)); // one chunk per LASzip chunk
    const want = expected(format);
    const got = await importAll(laz);
    expect(got.points).toBe(want.points);
    for (let k = 0; k < 3; k++) {
      expect(got.min[k]).toBeCloseTo(want.min[k]!, 9);
      expect(got.max[k]).toBeCloseTo(want.max[k]!, 9);
    }
    for (const key of ['positions', 'intensity', 'classification', 'rgb'] as const)
      expect(flat(b, key)).toEqual(flat(a, key));
  });

  it('a compressed wave-packet file still says its waveform samples were not imported', async () => {
    const path = join(LAS_FORMATS_DIR, `${formatFixtureName(5)}.laz`);
    const header = await (await detectSceneFormat(path)).header(path);
    expect(header.details['waveform']).toMatchObject({ samples: 'in an external .wdp file' });
  });
});

describe('LAZ chunk table', () => {
  function tableOf(path: string): { at: number; count: number; coded: Buffer; file: Buffer } {
    const file = readFileSync(path);
    const at = Number(file.readBigInt64LE(file.readUInt32LE(96)));
    return { at, count: file.readUInt32LE(at + 4), coded: file.subarray(at + 8), file };
  }

  it('is decoded from LASzip bytes, and coding it again gives the bytes LASzip wrote', () => {
    const { count, coded } = tableOf(join(LAS_FORMATS_DIR, `${formatFixtureName(3)}.laz`));
    const entries = decodeChunkTable(coded, count, false);
    expect(entries).toHaveLength(4);
    expect(entries.every((e) => e.bytes > 1000 && e.points === undefined)).toBe(true);
    const again = encodeChunkTable(entries, false);
    expect(Buffer.from(again).equals(coded.subarray(0, again.length))).toBe(true);
  });

  it('decodes variable-size chunks (COPC): counts and sizes', () => {
    const path = join(import.meta.dirname, '..', 'fixtures', '3d', 'las', 'simple.copc.laz');
    const { count, coded } = tableOf(path);
    const entries = decodeChunkTable(coded, count, true);
    expect(entries.reduce((n, e) => n + e.points!, 0)).toBe(1065);
  });

  /** Writes a changed copy of a format fixture and returns both paths. */
  function variant(
    format: number,
    name: string,
    change: (file: Buffer, tableAt: number) => Buffer,
  ): { source: string; path: string } {
    const source = join(LAS_FORMATS_DIR, `${formatFixtureName(format)}.laz`);
    const { at, file } = tableOf(source);
    const path = join(tmp.dir, name);
    writeFileSync(path, change(file, at));
    return { source, path };
  }

  it('is found at the end of the file when the writer left its offset as −1', async () => {
    const { source, path } = variant(3, 'offset-minus-one.laz', (file, at) => {
      const copy = Buffer.concat([file, Buffer.alloc(8)]);
      copy.writeBigInt64LE(-1n, file.readUInt32LE(96));
      copy.writeBigInt64LE(BigInt(at), file.length);
      return copy;
    });
    expect(flat(await points(path), 'positions')).toEqual(flat(await points(source), 'positions'));
  });

  it('is not needed for layered LAS 1.4 chunks: they are walked by their own heads', async () => {
    // The table cut off, its offset left dangling.
    const { source, path } = variant(10, 'no-table-layered.laz', (file, at) => file.subarray(0, at));
    expect(flat(await points(path), 'positions')).toEqual(flat(await points(source), 'positions'));
  });

  it.each([2, 5])(
    "is not needed for point-wise chunks (format %i): each chunk's end is found by decoding it",
    async (format) => {
      const { source, path } = variant(format, `no-table-pointwise-${format}.laz`, (file, at) => file.subarray(0, at));
      const [a, b] = [await points(source), await points(path)];
      expect(b.length).toBe(4);
      for (const key of ['positions', 'intensity', 'classification', 'rgb'] as const)
        expect(flat(b, key)).toEqual(flat(a, key));
    },
  );

  it.each(['simple.laz', 'plane.laz'])(
    "without its table, laspy's %s decodes the same through Vestige's point-wise decoder as through laz-perf",
    async (name) => {
      const source = join(import.meta.dirname, '..', 'fixtures', '3d', 'las', name);
      const { at, file } = tableOf(source);
      const path = join(tmp.dir, `no-table-${name}`);
      writeFileSync(path, file.subarray(0, at));
      const [a, b] = [await points(source), await points(path)];
      expect(b.reduce((n, c) => n + c.count, 0)).toBe(a.reduce((n, c) => n + c.count, 0));
      for (const key of ['positions', 'intensity', 'classification', 'rgb'] as const)
        expect(flat(b, key)).toEqual(flat(a, key));
    },
  );

  it('cut short, a point-wise chunk without a table is corrupt (truncated), not unsupported', async () => {
    const { path } = variant(3, 'truncated-pointwise.laz', (file, at) => file.subarray(0, at - 3000));
    const err = await points(path).catch((e: unknown) => e);
    expect((err as VestigeError).code).toBe('E_INPUT_CORRUPT');
  });
});
