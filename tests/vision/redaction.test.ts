/**
 * Body-worn video redaction: a real face moving through a clip is covered on every frame it shows, and nothing else
 * changes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, canonicalJson, ingest, verifyCase } from '@vestige/evidence';
import { resolveFfmpeg } from '@vestige/video';
import {
  VISION_RECORDS,
  coverAt,
  formatRedactionList,
  parseRedactionList,
  proposeRedaction,
  renderRedaction,
  sharedVisionPool,
  trackSheets,
  type RedactionList,
} from '@vestige/vision';
import { generateFaceClip, type FaceClipTruth } from '@vestige/samples/vision/generate.ts';
import { makeTempDir } from '../support.ts';
import { closeCase } from './fixtures.ts';

const dir = makeTempDir('vestige-redact-');
let store: CaseStore;
let truth: FaceClipTruth;
let itemId: string;
let list: RedactionList;

/** Every frame of a video as 8-bit grey, decoded by ffmpeg. */
function greyFrames(path: string, width: number, height: number): Buffer[] {
  const raw = execFileSync(
    resolveFfmpeg().path,
    ['-v', 'error', '-i', path, '-map', '0:v', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { maxBuffer: 1 << 30 },
  );
  return Array.from({ length: raw.length / (width * height) }, (_, i) =>
    raw.subarray(i * width * height, (i + 1) * width * height),
  );
}

/** Mean absolute difference between neighbouring pixels inside a box: how much detail there is. */
function detail(frame: Buffer, width: number, [x, y, w, h]: readonly [number, number, number, number]): number {
  let sum = 0;
  let n = 0;
  for (let j = y; j < y + h - 1; j++) {
    for (let i = x; i < x + w - 1; i++) {
      sum +=
        Math.abs(frame[j * width + i]! - frame[j * width + i + 1]!) +
        Math.abs(frame[j * width + i]! - frame[(j + 1) * width + i]!);
      n += 2;
    }
  }
  return sum / n;
}

function blobPath(sha256: string): string {
  return store.blobs.pathOf(sha256);
}

beforeAll(async () => {
  truth = await generateFaceClip(join(dir, 'clip'));
  store = CaseStore.init(join(dir, 'case'), { operator: 'PC 1' });
  itemId = (await ingest(store, [truth.path], { operator: 'PC 1' })).files[0]!.itemId;
  list = await proposeRedaction(store, itemId, { operator: 'PC 1', pool: sharedVisionPool() });
}, 900_000);

afterAll(() => closeCase(store, dir));

describe('video redaction', () => {
  it('proposes boxes that cover the face on every frame that shows at least 30 % of it, sampled every 5th frame', () => {
    expect(list.source).toMatchObject({
      itemId,
      kind: 'video',
      width: 640,
      height: 360,
      frames: truth.frames,
      frameRate: '25/1',
    });
    expect(list.detection).toMatchObject({ sampleEvery: 5, minScore: 0.3 });
    const shown = truth.face.map((f, n) => ({ ...f, n })).filter((f) => f.visible >= 0.3);
    expect(shown.length).toBeGreaterThan(60);
    for (const f of shown) {
      const [x, y, w, h] = f.box;
      const covered = coverAt(list, f.n).some(
        (r) => r.x <= x && r.y <= y && r.x + r.width >= x + w && r.y + r.height >= y + h,
      );
      expect(covered, `frame ${f.n}`).toBe(true);
    }
  });

  it('renders a derived copy in which the face is blurred in every frame that shows it and every pixel away from the boxes is unchanged', async () => {
    const report = await renderRedaction(store, itemId, { operator: 'PC 1', format: 'ffv1' });
    expect(report).toMatchObject({ frames: truth.frames, name: 'moving-face_redacted.mkv' });
    const before = greyFrames(truth.path, 640, 360);
    const after = greyFrames(blobPath(report.sha256), 640, 360);
    expect(after).toHaveLength(truth.frames);
    truth.face.forEach((f, n) => {
      if (f.visible < 0.3) return;
      const ratio = detail(after[n]!, 640, f.box) / detail(before[n]!, 640, f.box);
      expect(ratio, `frame ${n}: detail left in the face`).toBeLessThan(0.35);
    });
    // Away from every covered box (8 pixels' margin for chroma blending), the picture is the original's, exactly.
    for (let n = 0; n < truth.frames; n++) {
      const rects = coverAt(list, n);
      let worst = 0;
      for (let y = 0; y < 360; y += 3) {
        for (let x = 0; x < 640; x += 3) {
          if (rects.some((r) => x >= r.x - 8 && x < r.x + r.width + 8 && y >= r.y - 8 && y < r.y + r.height + 8))
            continue;
          worst = Math.max(worst, Math.abs(after[n]![y * 640 + x]! - before[n]![y * 640 + x]!));
        }
      }
      expect(worst, `frame ${n}`).toBe(0);
    }
    const provenance = store.provenance(report.provenanceId);
    expect(
      provenance.steps
        .filter((s) => s.operation === 'vision.redact.track')
        .map((s) => (s.parameters as { id: string }).id),
    ).toEqual(list.tracks.map((t) => t.id));
    expect(provenance.steps.at(-1)).toMatchObject({
      operation: 'vision.redact.render',
      parameters: { listSha256: report.listSha256, ffmpegArgs: expect.arrayContaining(['<source>', 'pipe:0']) },
    });
  });

  it('round-trips the redaction list, re-renders it with an officer’s edits (a muted range, a manual box), and gives the same bytes from the same list', async () => {
    const text = formatRedactionList(list);
    expect(parseRedactionList(JSON.parse(text), 'list.json')).toEqual(list);
    expect(canonicalJson(store.getRecord(VISION_RECORDS.redactionLists, itemId))).toBe(canonicalJson(list));
    const edited = JSON.parse(text) as RedactionList;
    edited.mute = [{ id: 'A-001', from: 1, to: 2, note: 'name spoken' }];
    edited.manual = [{ id: 'M-001', frames: [0, 89], box: [20, 20, 120, 60], note: 'shop sign' }];
    const first = await renderRedaction(store, itemId, { operator: 'DS 9', list: edited, listFile: 'edited.json' });
    const second = await renderRedaction(store, itemId, {
      operator: 'DS 9',
      list: JSON.parse(formatRedactionList(edited)),
      listFile: 'edited.json',
    });
    expect(second.sha256).toBe(first.sha256);
    expect(second.itemId).toBe(first.itemId);
    expect(store.getRecord(VISION_RECORDS.redactionLists, itemId)).toEqual(parseRedactionList(edited, 'edited.json'));
    expect([...store.custody.events()].filter((e) => e.action === 'vision.redaction-list.edited')).toHaveLength(1);
    const pcm = execFileSync(
      resolveFfmpeg().path,
      ['-v', 'error', '-i', blobPath(first.sha256), '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', '48000', '-'],
      { maxBuffer: 1 << 28 },
    );
    const rms = (from: number, to: number) => {
      let s = 0;
      for (let i = Math.round(from * 48000); i < Math.round(to * 48000); i++) s += pcm.readInt16LE(i * 2) ** 2;
      return Math.sqrt(s / ((to - from) * 48000));
    };
    expect(rms(1.05, 1.95)).toBeLessThan(5);
    expect(rms(0.2, 0.9)).toBeGreaterThan(1000);
    expect(rms(2.1, 3.0)).toBeGreaterThan(1000);
    const steps = store.provenance(first.provenanceId).steps;
    expect(steps.map((s) => s.operation)).toEqual([
      ...list.tracks.map(() => 'vision.redact.track'),
      'vision.redact.manual',
      'vision.redact.mute',
      'vision.redact.render',
    ]);
  });

  it('proposes the same list again from the original (same detections, same tracks, same bytes)', async () => {
    const again = await proposeRedaction(store, itemId, { operator: 'PC 1', pool: sharedVisionPool() });
    expect(formatRedactionList(again)).toBe(formatRedactionList(list));
  });

  it('keeps the original untouched and makes a review sheet per track, all recorded and verifiable', async () => {
    const sheets = await trackSheets(store, list, { operator: 'PC 1' });
    expect(sheets.map((s) => s.track)).toEqual(list.tracks.map((t) => t.id));
    expect(store.item(sheets[0]!.itemId)).toMatchObject({ kind: 'derived', mediaType: 'image/png' });
    const original = store.item(itemId);
    expect(original.kind).toBe('original');
    expect(await store.blobs.verify(original.sha256)).toBe(true);
    expect((await verifyCase(store)).ok).toBe(true);
  });
});
