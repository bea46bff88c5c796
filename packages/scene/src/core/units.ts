/**
 * Scene units and how values are shown: the one place that decides the unit strings (`m`, `m²`, `°`)
 * and the decimals a court sees, so the CLI, the server's exports and the viewer print the same text.
 */
import type { Vec3 } from './vector.ts';

export const SCENE_UNITS = ['m', 'cm', 'mm', 'ft', 'in', 'unknown'] as const;
export type SceneUnits = (typeof SCENE_UNITS)[number];

/** Angles are always degrees, written with the degree sign. */
export const ANGLE_UNIT = '°';

/** Metres in one scene unit; null when the scan did not say. */
export const METRES_PER_UNIT: Readonly<Record<SceneUnits, number | null>> = {
  m: 1,
  cm: 0.01,
  mm: 0.001,
  ft: 0.3048,
  in: 0.0254,
  unknown: null,
};

/** The unit string of a length in a scene of `units` (`units` when the scene's units are unknown). */
export function lengthUnit(units: SceneUnits): string {
  return units === 'unknown' ? 'units' : units;
}

export function areaUnit(units: SceneUnits): string {
  return `${lengthUnit(units)}²`;
}

/**
 * Decimals shown for each unit string: about a millimetre for lengths, a square centimetre or finer for
 * areas, a hundredth of a degree for angles. Stored values keep full double precision; this is display.
 */
const DECIMALS: Readonly<Record<string, number>> = {
  m: 3,
  cm: 1,
  mm: 0,
  ft: 3,
  in: 2,
  units: 3,
  'm²': 3,
  'cm²': 0,
  'mm²': 0,
  'ft²': 3,
  'in²': 1,
  'units²': 3,
  [ANGLE_UNIT]: 2,
};

export function decimalsFor(unit: string): number {
  return DECIMALS[unit] ?? 3;
}

/** `1.234 m`, `12.50°`; `—` for a value that could not be computed. */
export function formatQuantity(value: number, unit: string, options: { signed?: boolean } = {}): string {
  if (!Number.isFinite(value)) return '—';
  const text = value.toFixed(decimalsFor(unit));
  const sign = options.signed && value > 0 ? '+' : '';
  return unit === ANGLE_UNIT ? `${sign}${text}${unit}` : `${sign}${text} ${unit}`;
}

/** A length in the scene's units, e.g. for a scale bar or a line-of-sight distance. */
export function formatLength(value: number, units: SceneUnits): string {
  return formatQuantity(value, lengthUnit(units));
}

/** `(x, y, z)` with millimetre decimals, as the viewer's status line and tables show a point. */
export function formatPoint(p: Vec3): string {
  return `(${p.map((c) => c.toFixed(3)).join(', ')})`;
}

/** A "nice" scale-bar length (1, 2 or 5 × 10ⁿ) not longer than `maxLength`, for screenshots. */
export function niceScaleLength(maxLength: number): number {
  if (!(maxLength > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(maxLength)));
  for (const m of [5, 2, 1]) if (m * p <= maxLength) return m * p;
  return p;
}
