/**
 * COPC (Cloud Optimized Point Cloud): a LAZ 1.4 file whose chunks are an octree with their own index.
 * The `copc` package walks the hierarchy pages; each node's chunk is decoded on its own, so memory holds
 * one chunk at a time however big the file.
 */
import { Copc, type Getter, type Hierarchy } from 'copc';
import { VestigeError } from '@vestige/evidence';
import { InputFile, withInputFile } from '../io/input-file.ts';
import type { SceneChunk } from '../points.ts';
import type { SceneFormat, SceneReadOptions } from './format.ts';
import { decodeLasRecords } from './las-header.ts';
import { lasSceneHeader } from './las.ts';
import { loadLazPerf } from './laz.ts';

function getterOf(file: InputFile): Getter {
  return async (begin, end) => new Uint8Array(await file.readUpTo(begin, end - begin));
}

async function openCopc(file: InputFile): Promise<Copc> {
  try {
    return await Copc.create(getterOf(file));
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_INPUT_CORRUPT', `The COPC header cannot be read: ${(err as Error).message}`, {
      file: file.path,
      cause: err,
    });
  }
}

/** All data nodes of the hierarchy, in key order (deterministic). */
async function copcNodes(file: InputFile, copc: Copc): Promise<[string, Hierarchy.Node][]> {
  const get = getterOf(file);
  const nodes: [string, Hierarchy.Node][] = [];
  const pages: Hierarchy.Page[] = [copc.info.rootHierarchyPage];
  while (pages.length > 0) {
    const page = pages.shift()!;
    const sub = await Copc.loadHierarchyPage(get, page);
    for (const [key, node] of Object.entries(sub.nodes)) if (node && node.pointCount > 0) nodes.push([key, node]);
    for (const p of Object.values(sub.pages)) if (p) pages.push(p);
  }
  const keyOrder = (k: string): number[] => k.split('-').map(Number);
  nodes.sort((a, b) => {
    const ka = keyOrder(a[0]);
    const kb = keyOrder(b[0]);
    for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
  return nodes;
}

export const copcFormat: SceneFormat = {
  id: 'copc',
  title: 'Cloud Optimized Point Cloud (COPC)',
  extensions: ['.copc.laz'],
  sniff(head, name) {
    // The COPC info VLR follows the 375-byte header: its user id "copc" sits at byte 377.
    if (head.length >= 381 && Buffer.from(head.subarray(377, 381)).toString('latin1') === 'copc') return true;
    return /\.copc\.laz$/i.test(name) && head[0] === 0x4c;
  },
  header(path) {
    return withInputFile(path, async (file) => {
      const { scene } = await lasSceneHeader(file, 'copc');
      const copc = await openCopc(file);
      return { ...scene, details: { ...scene.details, spacing: copc.info.spacing, cube: copc.info.cube } };
    });
  },
  async *read(path: string, options: SceneReadOptions = {}): AsyncGenerator<SceneChunk> {
    const file = await InputFile.open(path);
    try {
      const { header } = await lasSceneHeader(file, 'copc');
      const copc = await openCopc(file);
      const nodes = await copcNodes(file, copc);
      const total = nodes.reduce((n, [, node]) => n + node.pointCount, 0);
      if (total !== header.pointCount) {
        throw new VestigeError(
          'E_INPUT_CORRUPT',
          `The COPC hierarchy lists ${total} points, the header ${header.pointCount}.`,
          { file: path },
        );
      }
      const lazPerf = await loadLazPerf();
      const get = getterOf(file);
      for (const [key, node] of nodes) {
        options.signal?.throwIfAborted();
        let raw: Uint8Array;
        try {
          raw = await Copc.loadPointDataBuffer(get, copc.header, node, lazPerf);
        } catch (err) {
          if (err instanceof VestigeError) throw err;
          throw new VestigeError('E_INPUT_CORRUPT', `COPC node ${key} cannot be decoded: ${(err as Error).message}`, {
            file: path,
            cause: err,
          });
        }
        yield decodeLasRecords(raw, node.pointCount, header);
      }
    } finally {
      await file.close();
    }
  },
};
