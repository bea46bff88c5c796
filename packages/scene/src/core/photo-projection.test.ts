import { describe, expect, it } from 'vitest';
import { intoPhotoFrame, photoPixelOf, unprojectableReason, type ScanPhotoProjectionRecord } from './index.ts';

const pano: ScanPhotoProjectionRecord = {
  kind: 'spherical',
  width: 2048,
  height: 1024,
  pixelWidth: (2 * Math.PI) / 2048,
  pixelHeight: Math.PI / 1024,
};
const camera: ScanPhotoProjectionRecord = {
  kind: 'pinhole',
  width: 640,
  height: 480,
  focalLength: 0.004,
  pixelWidth: 0.00001,
  pixelHeight: 0.00001,
  principalPointX: 331.5,
  principalPointY: 228.25,
};

describe('where a direction lands in a scanner photo', () => {
  it('a full panorama has azimuth 0 at its centre column, azimuth decreasing to the right, the zenith at the top', () => {
    expect(photoPixelOf(pano, [1, 0, 0])).toEqual({ x: 1023.5, y: 511.5 });
    // +Y (azimuth +90°) is a quarter of the image to the left of the centre; straight up is row −0.5.
    expect(photoPixelOf(pano, [0, 1, 0])!.x).toBeCloseTo(1023.5 - 512, 9);
    expect(photoPixelOf(pano, [0, 0, 1])!.y).toBeCloseTo(-0.5, 9);
  });

  it('a pinhole puts its optical axis on the principal point, +X right and +Y down, and sees nothing behind it', () => {
    expect(photoPixelOf(camera, [0, 0, 2])).toEqual({ x: 331.5, y: 228.25 });
    expect(photoPixelOf(camera, [0.1, 0.05, 1])).toEqual({ x: 331.5 + 40, y: 228.25 + 20 });
    expect(photoPixelOf(camera, [0, 0, -1])).toBeNull();
    expect(photoPixelOf(camera, [1, 0, 1])).toBeNull(); // 400 px right of the axis: off the image
  });

  it('a cylinder maps height at its radius to rows from the principal row upwards', () => {
    const strip: ScanPhotoProjectionRecord = {
      kind: 'cylindrical',
      width: 360,
      height: 90,
      pixelWidth: Math.PI / 180,
      pixelHeight: 0.01,
      radius: 1.5,
      principalPointY: 45,
    };
    expect(photoPixelOf(strip, [3, 0, 0.2])).toEqual({ x: 179.5, y: 45 - 10 });
  });

  it("refuses to place a photo whose file states no focal length (libE57Format's pinhole fixture)", () => {
    const fixture: ScanPhotoProjectionRecord = {
      kind: 'pinhole',
      width: 1,
      height: 1,
      focalLength: 0,
      pixelWidth: 0,
      pixelHeight: 0,
      principalPointX: 0,
      principalPointY: 0,
    };
    expect(unprojectableReason(fixture)).toMatch(/no focal length/);
    expect(photoPixelOf(fixture, [0, 0, 1])).toBeNull();
  });

  it('undoes the pose rotation: a photo turned 90° about Z sees scene +Y along its own +X', () => {
    const q: [number, number, number, number] = [Math.SQRT1_2, 0, 0, Math.SQRT1_2];
    const d = intoPhotoFrame(q, [0, 1, 0]);
    expect(d[0]).toBeCloseTo(1, 12);
    expect(d[1]).toBeCloseTo(0, 12);
    expect(d[2]).toBeCloseTo(0, 12);
  });
});
