import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VestigeError } from '@vestige/evidence';
import { detectSceneFormat } from '@vestige/scene';
import { FIXTURES, tempDir } from './helpers.ts';
import { formatFixtureName, writeFormatLas } from './las-format-fixtures.ts';

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

/** Reads the header and every chunk; returns the error, if any. */
async function readFully(path: string): Promise<unknown> {
  try {
    const format = await detectSceneFormat(path);
    await format.header(path);
    for await (const chunk of format.read(path)) void chunk;
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

  it('every generated LAS point-format file reads', async () => {
    for (const path of generated) expect(await readFully(path)).toBeUndefined();
  });

  it.each([...DAMAGED])('the damaged fixture %s is still called corrupt (the check can tell)', async (file) => {
    expect((await readFully(join(FIXTURES, file)) as VestigeError).code).toBe('E_INPUT_CORRUPT');
  });
});
