/**
 * Markers and measurements as CSV: the one writer behind `vestige scene export`, the server's export
 * endpoint and the viewer's Export button, so the same scene gives the same bytes from each.
 *
 * The file opens with a UTF-8 byte-order mark (spreadsheets then read `°` and `m²` correctly) and
 * `# key,value` lines that say what the numbers mean: the case and scene, the frames, the stated
 * uncertainty, and the definition of each kind of measurement in the file (how a height's sign reads).
 * Lines end in CRLF (RFC 4180). Text cells that a spreadsheet would run as a formula are defused.
 */
import type { EvidenceMarker, Measurement, SceneManifest } from '../manifest/schema.ts';
import { toDisplayed } from './frames.ts';
import { MEASUREMENT_DEFINITIONS, describeUncertainty, type MeasurementKind } from './measure.ts';
import { lengthUnit } from './units.ts';

/** What an export says about where its rows come from. */
export interface ExportContext {
  caseReference: string;
  manifest: Pick<SceneManifest, 'id' | 'name' | 'units' | 'crs' | 'origin' | 'transform' | 'measurementUncertainty'>;
}

const BOM = '\uFEFF';

/** A cell Vestige wrote itself (numbers, coordinate lists): never taken for a formula. */
interface Written {
  readonly written: string;
}
type Cell = string | Written | undefined;
const written = (text: string): Written => ({ written: text });

export function csvCell(v: Cell): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') return v.written;
  // Text someone typed: defuse spreadsheet formulas (=, +, -, @, tab, CR at the start) by a leading quote.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLines(lines: Cell[][]): string {
  return BOM + lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A double as JavaScript writes it: the shortest text that reads back to the same number. */
const exact = (c: number): Written => written(String(c));
const fixed = (v: number): Written => written(v.toFixed(6));
const coordinates = (p: readonly number[]): string => p.map(String).join(' ');

function frameNote(ctx: ExportContext): string {
  const crs = ctx.manifest.crs;
  const source = crs?.epsg ? `EPSG:${crs.epsg}` : (crs?.name ?? 'the scan’s own coordinates');
  return `points are in the scene's source frame (${source}); values are in the displayed frame (after scale and level), in ${lengthUnit(ctx.manifest.units)}`;
}

function preamble(title: string, ctx: ExportContext): Cell[][] {
  return [
    [`# ${title}`],
    ['# case', ctx.caseReference],
    ['# scene', ctx.manifest.id, ctx.manifest.name],
    ['# coordinates', frameNote(ctx)],
  ];
}

/** One row per measurement, with its ± when the scene states an uncertainty; points in the source frame. */
export function measurementsCsv(ctx: ExportContext, rows: readonly Measurement[]): string {
  const lines = preamble('Vestige scene measurements', ctx);
  const stated = ctx.manifest.measurementUncertainty;
  if (stated) lines.push(['# uncertainty', describeUncertainty(stated)]);
  const kinds = [...new Set(rows.map((r) => r.kind))].sort() as MeasurementKind[];
  for (const kind of kinds) lines.push([`# ${kind}`, MEASUREMENT_DEFINITIONS[kind]]);
  lines.push(['id', 'label', 'kind', 'value', 'plus_minus', 'unit', 'points', 'operator', 'note']);
  for (const r of rows) {
    const pm = r.uncertainty?.plusMinus;
    lines.push([
      r.id,
      r.label,
      r.kind,
      fixed(r.value),
      pm === undefined ? undefined : fixed(pm),
      r.unit,
      written(r.points.map(coordinates).join('; ')),
      r.operator,
      r.note,
    ]);
  }
  return csvLines(lines);
}

/** One row per marker: source-frame and displayed-frame coordinates. */
export function markersCsv(ctx: ExportContext, rows: readonly EvidenceMarker[]): string {
  const lines = preamble('Vestige scene evidence markers', ctx);
  lines.push(['id', 'label', 'x', 'y', 'z', 'display_x', 'display_y', 'display_z', 'unit', 'item', 'note']);
  for (const m of rows) {
    const d = toDisplayed(ctx.manifest, m.position);
    lines.push([
      m.id,
      m.label,
      ...m.position.map(exact),
      ...d.map(fixed),
      lengthUnit(ctx.manifest.units),
      m.itemId,
      m.note,
    ]);
  }
  return csvLines(lines);
}
