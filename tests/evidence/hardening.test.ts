/**
 * What a hostile tester found (issue 15, "Hardening"): each case through the real `vestige` command,
 * with the exit codes the README promises (0 ok, 1 failed, 2 partial, 64 usage).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngMetadataInput } from '@vestige/evidence';
import { cliPath, makeTempDir } from '../support.ts';
import { json, vestige } from './tamper-support.ts';
import { pngWithBomb } from './zlib-bomb.ts';

let root: string;
let caseDir: string;
let exhibits: string;

const eventCount = (c: string) => vestige('log', '--case', c, '--json').stdout.trim().split('\n').length;

beforeAll(async () => {
  root = makeTempDir('vestige-hardening-');
  exhibits = join(root, 'exhibits');
  fs.mkdirSync(exhibits);
  fs.writeFileSync(join(exhibits, 'note.txt'), 'note\n');
  caseDir = join(root, 'case');
  expect(vestige('case', 'init', caseDir).code).toBe(0);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ingest', () => {
  it('refuses the case folder itself, a folder that holds it, and a folder inside it (usage error, nothing recorded)', () => {
    const before = eventCount(caseDir);
    for (const input of [caseDir, root, join(caseDir, 'blobs')]) {
      const r = vestige('ingest', input, '--case', caseDir);
      expect(r.code, input).toBe(64);
      expect(r.stderr).toMatch(/a case cannot ingest itself/);
    }
    expect(eventCount(caseDir)).toBe(before);
  });

  it('names the exhibit in a warning, never the temp copy an extractor read', () => {
    const dir = join(root, 'fake-video');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      join(dir, 'not-really.mp4'),
      Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(64, 0x41)]),
    );
    const r = vestige('ingest', dir, '--case', caseDir, '--json');
    expect(r.code).toBe(2);
    const warnings = (JSON.parse(r.stdout) as { warnings: Array<{ path: string; message: string }> }).warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(join(dir, 'not-really.mp4'));
    expect(`${r.stderr}${JSON.stringify(warnings)}`).not.toMatch(/\.part\b|\/tmp\/\d+-[0-9a-f]{16}/);
    expect(r.stderr).not.toContain(join(caseDir, 'tmp'));
  });

  it('reads an image whose iCCP profile or compressed EXIF text inflates to 2 GiB in bounded memory', async () => {
    const dir = join(root, 'bombs');
    fs.mkdirSync(dir);
    const bombs = { iCCP: await pngWithBomb('iCCP', 2048), zTXt: await pngWithBomb('zTXt', 2048) };
    fs.writeFileSync(join(dir, 'iccp.png'), bombs.iCCP);
    fs.writeFileSync(join(dir, 'ztxt.png'), bombs.zTXt);
    // What the metadata parser is given holds neither chunk: a few dozen bytes, whatever the chunks inflate to.
    for (const [chunk, png] of Object.entries(bombs)) {
      const input = pngMetadataInput(png);
      expect(input.png.length).toBeLessThan(100);
      expect(input.refused.map((r) => r.chunk)).toEqual([chunk]);
    }
    // Unbounded, exifr took over a minute and 2.8 GB on the 4 GiB iCCP bomb; the guard below only stops a hang.
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=160', cliPath, 'ingest', dir, '--case', caseDir, '--operator', 'PC 1', '--json'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: Array<{ path: string; itemId: string }> }).files;
    const ztxt = files.find((f) => f.path.endsWith('ztxt.png'))!;
    const item = json<{ metadata: { exif: { chunksNotRead?: Array<{ chunk: string; reason: string }> } } }>(
      vestige('show', ztxt.itemId, '--case', caseDir, '--json'),
    );
    expect(item.metadata.exif.chunksNotRead).toEqual([
      { chunk: 'zTXt', reason: expect.stringMatching(/inflates to more than 16777216 bytes/) },
    ]);
    // Decoding refuses the oversized profile as a limit of ours, not as damage.
    const iccp = files.find((f) => f.path.endsWith('iccp.png'))!;
    const recipe = join(root, 'levels.json');
    fs.writeFileSync(recipe, JSON.stringify({ steps: [{ op: 'levels', params: { black: 10, white: 240 } }] }));
    const enhance = vestige('enhance', iccp.itemId, '--recipe', recipe, '--case', caseDir);
    expect(enhance.code).toBe(1);
    expect(enhance.stderr).toContain('E_INPUT_UNSUPPORTED');
  });
});

describe('human output', () => {
  it('shows terminal escape sequences and newlines in names escaped, in every command that prints them', () => {
    const dir = join(root, 'odd-names');
    fs.mkdirSync(dir);
    const evil = 'red\u001b[31mALERT\u001b[0m\nI-999999  original  forged line.txt';
    fs.writeFileSync(join(dir, evil), 'odd');
    fs.writeFileSync(join(dir, 'bidi\u202etxt.exe'), 'odd too');
    const outputs = [
      vestige('ingest', dir, '--case', caseDir),
      vestige('items', '--case', caseDir),
      vestige('log', '--case', caseDir),
      vestige('verify', '--case', caseDir),
    ];
    for (const r of outputs) {
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\u001b\u202e]/);
      expect(r.stdout).not.toMatch(/^I-999999/m);
    }
    const items = outputs[1]!.stdout;
    expect(items).toContain('red\\x1b[31mALERT\\x1b[0m\\nI-999999  original  forged line.txt');
    expect(items).toContain('bidi\\u{202e}txt.exe');
  });
});

describe('recipes', () => {
  it('check every output size against the pixel limit before allocating it', async () => {
    const dir = join(root, 'photo');
    fs.mkdirSync(dir);
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#446688' } })
      .png()
      .toFile(join(dir, 'small.png'));
    const id = json<{ files: Array<{ itemId: string }> }>(vestige('ingest', dir, '--case', caseDir, '--json')).files[0]!
      .itemId;
    const before = eventCount(caseDir);
    for (const [op, params] of [
      ['resize', { scale: 16, interpolation: 'bicubic' }],
      ['rotate', { angle: 45, interpolation: 'bicubic' }],
      [
        'perspective',
        {
          points: [
            [10, 10],
            [190, 10],
            [190, 90],
            [10, 90],
          ],
          widthMm: 500,
          heightMm: 250,
          pxPerMm: 2,
        },
      ],
    ] as const) {
      const recipe = join(root, `${op}.json`);
      fs.writeFileSync(recipe, JSON.stringify({ steps: [{ op, params }] }));
      const r = vestige('enhance', id, '--recipe', recipe, '--case', caseDir, '--pixel-limit', '30000');
      expect(r.code, op).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`E_PARAM_INVALID: step 1 \\(${op}\\): .* over the pixel limit of 30,000`));
    }
    expect(eventCount(caseDir)).toBe(before);
  });
});

describe('video and hashing commands', () => {
  let clip: string;
  beforeAll(() => {
    clip = join(root, 'ten-frames.mp4');
    const ff = spawnSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=25',
      '-frames:v',
      '10',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      clip,
    ]);
    expect(ff.status).toBe(0);
  });

  it('phash --video hashes a valid 10-frame clip (shorter than one sampling interval)', () => {
    const r = json<{ videos: Array<{ sampledFrames: number; segments: unknown[] }> }>(
      vestige('phash', '--video', clip, '--json'),
    );
    expect(r.videos[0]).toMatchObject({
      sampledFrames: 1,
      segments: [expect.objectContaining({ start: 0, frames: 1 })],
    });
  });

  it('frames on a still image is refused as unsupported, naming the item', async () => {
    const dir = join(root, 'still');
    fs.mkdirSync(dir);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#204060' } })
      .jpeg()
      .toFile(join(dir, 'still.jpg'));
    const id = json<{ files: Array<{ itemId: string }> }>(vestige('ingest', dir, '--case', caseDir, '--json')).files[0]!
      .itemId;
    const r = vestige('frames', id, '--case', caseDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`E_INPUT_UNSUPPORTED: ${id} \\(still.jpg\\) is a still image`));
  });

  it('a file that is not there is E_INPUT_NOT_FOUND, never E_INPUT_CORRUPT', () => {
    const missing = join(root, 'no-such-file');
    for (const args of [
      ['phash', `${missing}.jpg`],
      ['phash', '--video', `${missing}.mp4`],
      ['probe', `${missing}.mp4`],
      ['scene', 'info', `${missing}.las`],
    ]) {
      const r = vestige(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain('E_INPUT_NOT_FOUND');
      expect(`${r.stdout}${r.stderr}`).not.toContain('E_INPUT_CORRUPT');
    }
  });

  it('match records an undecodable image once, not again on every run', () => {
    const dir = join(root, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      join(dir, 'broken.jpg'),
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]),
    );
    const id = json<{ files: Array<{ itemId: string }> }>(vestige('ingest', dir, '--case', caseDir, '--json')).files[0]!
      .itemId;
    const set = join(root, 'set.md5');
    fs.writeFileSync(set, `${'0'.repeat(32)}  known.jpg\n`);
    const errorEvents = () =>
      vestige('log', '--case', caseDir, '--subject', id, '--json')
        .stdout.trim()
        .split('\n')
        .filter((l) => l.includes('"hashing.error"')).length;
    for (let run = 0; run < 3; run++) expect(vestige('match', '--case', caseDir, '--hashset', set).code).not.toBe(1);
    expect(errorEvents()).toBe(1);
  });
});
