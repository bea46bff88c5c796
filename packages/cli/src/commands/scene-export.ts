import { writeFile } from 'node:fs/promises';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';

export const command: CliCommand = {
  name: 'scene export',
  summary: "Export a scene's markers and measurements (CSV, GeoJSON) or its points (LAS, optionally a box)",
  usage: `vestige scene export SCENE-ID --case DIR --what markers|measurements|points --format csv|geojson|las --out FILE
                     [--box MINX,MINY,MINZ,MAXX,MAXY,MAXZ] [--json]

markers, measurements: CSV (one row each, source and displayed coordinates) or GeoJSON (source frame), the
markers and measurements built into the scene and those saved since (CLI, viewer); the same bytes as the
viewer's Export buttons and the server's /export endpoint.
points: LAS 1.2 (format 2, with colour, intensity, classification) of every point, or of those inside --box
(source coordinates). Files are written outside the case; the case is only read.`,
  options: {
    ...caseOption,
    what: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    box: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    const id = positionals[0];
    if (!id) throw new VestigeError('E_USAGE', 'scene export needs the scene id.', { hint: this.usage.split('\n')[0] });
    const what = String(values.what ?? '');
    const format = String(values.format ?? (what === 'points' ? 'las' : 'csv'));
    const file = values.out as string | undefined;
    if (!file) throw new VestigeError('E_USAGE', '--out FILE is required.');
    if (!['markers', 'measurements', 'points'].includes(what))
      throw new VestigeError('E_USAGE', '--what must be markers, measurements or points.');
    if (what === 'points' ? format !== 'las' : format !== 'csv' && format !== 'geojson')
      throw new VestigeError('E_USAGE', `--format ${format} does not go with --what ${what}.`);
    let box: { min: [number, number, number]; max: [number, number, number] } | undefined;
    if (values.box !== undefined) {
      const v = String(values.box).split(',').map(Number);
      if (v.length !== 6 || v.some((x) => !Number.isFinite(x)))
        throw new VestigeError('E_USAGE', '--box needs six numbers: MINX,MINY,MINZ,MAXX,MAXY,MAXZ.');
      box = { min: [v[0]!, v[1]!, v[2]!], max: [v[3]!, v[4]!, v[5]!] };
    }
    const { exportPointsLas, loadScene, sceneExportRows, sceneExportText } = await import('@vestige/scene');
    return withCase(values, { readOnly: true }, async (store) => {
      const m = loadScene(store, id);
      let summary: string;
      if (what === 'points') {
        const now = new Date();
        const dayOfYear = Math.floor((now.getTime() - Date.UTC(now.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
        const r = await exportPointsLas(store, m, file, {
          ...(box ? { box } : {}),
          created: { dayOfYear, year: now.getUTCFullYear() },
        });
        summary = `${r.points} points written to ${file} (${r.bytes} bytes)`;
      } else {
        const text = sceneExportText(
          { caseReference: store.info.reference, manifest: m },
          sceneExportRows(store, m),
          what as 'markers' | 'measurements',
          format as 'csv' | 'geojson',
        );
        await writeFile(file, text);
        summary = `${what} of ${m.id} written to ${file} (${format})`;
      }
      if (out.json) out.stdout(JSON.stringify({ id: m.id, what, format, out: file }));
      else out.stdout(summary);
      return ExitCode.ok;
    });
  },
};
