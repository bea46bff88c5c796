import { describe, expect, it } from 'vitest';
import { decodePotreeRecords } from './decode.ts';
import { NODE_RECORD_BYTES, readHierarchyChunk, walkHierarchy, writeHierarchy } from './hierarchy.ts';
import { layoutFromMetadata, type PotreeAttributeJson } from './layout.ts';

const attr = (name: string, size: number): PotreeAttributeJson => ({
  name,
  description: '',
  size,
  numElements: 1,
  elementSize: size,
  type: 'uint8',
  min: [0],
  max: [0],
});

describe('Potree 2.0 records and hierarchy (scene core)', () => {
  it('takes the record layout of any attribute order, stepping over attributes it does not read', () => {
    const layout = layoutFromMetadata({
      encoding: 'DEFAULT',
      attributes: [attr('position', 12), attr('intensity', 2), attr('return number', 1), attr('rgb', 6)],
    });
    expect(layout).toMatchObject({ bytesPerPoint: 21, intensityOffset: 12, rgbOffset: 15, classificationOffset: -1 });
    expect(() => layoutFromMetadata({ encoding: 'BROTLI' as 'DEFAULT', attributes: [attr('position', 12)] })).toThrow(
      expect.objectContaining({ code: 'E_INPUT_UNSUPPORTED' }),
    );
  });

  it('decodes records relative to an origin in double precision', () => {
    const bytes = new Uint8Array(14);
    const view = new DataView(bytes.buffer);
    view.setInt32(0, 12345, true);
    view.setInt32(4, -2, true);
    view.setInt32(8, 7, true);
    view.setUint16(12, 999, true);
    const chunk = decodePotreeRecords(
      {
        encoding: 'DEFAULT',
        scale: [0.001, 0.001, 0.001],
        offset: [500000, 5700000, 50],
        attributes: [attr('position', 12), attr('intensity', 2)],
      },
      bytes,
      1,
      { origin: [500010, 5700000, 50] },
    );
    expect([...chunk.positions]).toEqual([12.345 - 10, -0.002, 0.007]);
    expect([...chunk.intensity!]).toEqual([999]);
  });

  it('reads back every node it wrote, chunk by chunk, and refuses a chunk outside the file', () => {
    const nodes = [{ name: 'r', numPoints: 5, byteOffset: 0, byteSize: 60, childMask: 0b101 }];
    let off = 60;
    for (const c of ['r0', 'r2']) {
      nodes.push({ name: c, numPoints: 2, byteOffset: off, byteSize: 24, childMask: c === 'r0' ? 1 : 0 });
      off += 24;
    }
    nodes.push({ name: 'r00', numPoints: 1, byteOffset: off, byteSize: 12, childMask: 0 });
    const written = writeHierarchy(nodes, 1);
    const walked = walkHierarchy(written.bytes, written.firstChunkSize);
    expect(walked.nodes.map((n) => n.name).sort()).toEqual(['r', 'r0', 'r00', 'r2']);
    expect(walked.chunks.length).toBe(4); // r; r0 and r2 (proxies one level down); r00
    expect(readHierarchyChunk(written.bytes.subarray(0, written.firstChunkSize), 'r').map((r) => r.name)).toEqual([
      'r',
      'r0',
      'r2',
    ]);
    expect(() => walkHierarchy(written.bytes.subarray(0, NODE_RECORD_BYTES * 3), written.firstChunkSize)).toThrow(
      expect.objectContaining({ code: 'E_SCENE_INVALID' }),
    );
  });
});
