import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore, verifyCase } from '@vestige/evidence';
import {
  addMarker,
  addMeasurement,
  buildScene,
  exportPointsLas,
  levelScene,
  loadScene,
  manifestBlobs,
  markersCsv,
  measurementsCsv,
  parseSceneManifest,
  potreeNodes,
  scaleScene,
  sceneExportRows,
  sceneGeoJson,
  toDisplayed,
  writeLas,
  type PotreeMetadataJson,
} from '@vestige/scene';
import { main } from '@vestige/cli';
import { sampleColmapModel, writeColmap } from '../../samples/scene/formats.ts';
import { syntheticRoom } from '../../samples/scene/synthetic-room.ts';
import { FIXTURES, importAll, newCase, tempDir } from './helpers.ts';

const tmp = tempDir();
let store: CaseStore;
const now = new Date('2026-11-23T08:00:00Z');
afterAll(() => {
  store?.close();
  tmp.cleanup();
});
beforeAll(() => {
  store = newCase(tmp.dir);
});

describe('scene build into a case', () => {
  it('stores inputs and tiles as blobs, the manifest as a record, the build as provenance', async () => {
    const colmap = join(tmp.dir, 'colmap');
    writeColmap(colmap, sampleColmapModel(), true);
    const { manifest, provenanceId } = await buildScene(store, {
      inputs: [
        join(FIXTURES, 'e57/bunnyInt32.e57'),
        join(FIXTURES, 'e57/ColouredCubeFloat.e57'),
        join(FIXTURES, 'gltf/house1-1.glb'),
        colmap,
      ],
      operator: 'DC Test',
      now,
      name: 'bunny and cube',
      workers: 1,
    });
    expect(JSON.stringify(parseSceneManifest(store.getRecord('scenes', manifest.id)))).toBe(JSON.stringify(manifest));
    expect(manifest.inputs.map((i) => i.format)).toEqual(['e57', 'e57', 'gltf', 'colmap', 'colmap', 'colmap']);
    for (const sha of manifestBlobs(manifest)) expect(store.blobs.has(sha)).toBe(true);
    const cloud = manifest.layers.find((l) => l.type === 'pointcloud')!;
    expect(cloud.type === 'pointcloud' && cloud.points).toBe(30571 + 7680 + 50);
    if (cloud.type !== 'pointcloud') throw new Error('no cloud');
    expect(cloud.attributes).toEqual(['position', 'rgb']);
    // the octree in the case opens: its hierarchy walk sums exactly to the input count
    const metadata = JSON.parse((await store.blobs.read(cloud.files.metadata.sha256)).toString()) as PotreeMetadataJson;
    const nodes = potreeNodes(metadata, await store.blobs.read(cloud.files.hierarchy.sha256));
    expect(nodes.reduce((s, x) => s + x.numPoints, 0)).toBe(cloud.points);
    const mesh = manifest.layers.find((l) => l.type === 'mesh')!;
    expect(mesh.type === 'mesh' && mesh.file.sha256).toBe(manifest.inputs[2]!.sha256); // .glb kept byte for byte
    const views = manifest.layers.find((l) => l.type === 'viewpoints')!;
    expect(views.type === 'viewpoints' && views.viewpoints.length).toBe(2);
    const prov = store.provenance(provenanceId);
    expect(prov.activity).toBe('scene.build');
    expect(prov.inputs.map((i) => i.sha256)).toEqual(manifest.inputs.map((i) => i.sha256));
    expect(prov.outputs.map((o) => o.sha256)).toContain(cloud.files.octree.sha256);
    expect(prov.steps.map((s) => s.operation)).toEqual(['scene.import', 'scene.octree']);
    expect((await verifyCase(store)).ok).toBe(true);
  });

  it('a LAS whose header bounds are zero (some writers leave them so) still builds', async () => {
    const { readFileSync: read, writeFileSync: write } = await import('node:fs');
    const bytes = Buffer.from(read(join(FIXTURES, 'las/simple.las')));
    bytes.fill(0, 179, 227);
    const path = join(tmp.dir, 'zero-bounds.las');
    write(path, bytes);
    const { manifest } = await buildScene(store, { inputs: [path], operator: 'DC Test', now, workers: 1 });
    const cloud = manifest.layers.find((l) => l.type === 'pointcloud');
    expect(cloud?.type === 'pointcloud' && cloud.points).toBe(1065);
    expect(cloud?.type === 'pointcloud' && cloud.bounds.min[0]).toBeCloseTo(635619.85, 6);
  });

  it('empty.e57 and ZeroPoints.e57 give an empty point layer, not a crash', async () => {
    const { manifest } = await buildScene(store, {
      inputs: [join(FIXTURES, 'e57/empty.e57'), join(FIXTURES, 'e57/ZeroPoints.e57')],
      operator: 'DC Test',
      now,
      workers: 1,
    });
    const cloud = manifest.layers.find((l) => l.type === 'pointcloud');
    expect(cloud?.type === 'pointcloud' && cloud.points).toBe(0);
  });

  it('scales from a known distance, levels to the fitted floor, measures, marks and exports', async () => {
    // A room 6 × 5 m whose floor is tilted by 2° and whose scale is off by 1.25.
    const tilt = (2 * Math.PI) / 180;
    const las = join(tmp.dir, 'room.las');
    const chunks = [...syntheticRoom({ points: 60_000, seed: 11 })].map((c) => {
      for (let i = 0; i < c.count; i++) {
        const x = c.positions[i * 3]!,
          z = c.positions[i * 3 + 2]!;
        c.positions[i * 3] = 1.25 * (x * Math.cos(tilt) - z * Math.sin(tilt)) + 1000;
        c.positions[i * 3 + 1] = 1.25 * c.positions[i * 3 + 1]! + 2000;
        c.positions[i * 3 + 2] = 1.25 * (x * Math.sin(tilt) + z * Math.cos(tilt)) + 50;
      }
      return c;
    });
    await writeLas(las, chunks, { scale: 0.0001 });
    const { manifest } = await buildScene(store, { inputs: [las], operator: 'DC Test', now, workers: 1, id: 'room' });
    expect(manifest.id).toBe('room');
    // two wall corners known to be 6 m apart
    const a: [number, number, number] = [1000, 2000, 50];
    const b: [number, number, number] = [1000 + 1.25 * 6 * Math.cos(tilt), 2000, 50 + 1.25 * 6 * Math.sin(tilt)];
    const scaled = await scaleScene(store, 'room', { a, b, known: 6, operator: 'DC Test', now });
    expect(scaled.adjustments[0]!.kind).toBe('scale');
    const levelled = await levelScene(store, 'room', { method: 'fitted', operator: 'DC Test', now });
    const adj = levelled.adjustments[1]!;
    expect(adj.kind).toBe('level');
    if (adj.kind === 'level') expect(Math.acos(adj.plane.normal[2]) * (180 / Math.PI)).toBeCloseTo(2, 1);
    // after scale and level: the far floor corner is 6 m away and at height ≈ 0
    const corner = toDisplayed(levelled, b);
    expect(Math.hypot(...corner.map((v, k) => v - toDisplayed(levelled, a)[k]!))).toBeCloseTo(6, 6);
    expect(Math.abs(corner[2])).toBeLessThan(0.01);
    // the table top (0.75 m in the unscaled, untilted room) now measures 0.75 m above the floor
    const tableSrc: [number, number, number] = [
      1.25 * (1.5 * Math.cos(tilt) - 0.75 * Math.sin(tilt)) + 1000,
      2000 + 1.25 * 1.2,
      1.25 * (1.5 * Math.sin(tilt) + 0.75 * Math.cos(tilt)) + 50,
    ];
    expect(toDisplayed(levelled, tableSrc)[2]).toBeCloseTo(0.75, 2);
    for (const p of ['scene.scale', 'scene.level'])
      expect(store.provenanceRecords().some((r) => r.record.activity === p)).toBe(true);

    addMarker(store, 'room', { label: 'A', position: tableSrc, note: 'knife, "on table"' }, 'DC Test');
    const wall = addMeasurement(store, 'room', { label: 'wall', kind: 'distance', points: [a, b] }, 'DC Test');
    expect(wall.value).toBeCloseTo(6, 6);
    expect(wall).toMatchObject({ id: 'D-1', unit: 'm', operator: 'DC Test' });
    expect(
      [...store.custody.events()].filter((e) => e.action === 'measurement.saved' || e.action === 'marker.saved'),
    ).toHaveLength(2);
    const ctx = { caseReference: store.info.reference, manifest: loadScene(store, 'room') };
    const rows = sceneExportRows(store, ctx.manifest);
    const csv = markersCsv(ctx, rows.markers).split('\r\n');
    expect(csv).toContain('id,label,x,y,z,display_x,display_y,display_z,unit,item,note');
    expect(csv.at(-2)).toContain('"knife, ""on table"""');
    expect(measurementsCsv(ctx, rows.measurements)).toMatch(/\r\nD-1,wall,distance,6\.000000,,m,/);
    const geo = JSON.parse(sceneGeoJson(ctx, rows));
    expect(geo.features.map((f: { geometry: { type: string } }) => f.geometry.type)).toEqual(['Point', 'LineString']);

    // a point subset back to LAS, read again by our own LAS reader
    const out = join(tmp.dir, 'subset.las');
    const box = {
      min: [1000, 2000, 40] as [number, number, number],
      max: [1003, 2003, 60] as [number, number, number],
    };
    const written = await exportPointsLas(store, loadScene(store, 'room'), out, { box });
    expect(written.points).toBeGreaterThan(1000);
    const back = await importAll(out);
    expect(back.points).toBe(written.points);
    for (let k = 0; k < 3; k++) {
      expect(back.min[k]).toBeGreaterThanOrEqual(box.min[k]! - 1e-3);
      expect(back.max[k]).toBeLessThanOrEqual(box.max[k]! + 1e-3);
    }
    const whole = await exportPointsLas(store, loadScene(store, 'room'), join(tmp.dir, 'all.las'));
    expect(whole.points).toBe(60_000);
  });

  it('the CLI builds, describes, scales, levels and exports', async () => {
    const dir = store.dir;
    const quiet = { ...process.env };
    void quiet;
    const run = (...args: string[]): Promise<number> => main(args);
    const write = process.stdout.write.bind(process.stdout);
    const captured: string[] = [];
    process.stdout.write = ((s: string) => (captured.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(
        await run(
          'scene',
          'build',
          join(FIXTURES, 'las/simple.las'),
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--id',
          'cli',
          '--json',
          '--workers',
          '1',
        ),
      ).toBe(0);
      const built = JSON.parse(captured.pop()!);
      expect(built.id).toBe('cli');
      expect(await run('scene', 'info', '--case', dir, 'cli', '--json')).toBe(0);
      expect(JSON.parse(captured.pop()!).layers[0].points).toBe(1065);
      expect(await run('scene', 'info', join(FIXTURES, 'las/simple.copc.laz'), '--json')).toBe(0);
      expect(JSON.parse(captured.pop()!)[0].points).toBe(1065);
      expect(
        await run(
          'scene',
          'scale',
          'cli',
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--from',
          '635619.85,848899.7,406.59',
          '--to',
          '635620.85,848899.7,406.59',
          '--known',
          '2',
        ),
      ).toBe(0);
      expect(
        await run(
          'scene',
          'level',
          'cli',
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--points',
          '0,0,0',
          '--points',
          '1,0,0',
          '--points',
          '0,1,0.01',
        ),
      ).toBe(0);
      // Measure and mark from the CLI: scene records, shown by `scene info` and exported.
      expect(
        await run(
          'scene',
          'measure',
          'cli',
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--kind',
          'height',
          '--point',
          '635619.85,848899.7,406.59',
          '--point',
          '635619.85,848899.7,405.59',
          '--json',
        ),
      ).toBe(0);
      const measured = JSON.parse(captured.pop()!);
      expect(measured.measurement).toMatchObject({ id: 'D-1', kind: 'height', unit: 'm', operator: 'PC 1' });
      expect(measured.measurement.value).toBeLessThan(0);
      expect(measured.text).toMatch(/^-\d+\.\d{3} m$/);
      expect(
        await run(
          'scene',
          'mark',
          'cli',
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--at',
          '635619.85,848899.7,406.59',
          '--note',
          'casing',
        ),
      ).toBe(0);
      expect(captured.pop()).toMatch(/^marker 1 \(M-1\) at \(/);
      expect(
        await run(
          'scene',
          'measure',
          'cli',
          '--case',
          dir,
          '--operator',
          'PC 1',
          '--kind',
          'volume',
          '--point',
          '0,0,0',
        ),
      ).not.toBe(0); // usage (64 once usage errors exit 64, issue 14 point 4)
      expect(await run('scene', 'info', '--case', dir, 'cli')).toBe(0);
      expect(captured.join('')).toContain('saved since the build: 1 measurements, 1 markers, 0 annotations, 0 views');
      const csvOut = join(tmp.dir, 'm.geojson');
      expect(
        await run('scene', 'export', 'cli', '--case', dir, '--what', 'markers', '--format', 'geojson', '--out', csvOut),
      ).toBe(0);
      expect(JSON.parse(readFileSync(csvOut, 'utf8')).type).toBe('FeatureCollection');
      const lasOut = join(tmp.dir, 'cli.las');
      expect(await run('scene', 'export', 'cli', '--case', dir, '--what', 'points', '--out', lasOut)).toBe(0);
      expect((await importAll(lasOut)).points).toBe(1065);
      // bad input through the CLI: exit 1, no scene
      const before = store.listRecords('scenes').length;
      expect(await run('scene', 'build', join(FIXTURES, 'e57/bad-crc.e57'), '--case', dir, '--operator', 'PC 1')).toBe(
        1,
      );
      expect(store.listRecords('scenes').length).toBe(before);
    } finally {
      process.stdout.write = write;
    }
  });
});
