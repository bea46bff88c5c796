/**
 * Metric scale from distances measured at the scene (tape, scale bar, two markers): each end is picked in two or
 * more photos, triangulated in the model, and the first distance sets the scale. Every further distance is a
 * check: the model, once scaled, measures it, and the difference is the scale's residual that the uncertainty
 * statement uses.
 */
import { z } from 'zod';
import { VestigeError, schemaProblems } from '@vestige/evidence';
import type { PosedCamera } from '../geometry/projection.ts';
import { triangulate, type Triangulated } from '../geometry/triangulate.ts';
import type { Vec3 } from '../geometry/rotation.ts';

/** A pick: pixel coordinates in a photo as shown upright, the top-left pixel's centre at (0.5, 0.5). */
const PickSchema = z.object({ photo: z.string().min(1), x: z.number(), y: z.number() }).strict();

export const KnownDistanceSchema = z
  .object({
    label: z.string().default(''),
    /** The distance in metres. */
    metres: z.number().positive(),
    a: z.array(PickSchema).min(2),
    b: z.array(PickSchema).min(2),
  })
  .strict();

export type KnownDistance = z.input<typeof KnownDistanceSchema>;
type ParsedDistance = z.infer<typeof KnownDistanceSchema>;

export interface EndPoint {
  readonly point: Vec3;
  readonly rmsPx: number;
  readonly photos: number;
  readonly unitCovariance: number[];
}

export interface MeasuredDistance {
  readonly label: string;
  readonly known: number;
  /** Model units. */
  readonly model: number;
  readonly a: EndPoint;
  readonly b: EndPoint;
  /**
   * Standard uncertainty of `model` along the line, from the endpoints' covariances, model units per pixel of noise.
   */
  readonly unitSigma: number;
}

export interface ScaleSolution {
  readonly factor: number;
  readonly scaleBy: MeasuredDistance;
  readonly checks: ReadonlyArray<MeasuredDistance & { readonly measured: number; readonly relativeError: number }>;
}

export function parseKnownDistances(input: unknown): ParsedDistance[] {
  const parsed = z.array(KnownDistanceSchema).safeParse(input);
  if (!parsed.success) {
    throw new VestigeError('E_PARAM_INVALID', `bad known distances: ${schemaProblems(parsed.error.issues)}`, {
      hint: 'Each known distance: {"label": "scale bar", "metres": 1.0, "a": [{"photo": "IMG_1.jpg", "x": 812.5, "y": 433.0}, …], "b": [ … ]}, each end picked in two or more photos.',
    });
  }
  return parsed.data;
}

function endPoint(
  picks: ParsedDistance['a'],
  cameraOf: (photo: string) => PosedCamera | undefined,
  label: string,
): EndPoint {
  const observations = picks.map((p) => {
    const camera = cameraOf(p.photo);
    if (!camera)
      throw new VestigeError(
        'E_PARAM_INVALID',
        `The known distance '${label}' is picked in photo '${p.photo}', which is not among the photos placed in the model.`,
        {
          hint: 'Pick each end in photos that were registered (see the quality report); name a photo by its item id or file name.',
        },
      );
    return { camera, x: p.x, y: p.y };
  });
  const t: Triangulated = triangulate(observations);
  return { point: t.point, rmsPx: t.rmsPx, photos: observations.length, unitCovariance: t.unitCovariance };
}

function measure(d: ParsedDistance, cameraOf: (photo: string) => PosedCamera | undefined): MeasuredDistance {
  const a = endPoint(d.a, cameraOf, d.label);
  const b = endPoint(d.b, cameraOf, d.label);
  const v = [b.point[0] - a.point[0], b.point[1] - a.point[1], b.point[2] - a.point[2]];
  const model = Math.hypot(v[0]!, v[1]!, v[2]!);
  if (!(model > 0)) throw new VestigeError('E_PARAM_INVALID', `The two ends of '${d.label}' are the same point.`);
  const u = v.map((x) => x / model);
  const along = (c: number[]): number => {
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += u[i]! * c[i * 3 + j]! * u[j]!;
    return s;
  };
  return {
    label: d.label,
    known: d.metres,
    model,
    a,
    b,
    unitSigma: Math.sqrt(along(a.unitCovariance) + along(b.unitCovariance)),
  };
}

export function solveScale(
  distances: readonly ParsedDistance[],
  cameraOf: (photo: string) => PosedCamera | undefined,
): ScaleSolution {
  const [first, ...rest] = distances.map((d) => measure(d, cameraOf));
  const factor = first!.known / first!.model;
  return {
    factor,
    scaleBy: first!,
    checks: rest.map((m) => ({
      ...m,
      measured: m.model * factor,
      relativeError: (m.model * factor - m.known) / m.known,
    })),
  };
}
