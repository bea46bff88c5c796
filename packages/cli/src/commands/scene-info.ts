import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'scene info',
  summary: 'Describe a 3D file (format, points, bounds, attributes) or a scene in a case',
  usage: `vestige scene info FILE… [--format ID] [--json]
vestige scene info --case DIR [SCENE-ID] [--json]

With files: what each file holds according to its header (read without importing).
With --case: the scenes in the case, or one scene's manifest in full.`,
  options: { ...caseOption, format: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (values.case) {
      return withCase(values, { readOnly: true }, async (store) => {
        const { listSceneRecords, loadScene, manifestSha256 } = await import('@vestige/scene');
        if (positionals.length === 0) {
          const scenes = store.listRecords('scenes');
          if (out.json) out.stdout(JSON.stringify(scenes.map((s) => ({ id: s.id, updatedAt: s.updatedAt }))));
          else if (scenes.length === 0) out.stdout('no scenes in this case');
          else for (const s of scenes) out.stdout(`${s.id}  updated ${s.updatedAt}`);
          return ExitCode.ok;
        }
        const m = loadScene(store, positionals[0]!);
        if (out.json) out.stdout(JSON.stringify(m));
        else {
          out.stdout(
            `${m.id}  "${shown(m.name)}"  built ${m.createdAt}  units ${m.units}  provenance ${m.provenanceId ?? '—'}`,
          );
          out.stdout(`  manifest SHA-256 ${manifestSha256(m)} (the viewer's sign-in page shows the same)`);
          out.stdout(
            `  origin ${m.origin.offset.join(', ')}${m.crs ? `  crs ${m.crs.epsg ?? m.crs.name ?? 'WKT'}` : ''}`,
          );
          for (const a of m.adjustments)
            out.stdout(
              `  ${a.kind === 'scale' ? `scaled ×${a.factor.toPrecision(7)} (${a.measured.toPrecision(6)} → ${a.known})` : `levelled (${a.method}, ${a.inliers ?? 0} points, rms ${a.rms?.toPrecision(3) ?? '—'})`}  ${a.provenanceId ?? ''}`,
            );
          for (const i of m.inputs) out.stdout(`  input ${i.sha256}  ${i.format}  ${shown(i.name)}`);
          for (const l of m.layers) {
            const what =
              l.type === 'pointcloud'
                ? `${l.points} points [${l.attributes.join(', ')}] bounds ${l.bounds.min.map((v) => v.toFixed(3)).join(',')} … ${l.bounds.max.map((v) => v.toFixed(3)).join(',')}`
                : l.type === 'mesh'
                  ? `${l.vertices} vertices, ${l.triangles} triangles`
                  : l.type === 'viewpoints'
                    ? `${l.viewpoints.length} cameras`
                    : l.type === 'photos'
                      ? `${l.photos.length} scanner photos (${[...new Set(l.photos.map((p) => p.projection.kind))].join(', ')})`
                      : l.type === 'markers'
                        ? `${l.markers.length} markers`
                        : l.type === 'measurements'
                          ? `${l.measurements.length} measurements`
                          : `${l.annotations.length} annotations`;
            out.stdout(`  layer ${l.id} (${l.type}): ${what}`);
          }
          const saved = (['measurements', 'markers', 'annotations', 'views'] as const).map(
            (c) => `${listSceneRecords(store, c, m.id).length} ${c}`,
          );
          out.stdout(`  saved since the build: ${saved.join(', ')} (vestige scene export, or the viewer)`);
        }
        return ExitCode.ok;
      });
    }
    if (positionals.length === 0)
      throw new VestigeError('E_USAGE', 'scene info needs FILE… or --case DIR.', { hint: this.usage.split('\n')[0] });
    const { detectSceneFormat, sceneFormatById } = await import('@vestige/scene');
    const results = [];
    for (const path of positionals) {
      const format = values.format ? sceneFormatById(String(values.format)) : await detectSceneFormat(path);
      const header = await format.header(path);
      results.push({ path, ...header });
      if (!out.json) {
        out.stdout(`${shown(path)}: ${format.title}`);
        if (header.points !== undefined) out.stdout(`  points      ${header.points}`);
        if (header.meshes !== undefined) out.stdout(`  meshes      ${header.meshes}`);
        if (header.viewpoints !== undefined) out.stdout(`  viewpoints  ${header.viewpoints}`);
        if (header.bounds)
          out.stdout(`  bounds      ${header.bounds.min.join(', ')} … ${header.bounds.max.join(', ')}`);
        const attrs = Object.entries(header.attributes)
          .filter(([, v]) => v)
          .map(([k]) => k);
        out.stdout(`  attributes  position${attrs.length ? ', ' + attrs.join(', ') : ''}`);
        for (const [k, v] of Object.entries(header.details))
          out.stdout(`  ${k.padEnd(11)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      }
    }
    if (out.json) out.stdout(JSON.stringify(results));
    return ExitCode.ok;
  },
};
