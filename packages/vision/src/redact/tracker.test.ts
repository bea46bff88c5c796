import { describe, expect, it } from 'vitest';
import { coverAt, parseRedactionList, trackBoxAt, type RedactionList } from './redaction-list.ts';
import { buildTracks } from './tracker.ts';

/** A face 80×100 moving right at `speed` pixels a frame, detected on every 5th frame except those listed. */
function samples(speed: number, frames: number, missed: number[] = []) {
  const out = [];
  for (let f = 0; f < frames; f += 5) {
    const x = 20 + speed * f;
    out.push({
      frame: f,
      boxes: missed.includes(f) || x + 80 > 640 ? [] : [{ x, y: 100, width: 80, height: 100, score: 0.9 }],
    });
  }
  return out;
}

const options = { sampleEvery: 5, frames: 100, width: 640, height: 360, margin: 0 };

describe('face tracks from sampled detections', () => {
  it('keeps a face that moves most of its own width between samples as one track, and interpolates it on the frames between', () => {
    const tracks = buildTracks(samples(12, 50), options);
    expect(tracks).toHaveLength(1);
    const box = trackBoxAt(tracks[0]!, 12)!;
    expect(box[0]).toBeCloseTo(20 + 12 * 12, 6);
  });

  it('bridges a detection missed on one sample (flicker)', () => {
    expect(buildTracks(samples(6, 60, [20]), options)).toHaveLength(1);
  });

  it('carries a track along its motion past its last detection while the box is still in the picture', () => {
    const [t] = buildTracks(samples(12, 100), options);
    const lastSeen = t!.keyframes.filter((k) => k.score !== null).at(-1)!.frame;
    expect(t!.frames[1]).toBeGreaterThan(lastSeen);
    const end = trackBoxAt(t!, t!.frames[1])!;
    expect(end[0]).toBeCloseTo(20 + 12 * t!.frames[1], 6);
    expect(end[0]).toBeLessThan(640);
  });

  it('keeps two faces far apart as two tracks', () => {
    const two = samples(0, 30).map((s) => ({
      frame: s.frame,
      boxes: [...s.boxes, { x: 500, y: 200, width: 60, height: 70, score: 0.8 }],
    }));
    expect(buildTracks(two, options).map((t) => t.keyframes[0]!.box[0])).toEqual([20, 500]);
  });
});

describe('redaction lists', () => {
  const list: RedactionList = parseRedactionList(
    {
      format: 'vestige-redaction-list',
      version: 1,
      notice: 'n',
      source: {
        itemId: 'I-000001',
        sha256: 'a'.repeat(64),
        kind: 'video',
        width: 100,
        height: 50,
        frames: 10,
        frameRate: '25/1',
      },
      style: { mode: 'pixelate', strength: 8 },
      detection: null,
      tracks: [
        { id: 'T-001', redact: false, frames: [0, 9], keyframes: [{ frame: 0, box: [0, 0, 10, 10], score: 0.9 }] },
      ],
      manual: [{ id: 'M-001', frames: [2, 3], box: [-5.5, 40.2, 20, 20] }],
      mute: [],
    },
    'list.json',
  );

  it('covers manual boxes rounded outwards and clipped, and leaves tracks the officer kept visible', () => {
    expect(coverAt(list, 0)).toEqual([]);
    expect(coverAt(list, 2)).toEqual([{ x: 0, y: 40, width: 15, height: 10 }]);
  });

  it('rejects an edited list that reaches past the last frame or repeats an id, naming the file', () => {
    const bad = { ...list, manual: [{ id: 'M-001', frames: [2, 10], box: [0, 0, 5, 5], note: '' }] };
    expect(() => parseRedactionList(bad, 'edited.json')).toThrow(
      expect.objectContaining({
        code: 'E_PARAM_INVALID',
        file: 'edited.json',
        message: expect.stringMatching(/M-001 runs to frame 10/),
      }),
    );
    const twice = {
      ...list,
      mute: [{ id: 'A-001', from: 0, to: 1, note: '' }],
      manual: [
        { id: 'M-001', frames: [0, 1], box: [0, 0, 5, 5], note: '' },
        { id: 'M-001', frames: [0, 1], box: [0, 0, 5, 5], note: '' },
      ],
    };
    expect(() => parseRedactionList(twice, 'edited.json')).toThrow(/M-001 is used twice/);
  });

  it('lists every schema problem of an edited list with its path, not only the first', () => {
    const bad = { ...list, style: { mode: 'smudge', strength: 8 }, manual: [{ id: 'M-001', frames: [2, 3] }] };
    expect(() => parseRedactionList(bad, 'edited.json')).toThrow(
      expect.objectContaining({
        code: 'E_PARAM_INVALID',
        file: 'edited.json',
        message: expect.stringMatching(/^edited\.json: style\.mode: .+; manual\.0\.box: /),
      }),
    );
  });
});
