import { describe, expect, it } from 'vitest';
import { VestigeError } from '@vestige/evidence';
import { checkPins, frameLine, readFramesLog, type FrameRecord } from './frames-job.ts';
import type { RenderIdentity } from './render-node.ts';
import { RenderProgress, formatEta } from './submit.ts';
import { chunksOf, mergeFrames } from './video-job.ts';

const me: RenderIdentity = {
  worker: 'node-a',
  renderClass: 'rc-0123456789ab',
  canarySha256: '0123456789ab'.padEnd(64, '0'),
  engine: 'Chromium 156.0.8078.114',
  webglRenderer: 'SwiftShader',
  webglVersion: 'WebGL 2.0',
  viewerBundle: 'a'.repeat(64),
  platform: 'linux x64',
};
const frame = (n: number): FrameRecord => ({
  n,
  sha256: String(n % 10).repeat(64),
  size: 100 + n,
  renderClass: me.renderClass,
  worker: me.worker,
  nodes: 3,
  points: 1000,
});

describe('render farm rules', () => {
  it('splits a frame range into contiguous chunks that cover it once', () => {
    expect(chunksOf({ from: 0, to: 47 }, 16)).toEqual([
      { from: 0, to: 15 },
      { from: 16, to: 31 },
      { from: 32, to: 47 },
    ]);
    expect(chunksOf({ from: 5, to: 9 }, 4)).toEqual([
      { from: 5, to: 8 },
      { from: 9, to: 9 },
    ]);
  });

  it('merges chunk results in frame order and refuses a frame missing or twice', () => {
    const parts = [
      { range: { from: 3, to: 5 }, frames: [frame(3), frame(4), frame(5)], nodes: [me], resolved: null },
      { range: { from: 0, to: 2 }, frames: [frame(0), frame(1), frame(2)], nodes: [me], resolved: null },
    ];
    expect(mergeFrames(parts, { from: 0, to: 5 }).map((f) => f.n)).toEqual([0, 1, 2, 3, 4, 5]);
    const twice = [{ ...parts[0]!, frames: [frame(3), frame(3), frame(5)] }, parts[1]!];
    expect(() => mergeFrames(twice, { from: 0, to: 5 })).toThrow(/frame 4 missing or twice/);
    expect(() => mergeFrames([parts[1]!], { from: 0, to: 5 })).toThrow(VestigeError);
  });

  it('reads back the frames and nodes an earlier attempt wrote to the job log (what a takeover keeps)', () => {
    const lines = [
      'attempt 1 started on worker node-a',
      `render node ${JSON.stringify(me)}`,
      frameLine(frame(7)),
      frameLine(frame(8)),
      'attempt 2 started on worker node-b',
    ];
    const { frames, nodes } = readFramesLog(lines);
    expect([...frames.values()]).toEqual([frame(7), frame(8)]);
    expect(nodes.get('node-a')).toEqual(me);
  });

  it('lets a node draw only when its render class and viewer bundle are the pinned ones, and says which differs', () => {
    expect(() => checkPins({}, me)).not.toThrow();
    expect(() => checkPins({ renderClass: me.renderClass, viewerBundle: me.viewerBundle }, me)).not.toThrow();
    const wrongClass = (() => {
      try {
        checkPins({ renderClass: 'rc-ffffffffffff' }, me);
      } catch (e) {
        return e as VestigeError;
      }
    })();
    expect(wrongClass).toMatchObject({ code: 'E_RENDER_CLASS_MISMATCH', details: { declineWorker: true } });
    expect(wrongClass?.message).toMatch(/rc-ffffffffffff/);
    expect(() => checkPins({ viewerBundle: 'b'.repeat(64) }, me)).toThrow(/another Vestige version/);
  });

  it('adds up chunk progress into frames done and an ETA', () => {
    const p = new RenderProgress('render/job-7', [16, 16, 16]);
    expect(p.update('render/job-7.frames.0', 0.5)).toBe(true);
    expect(p.update('render/job-8.frames.0', 1)).toBe(false);
    p.update('render/job-7.frames.2', 0.25);
    const r = p.report(Date.now() + 12_000);
    expect(r.done).toBe(12);
    expect(r.total).toBe(48);
    expect(r.etaS).toBeGreaterThan(0);
    expect(formatEta(3725)).toBe('1:02:05');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(null)).toBe('–');
  });
});
