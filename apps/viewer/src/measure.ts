/**
 * Measurement arithmetic, in double precision, on points of the displayed frame (after the scene's
 * origin shift and transform). Pure functions: the viewer, the tests and the exports all use these.
 */
export type Vec3 = readonly [number, number, number];
export type MeasurementKind = 'point' | 'distance' | 'polyline' | 'height' | 'angle' | 'area';

export function sub(a: Vec3, b: Vec3): [number, number, number] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
export function length(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}
export function distance(a: Vec3, b: Vec3): number {
  return length(sub(b, a));
}

export function polylineLength(points: readonly Vec3[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) sum += distance(points[i - 1]!, points[i]!);
  return sum;
}

/** Vertical difference (displayed Z is up): positive when the second point is higher. */
export function heightDifference(a: Vec3, b: Vec3): number {
  return b[2] - a[2];
}

/** Angle at the middle point, in degrees (0–180). */
export function angleAt(a: Vec3, vertex: Vec3, c: Vec3): number {
  const u = sub(a, vertex);
  const v = sub(c, vertex);
  const lu = length(u);
  const lv = length(v);
  if (lu === 0 || lv === 0) return NaN;
  // atan2 of |u×v| and u·v stays accurate for angles near 0° and 180°, unlike acos.
  return (Math.atan2(length(cross(u, v)), dot(u, v)) * 180) / Math.PI;
}

/** Area of a planar (or nearly planar) polygon in 3D: half the length of Newell's normal. */
export function polygonArea(points: readonly Vec3[]): number {
  if (points.length < 3) return 0;
  let nx = 0;
  let ny = 0;
  let nz = 0;
  const o = points[0]!;
  for (let i = 0; i < points.length; i++) {
    const p = sub(points[i]!, o);
    const q = sub(points[(i + 1) % points.length]!, o);
    nx += p[1] * q[2] - p[2] * q[1];
    ny += p[2] * q[0] - p[0] * q[2];
    nz += p[0] * q[1] - p[1] * q[0];
  }
  return Math.hypot(nx, ny, nz) / 2;
}

export interface MeasuredValue {
  value: number;
  /** `m`, `m²`, `°` … */
  unit: string;
}

/** Points needed before a tool can give a value; polyline and area take more until finished. */
export const MIN_POINTS: Record<MeasurementKind, number> = { point: 1, distance: 2, polyline: 2, height: 2, angle: 3, area: 3 };
export const MAX_POINTS: Record<MeasurementKind, number> = { point: 1, distance: 2, polyline: Infinity, height: 2, angle: 3, area: Infinity };

export function measure(kind: MeasurementKind, points: readonly Vec3[], units: string): MeasuredValue {
  const u = units === 'unknown' ? 'units' : units;
  switch (kind) {
    case 'point':
      return { value: NaN, unit: u };
    case 'distance':
      return { value: distance(points[0]!, points[1]!), unit: u };
    case 'polyline':
      return { value: polylineLength(points), unit: u };
    case 'height':
      return { value: heightDifference(points[0]!, points[1]!), unit: u };
    case 'angle':
      return { value: angleAt(points[0]!, points[1]!, points[2]!), unit: '°' };
    case 'area':
      return { value: polygonArea(points), unit: `${u}²` };
  }
}

/** Millimetre resolution for lengths in metres; two decimals for degrees. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === '°') return `${value.toFixed(2)}°`;
  const digits = unit.startsWith('m') ? 3 : unit.startsWith('cm') ? 1 : unit.startsWith('mm') ? 0 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

export interface ExportedMeasurement {
  id: string;
  label: string;
  kind: string;
  value: number;
  unit: string;
  /** Source frame (survey coordinates). */
  points: readonly Vec3[];
  operator?: string | undefined;
  note?: string | undefined;
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote, and defuse spreadsheet formulas (=, +, -, @ at the start of a text cell).
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function measurementsCsv(rows: readonly ExportedMeasurement[], meta: { caseReference: string; scene: string; crs?: string | undefined }): string {
  const lines = [
    `# case,${csvCell(meta.caseReference)}`,
    `# scene,${csvCell(meta.scene)}`,
    `# coordinates,${csvCell(meta.crs ?? 'scene source frame')}`,
    'id,label,kind,value,unit,points,operator,note',
  ];
  for (const r of rows) {
    const pts = r.points.map((p) => p.map((c) => c.toFixed(4)).join(' ')).join('; ');
    lines.push([r.id, r.label, r.kind, Number.isFinite(r.value) ? r.value.toFixed(6) : '', r.unit, pts, r.operator ?? '', r.note ?? ''].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function measurementsGeoJson(rows: readonly ExportedMeasurement[], meta: { caseReference: string; scene: string; epsg?: number | undefined }): string {
  const features = rows.map((r) => ({
    type: 'Feature',
    id: r.id,
    geometry:
      r.kind === 'point' || r.points.length === 1
        ? { type: 'Point', coordinates: [...r.points[0]!] }
        : r.kind === 'area'
          ? { type: 'Polygon', coordinates: [[...r.points.map((p) => [...p]), [...r.points[0]!]]] }
          : { type: 'LineString', coordinates: r.points.map((p) => [...p]) },
    properties: { label: r.label, kind: r.kind, value: Number.isFinite(r.value) ? r.value : null, unit: r.unit, operator: r.operator ?? null, note: r.note ?? null },
  }));
  return JSON.stringify(
    {
      type: 'FeatureCollection',
      name: `${meta.caseReference} ${meta.scene} measurements`,
      ...(meta.epsg ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${meta.epsg}` } } } : {}),
      features,
    },
    null,
    2,
  );
}

/**
 * A "nice" scale-bar length (1, 2 or 5 × 10ⁿ) not longer than `maxLength`, for screenshots.
 */
export function niceScaleLength(maxLength: number): number {
  if (!(maxLength > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(maxLength)));
  for (const m of [5, 2, 1]) if (m * p <= maxLength) return m * p;
  return p;
}
