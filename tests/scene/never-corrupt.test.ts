import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VestigeError } from '@vestige/evidence';
import { detectSceneFormat } from '@vestige/scene';
import { FIXTURES, tempDir } from './helpers.ts';
import { formatFixtureName, writeFormatLas } from './las-format-fixtures.ts';
import { writeE57 } from '../../samples/scene/e57-writer.ts';

/** Files that are damaged on purpose (their error must stay E_INPUT_CORRUPT). */
const DAMAGED = new Set(['e57/bad-crc.e57']);

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function fixtureFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureFiles(path, base);
    return /\.(md|txt)$/i.test(name) ? [] : [path.slice(base.length + 1)];
  });
}

/** Reads the header, every chunk and every photo's bytes; returns the error, if any. */
async function readFully(path: string): Promise<unknown> {
  try {
    const format = await detectSceneFormat(path);
    await format.header(path);
    for await (const chunk of format.read(path)) void chunk;
    if (format.photos)
      for await (const photo of format.photos(path)) for await (const part of photo.image.bytes()) void part;
    return undefined;
  } catch (err) {
    return err;
  }
}

const generated: string[] = [];
beforeAll(async () => {
  for (let format = 0; format <= 10; format++) {
    const path = join(tmp.dir, `${formatFixtureName(format)}.las`);
    await writeFormatLas(path, format);
    generated.push(path);
  }
  const e57 = join(tmp.dir, 'spherical-photo.e57');
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360f8cf000000030101' +
      '00d5b2b6a50000000049454e44ae426082',
    'hex',
  );
  const xyz = ['cartesianX', 'cartesianY', 'cartesianZ'].map((name) => ({
    name,
    type: 'Float' as const,
    precision: 'single' as const,
  }));
  writeE57(
    e57,
    [
      {
        name: 'scan',
        fields: xyz,
        columns: [
          [0, 1],
          [0, 1],
          [0, 1],
        ],
      },
    ],
    {
      images: [
        {
          name: 'pano',
          guid: 'pano',
          representation: 'sphericalRepresentation',
          encoding: 'pngImage',
          bytes: png,
          width: 1,
          height: 1,
          parameters: { pixelWidth: 6.28, pixelHeight: 3.14 },
        },
      ],
    },
  );
  generated.push(e57);
});

describe('no valid file is ever called corrupt', () => {
  const files = fixtureFiles(FIXTURES).filter((f) => !DAMAGED.has(f));

  it.each(files)('fixture %s reads, or is refused as unsupported naming the feature', async (file) => {
    const err = await readFully(join(FIXTURES, file));
    if (err === undefined) return;
    expect(err).toBeInstanceOf(VestigeError);
    expect((err as VestigeError).code).toBe('E_INPUT_UNSUPPORTED');
    expect((err as VestigeError).message).toMatch(/uses .+, which Vestige does not read yet/);
  });

  it('every generated file (LAS point formats 0–10, a spherical-photo E57) reads', async () => {
    for (const path of generated) expect(await readFully(path)).toBeUndefined();
  });

  it.each([...DAMAGED])('the damaged fixture %s is still called corrupt (the check can tell)', async (file) => {
    expect(((await readFully(join(FIXTURES, file))) as VestigeError).code).toBe('E_INPUT_CORRUPT');
  });
});
