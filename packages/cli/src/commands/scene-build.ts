import { VestigeError } from '@vestige/evidence/errors';
import type { SceneManifest } from '@vestige/scene';
import { ExitCode, type CliCommand } from '../command.ts';
import { caseOption, operatorOption, requireOperator, withCase } from '../case-options.ts';
import { shown } from '../terminal-text.ts';

const UNITS = ['m', 'cm', 'mm', 'ft', 'in', 'unknown'] as const;

export const command: CliCommand = {
  name: 'scene build',
  summary: 'Build a 3D scene (Potree octree, meshes, camera viewpoints) from scans and models into the case',
  usage: `vestige scene build INPUT… --case DIR --operator NAME [--name TEXT] [--id ID] [--format ID]
                    [--units m|cm|mm|ft|in] [--scale STEP] [--max-leaf N] [--sampling grid|poisson]
                    [--workers N] [--json]

INPUT is a scan or model file — E57, LAS, LAZ, COPC (.copc.laz), PLY, PTS, XYZ/TXT/CSV, OBJ, glTF/GLB — or a
COLMAP sparse model folder (cameras, images, points3D as .bin or .txt). All point inputs go into one
level-of-detail octree (Potree 2.0); meshes become mesh layers; COLMAP and E57 cameras become viewpoints.

The inputs and every output file are stored in the case by SHA-256, the build is recorded as provenance
(scene.build) and the scene manifest as a case record. If anything fails, nothing is left in the case.

  --name TEXT     scene name (default: first input's file name)
  --id ID         scene id (default: derived from the inputs' hashes and the recipe)
  --format ID     force a reader: ${['e57', 'las', 'laz', 'copc', 'ply', 'pts', 'xyz', 'obj', 'gltf', 'colmap'].join(', ')}
  --units U       units of the input coordinates (default m)
  --scale STEP    position step stored in the octree (default: a LAS/LAZ file's own, else 0.0001)
  --max-leaf N    points per octree leaf before it splits (default 20000)
  --sampling S    how each octree node chooses its points: grid (default: the point nearest each cell
                  centre of a 128³ grid) or poisson (PotreeConverter's default: nearest the node centre
                  first, no two within the node's spacing); every point is kept exactly once either way
  --workers N     worker threads (default: one per core)`,
  options: {
    ...caseOption,
    ...operatorOption,
    name: { type: 'string' },
    id: { type: 'string' },
    format: { type: 'string' },
    units: { type: 'string' },
    scale: { type: 'string' },
    'max-leaf': { type: 'string' },
    sampling: { type: 'string' },
    workers: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (positionals.length === 0)
      throw new VestigeError('E_USAGE', 'scene build needs at least one input file or folder.', {
        hint: this.usage.split('\n')[0],
      });
    const operator = requireOperator(values);
    const num = (name: string): number | undefined => {
      if (values[name] === undefined) return undefined;
      const v = Number(values[name]);
      if (!(v > 0))
        throw new VestigeError('E_USAGE', `--${name} needs a positive number, got '${String(values[name])}'.`);
      return v;
    };
    const units = values.units as string | undefined;
    if (units !== undefined && !(UNITS as readonly string[]).includes(units))
      throw new VestigeError('E_USAGE', `--units must be one of ${UNITS.join(', ')}.`);
    const sampling = values.sampling as string | undefined;
    if (sampling !== undefined && sampling !== 'grid' && sampling !== 'poisson')
      throw new VestigeError('E_USAGE', `--sampling must be grid or poisson, got '${sampling}'.`);
    const { buildScene, manifestSha256 } = await import('@vestige/scene');
    return withCase(values, {}, async (store) => {
      const started = Date.now();
      const scale = num('scale');
      const maxLeaf = num('max-leaf');
      const workers = num('workers');
      const result = await buildScene(store, {
        inputs: positionals,
        operator,
        now: new Date(),
        ...(values.name ? { name: String(values.name) } : {}),
        ...(values.id ? { id: String(values.id) } : {}),
        ...(values.format ? { format: String(values.format) } : {}),
        ...(units ? { units: units as SceneManifest['units'] } : {}),
        ...(scale !== undefined ? { scale } : {}),
        ...(maxLeaf !== undefined ? { maxLeafPoints: Math.round(maxLeaf) } : {}),
        ...(sampling ? { sampling } : {}),
        ...(workers !== undefined ? { workers: Math.round(workers) } : {}),
        onProgress: (message) => {
          if (out.interactive) process.stderr.write(`\r  ${message.slice(0, 100).padEnd(100)}`);
        },
      });
      if (out.interactive) process.stderr.write('\n');
      const m = result.manifest;
      if (out.json) {
        out.stdout(
          JSON.stringify({
            id: m.id,
            provenanceId: result.provenanceId,
            manifestSha256: manifestSha256(m),
            manifest: m,
            stats: result.octree?.stats,
          }),
        );
        return ExitCode.ok;
      }
      const seconds = (Date.now() - started) / 1000;
      out.stdout(`scene ${m.id} built in ${seconds.toFixed(1)} s; provenance ${result.provenanceId}`);
      out.stdout(
        `  manifest SHA-256 ${manifestSha256(m)} (note it: the viewer's sign-in page shows it, and the viewer trusts the server for nothing else)`,
      );
      for (const input of m.inputs)
        out.stdout(
          `  input  ${input.sha256.slice(0, 16)}…  ${input.format.padEnd(6)} ${shown(input.name)}${input.points !== undefined ? `  ${input.points} points` : ''}`,
        );
      for (const layer of m.layers) {
        if (layer.type === 'pointcloud')
          out.stdout(
            `  layer  points      ${layer.points} points, ${layer.attributes.join('+')}, octree ${layer.files.octree.sha256.slice(0, 16)}…`,
          );
        else if (layer.type === 'mesh')
          out.stdout(
            `  layer  mesh        ${shown(layer.name)}: ${layer.vertices} vertices, ${layer.triangles} triangles`,
          );
        else if (layer.type === 'viewpoints') out.stdout(`  layer  viewpoints  ${layer.viewpoints.length} cameras`);
        else if (layer.type === 'photos')
          out.stdout(
            `  layer  photos      ${layer.photos.length} scanner photos (${[...new Set(layer.photos.map((p) => p.projection.kind))].join(', ')})`,
          );
      }
      return ExitCode.ok;
    });
  },
};
