/** A set entry's video hash (vPDQ) matched against a case's videos, reported with vPDQ's own metric. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '@vestige/evidence';
import {
  ANNOTATION,
  matchVpdq,
  parseVpdqFrames,
  vicsFormat,
  writeHashSetFile,
  type VpdqFramesAnnotation,
  type VpdqFrameHash,
} from '@vestige/hashing';
import { makeTempDir } from '../support.ts';
import { vestige } from './run-vestige.ts';

const vpdqDir = new URL('../fixtures/vpdq/', import.meta.url);
const referenceOf = (v: string) => parseVpdqFrames(fs.readFileSync(new URL(`${v}.txt`, vpdqDir), 'utf8'));
let dir: string;
let caseDir: string;
const operator = 'DC Reviewer';

/**
 * The reference's hashes at one hash a second: its every-frame file, frames whose number is a multiple of trunc(rate).
 */
function referenceAtOnePerSecond(v: string): VpdqFrameHash[] {
  const all = referenceOf(v);
  const rate = Math.round(all[1]!.frame! / all[1]!.timestamp);
  return all.filter((f) => f.frame! % rate === 0);
}

beforeAll(async () => {
  dir = makeTempDir('vestige-vpdq-case-');
  caseDir = join(dir, 'case');
  const seized = join(dir, 'seized');
  fs.mkdirSync(seized);
  // The case holds the logo copy of the pattern clip and the unrelated doorknob clip.
  for (const v of ['pattern-sd-with-small-logo-bar', 'doorknob-hd-no-bar'])
    fs.copyFileSync(new URL(`${v}.mp4`, vpdqDir), join(seized, `${v}.mp4`));
  // The set knows the grey copy of the pattern clip and the doorknob, by the reference's own hashes,
  // and one video that is in neither (the doorknob's frames with every bit flipped).
  const decoy = referenceOf('doorknob-hd-no-bar').map((f) => ({
    ...f,
    hex: f.hex.replace(/[0-9a-f]/g, (c) => (15 - parseInt(c, 16)).toString(16)),
  }));
  await writeHashSetFile(join(dir, 'videos.json'), vicsFormat, [
    { mediaId: '20', vpdq: referenceOf('pattern-sd-grey-bar'), ukCategory: 'B', series: 'Pattern' },
    { mediaId: '21', vpdq: referenceOf('doorknob-hd-no-bar'), ukCategory: 'C' },
    { mediaId: '22', vpdq: decoy },
  ]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vestige match: set entries with a video hash', () => {
  it('matches each known video to the case video holding it, with query-% and compared-% as the reference computes them', () => {
    expect(vestige(['case', 'init', caseDir, '--operator', operator]).code).toBe(0);
    expect(vestige(['ingest', join(dir, 'seized'), '--case', caseDir, '--operator', operator]).code).toBe(0);
    const r = vestige([
      'match',
      '--case',
      caseDir,
      '--hashset',
      join(dir, 'videos.json'),
      '--set-name',
      'Video set',
      '--operator',
      operator,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ entriesRead: 3, vpdqMatches: 2 });
    const byName = Object.fromEntries(
      report.matchedItems.map((m: { itemName: string; matches: unknown[] }) => [m.itemName, m.matches]),
    );
    const logo = byName['pattern-sd-with-small-logo-bar.mp4'];
    const door = byName['doorknob-hd-no-bar.mp4'];
    expect(logo).toEqual([
      expect.objectContaining({
        kind: 'vpdq',
        set: 'Video set',
        entry: expect.objectContaining({ mediaId: '20', ukCategory: 'B' }),
      }),
    ]);
    expect(door).toEqual([
      expect.objectContaining({ kind: 'vpdq', entry: expect.objectContaining({ mediaId: '21' }) }),
    ]);

    // The percentages are the reference metric (case video = query, set entry = compared side): on
    // the reference's own hashes of the case videos at one hash a second, within 2 points.
    for (const [name, found, known] of [
      ['pattern-sd-with-small-logo-bar', logo[0], 'pattern-sd-grey-bar'],
      ['doorknob-hd-no-bar', door[0], 'doorknob-hd-no-bar'],
    ] as const) {
      const ref = matchVpdq(referenceAtOnePerSecond(name), referenceOf(known));
      expect(Math.abs(found.queryMatchPercent - ref.queryMatchPercent), name).toBeLessThanOrEqual(2);
      expect(Math.abs(found.comparedMatchPercent - ref.comparedMatchPercent), name).toBeLessThanOrEqual(2);
    }
    expect(logo[0].queryMatchPercent).toBeGreaterThanOrEqual(75);
    expect(door[0]).toMatchObject({ queryMatchPercent: 100 });
  }, 600_000);

  it("keeps the case videos' reference-style frame hashes as an annotation, and says what matched in words", () => {
    const store = CaseStore.open(caseDir, { readOnly: true });
    try {
      const frames = store.annotated(ANNOTATION.vpdqFrames);
      expect(frames).toHaveLength(2);
      for (const { value } of frames) expect((value as VpdqFramesAnnotation).secondsPerHash).toBe(1);
      const door = frames.find((f) => f.item.name === 'doorknob-hd-no-bar.mp4')!.value as VpdqFramesAnnotation;
      expect(door.frames.map((f) => f.frame)).toEqual(
        referenceAtOnePerSecond('doorknob-hd-no-bar').map((f) => f.frame),
      );
      const run = store.getRecord(
        'hashing.match-runs',
        `Video set@${(store.annotated(ANNOTATION.matches)[0]!.value as Record<string, { version: string }>)['Video set']!.version}`,
      );
      expect(run).toMatchObject({ vpdqMatches: 2, vpdqMatchPercent: 75 });
    } finally {
      store.close();
    }
    const text = vestige([
      'match',
      '--case',
      caseDir,
      '--hashset',
      join(dir, 'videos.json'),
      '--set-name',
      'Video set',
      '--operator',
      operator,
    ]);
    expect(text.stdout).toMatch(/2 items matched: 0 exact, 0 perceptual, 2 video hash/);
    expect(text.stdout).toMatch(
      /doorknob-hd-no-bar\.mp4 {2}← vPDQ 100\.0% of this video, \d+\.\d% of the set's video \(media 21/,
    );
  }, 600_000);
});
