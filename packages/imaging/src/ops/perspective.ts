import { z } from 'zod';
import { VestigeError } from '@vestige/evidence';
import { checkOutputSize, defineOperation } from '../operation.ts';
import { applyHomography, homographyFromPoints, type Point } from '../kernels/homography.ts';
import { remap } from '../raster.ts';
import { fmt, interpolationSchema, point } from './params.ts';

export const perspective = defineOperation({
  id: 'perspective',
  version: '1',
  title: 'Rectify a flat rectangle of known size seen at an angle (metric image)',
  schema: z.strictObject({
    /**
     * Image positions (pixel centres at integers) of the rectangle's corners: top-left, top-right, bottom-right,
     * bottom-left.
     */
    points: z.tuple([point, point, point, point]).refine(isOrderedConvex, {
      message:
        'the four points must be the corners in order top-left, top-right, bottom-right, bottom-left, forming a convex quadrilateral',
    }),
    widthMm: z.number().min(0.1).max(1_000_000),
    heightMm: z.number().min(0.1).max(1_000_000),
    /** Output resolution. */
    pxPerMm: z.number().min(0.01).max(100),
    /** Extra border around the rectangle, in millimetres, so its surroundings stay visible. */
    marginMm: z.number().min(0).max(1_000_000).default(0),
    interpolation: interpolationSchema.default('bicubic'),
  }),
  describe: (p) =>
    `Perspective rectification: the four image points ${p.points.map(([x, y]) => `(${fmt(x)}, ${fmt(y)})`).join(', ')} (top-left, top-right, bottom-right, bottom-left) were taken to be the corners of a flat rectangle ${fmt(p.widthMm)} mm × ${fmt(p.heightMm)} mm, and the image was re-projected so that this rectangle appears square-on at ${fmt(p.pxPerMm)} pixels per millimetre${p.marginMm ? `, with a ${fmt(p.marginMm)} mm border` : ''} (${p.interpolation} interpolation). Measurements in the plane of that rectangle can then be read off the image; objects outside that plane are not to scale.`,
  reference:
    'Planar homography from four point correspondences (direct linear transform): Hartley & Zisserman, Multiple View Geometry in Computer Vision (2nd ed.), §4.1; Criminisi, Reid & Zisserman, "Single view metrology", IJCV 40(2), 2000.',
  apply(img, p, ctx) {
    const m = p.marginMm;
    const corners: Point[] = [
      [0, 0],
      [p.widthMm, 0],
      [p.widthMm, p.heightMm],
      [0, p.heightMm],
    ];
    let H;
    try {
      H = homographyFromPoints(corners, p.points);
    } catch (err) {
      throw new VestigeError('E_PARAM_INVALID', `perspective: ${(err as Error).message}`, {
        hint: 'Give the four corners in order: top-left, top-right, bottom-right, bottom-left.',
      });
    }
    const outW = Math.ceil((p.widthMm + 2 * m) * p.pxPerMm) + 1;
    const outH = Math.ceil((p.heightMm + 2 * m) * p.pxPerMm) + 1;
    checkOutputSize(ctx, outW, outH, 'perspective rectification');
    // Output pixel centre (u, v) is the plane point (u / ppm − margin, v / ppm − margin) in millimetres.
    const out = remap(
      img,
      outW,
      outH,
      (u, v, xy) => applyHomography(H, u / p.pxPerMm - m, v / p.pxPerMm - m, xy),
      p.interpolation,
    );
    return { ...out, pxPerMm: p.pxPerMm };
  },
});

/** Clockwise on screen (y down) and convex: every turn along TL → TR → BR → BL has the same, positive sense. */
function isOrderedConvex(pts: ReadonlyArray<readonly [number, number]>): boolean {
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = pts[i]!;
    const [bx, by] = pts[(i + 1) % 4]!;
    const [cx, cy] = pts[(i + 2) % 4]!;
    if ((bx - ax) * (cy - by) - (by - ay) * (cx - bx) <= 0) return false;
  }
  return true;
}
