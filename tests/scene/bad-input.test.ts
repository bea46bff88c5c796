import { join } from 'node:path';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isVestigeError } from '@vestige/evidence';
import { buildScene } from '@vestige/scene';
import { sampleColmapModel, writeColmap, writePly } from '../../samples/scene/formats.ts';
import { crc32c } from '@vestige/scene';
import { FIXTURES, importAll, newCase, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Builds a scene from `inputs`; the build must fail with `code` and leave nothing in the case. */
async function expectNoPartialScene(inputs: string[], code: string, message?: RegExp): Promise<void> {
  const dir = join(tmp.dir, `case-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const store = newCase(dir);
  try {
    const heapBefore = process.memoryUsage().rss;
    const eventsBefore = [...store.custody.events()].length;
    const err = await buildScene(store, {
      inputs,
      operator: 'tester',
      now: new Date('2026-01-01T00:00:00Z'),
      workers: 1,
    }).catch((e: unknown) => e);
    expect(isVestigeError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    if (message) expect((err as Error).message).toMatch(message);
    expect(store.listRecords('scenes')).toEqual([]);
    expect(store.provenanceRecords()).toEqual([]);
    expect([...store.custody.events()].length).toBe(eventsBefore);
    // bounded memory: a lying header must not make us allocate for what it claims
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(512 * 2 ** 20);
  } finally {
    store.close();
  }
}

describe('bad input gives typed errors and no partial scene', () => {
  it('a PLY whose header claims 10^12 vertices', async () => {
    for (const encoding of ['binary_little_endian', 'ascii'] as const) {
      const path = join(tmp.dir, `liar-${encoding}.ply`);
      writePly(path, { positions: [0, 0, 0, 1, 1, 1] }, { encoding, claimVertices: 1e12 });
      await expectNoPartialScene([path], 'E_INPUT_CORRUPT', /claims 1000000000000 vertices/);
    }
  });

  it('a truncated LAS', async () => {
    const path = join(tmp.dir, 'truncated.las');
    const bytes = readFileSync(join(FIXTURES, 'las/simple.las'));
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    await expectNoPartialScene([path], 'E_INPUT_CORRUPT', /truncated/);
  });

  it('an E57 whose XML section is broken (pages still checksum)', async () => {
    const src = readFileSync(join(FIXTURES, 'e57/bunnyInt32.e57'));
    const xmlOffset = Number(src.readBigUInt64LE(24));
    const page = Math.floor(xmlOffset / 1024);
    const broken = Buffer.from(src);
    // Break a closing tag inside the XML, then re-checksum the page so only the XML is wrong.
    const pageStart = page * 1024;
    const text = broken.toString('latin1', pageStart, pageStart + 1020);
    const at = text.indexOf('</guid>');
    expect(at).toBeGreaterThan(0);
    broken.write('</gu1d>', pageStart + at, 'latin1');
    broken.writeUInt32BE(crc32c(broken, pageStart, pageStart + 1020), pageStart + 1020);
    const path = join(tmp.dir, 'broken-xml.e57');
    writeFileSync(path, broken);
    await expectNoPartialScene([path], 'E_INPUT_CORRUPT', /XML/);
  });

  it('an E57 page with a bad checksum (bad-crc.e57), also second in a list of good inputs', async () => {
    await expectNoPartialScene(
      [join(FIXTURES, 'las/simple.las'), join(FIXTURES, 'e57/bad-crc.e57')],
      'E_INPUT_CORRUPT',
      /checksum/,
    );
  });

  it('a COLMAP folder missing a file', async () => {
    for (const binary of [true, false]) {
      const dir = join(tmp.dir, `colmap-missing-${binary}`);
      writeColmap(dir, sampleColmapModel(), binary);
      rmSync(join(dir, binary ? 'images.bin' : 'images.txt'));
      await expectNoPartialScene([dir], 'E_INPUT_MISSING', /images\.(bin|txt) missing/);
    }
  });

  it('a COLMAP binary file cut short', async () => {
    const dir = join(tmp.dir, 'colmap-cut');
    writeColmap(dir, sampleColmapModel(), true);
    const p = join(dir, 'points3D.bin');
    const bytes = readFileSync(p);
    writeFileSync(p, bytes.subarray(0, bytes.length - 30));
    await expectNoPartialScene([dir], 'E_INPUT_CORRUPT');
  });

  it('files that are not what they claim', async () => {
    const las = join(tmp.dir, 'not.las');
    writeFileSync(las, 'LASF but then nothing sensible');
    const e = await importAll(las).catch((x: unknown) => x);
    expect(isVestigeError(e, 'E_INPUT_CORRUPT')).toBe(true);
    const ply = join(tmp.dir, 'noend.ply');
    writeFileSync(ply, 'ply\nformat ascii 1.0\nelement vertex 3\n');
    expect(isVestigeError(await importAll(ply).catch((x: unknown) => x), 'E_INPUT_CORRUPT')).toBe(true);
    const copy = join(tmp.dir, 'copy.e57');
    copyFileSync(join(FIXTURES, 'e57/bunnyInt32.e57'), copy);
    writeFileSync(copy, readFileSync(copy).subarray(0, 50_000)); // truncated E57
    expect(isVestigeError(await importAll(copy).catch((x: unknown) => x), 'E_INPUT_CORRUPT')).toBe(true);
  });
});
