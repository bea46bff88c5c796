/**
 * The filter graph of one decode: every decoded frame passes `showinfo@in` (index, timestamp, picture
 * type), then the pre-filters and the selection, then `showinfo@out`, then is split to the outputs, each
 * with its own filters, labelled `[o0]`, `[o1]` … for `-map`.
 */
import type { FfmpegFeatures } from '@vestige/ffmpeg';

export interface DecodeGraph {
  /** The `-filter_complex` argument. */
  filter: string;
  /** One label per output. */
  labels: string[];
  /** True when frames are selected (or pre-filtered): `showinfo@out` then names the frames that reach the outputs. */
  selecting: boolean;
}

function escapeFilterValue(expr: string): string {
  // Inside a filtergraph, commas separate filters; quote the expression and escape quotes and backslashes.
  return `'${expr.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function decodeGraph(
  streamIndex: number,
  request: { preFilters?: readonly string[] | undefined; select?: string | null | undefined },
  outputs: readonly { filters?: readonly string[] | undefined }[],
  features: Pick<FfmpegFeatures, 'showinfoChecksumOption'>,
): DecodeGraph {
  const info = features.showinfoChecksumOption ? 'showinfo@NAME=checksum=0' : 'showinfo@NAME';
  const chain: string[] = [info.replace('NAME', 'in'), ...(request.preFilters ?? [])];
  const hasSelect = request.select !== undefined && request.select !== null;
  const selecting = hasSelect || (request.preFilters?.length ?? 0) > 0;
  if (selecting)
    chain.push(`select=${escapeFilterValue(hasSelect ? request.select! : '1')}`, info.replace('NAME', 'out'));
  const labels = outputs.map((_, i) => `o${i}`);
  let graph = `[0:${streamIndex}]${chain.join(',')}`;
  if (outputs.length > 1) graph += `,split=${outputs.length}${labels.map((l) => `[s${l}]`).join('')}`;
  const graphs: string[] = [graph];
  outputs.forEach((out, i) => {
    const filters = out.filters && out.filters.length > 0 ? out.filters.join(',') : 'null';
    if (outputs.length > 1) graphs.push(`[s${labels[i]}]${filters}[${labels[i]}]`);
    else graphs[0] += `,${filters}[${labels[i]}]`;
  });
  return { filter: graphs.join(';'), labels, selecting };
}
