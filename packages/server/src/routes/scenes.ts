/**
 * Scenes and their records: the manifest, and the measurements, markers, notes and views officers save
 * from the viewer. Records are checked and stored by @vestige/scene (`saveSceneRecord`), the same code
 * the CLI uses, so a measurement's value is always the value of its points.
 */
import {
  deleteSceneRecord,
  getSceneRecord,
  isSceneRecordCollection,
  listSceneRecords,
  manifestSha256,
  saveSceneRecord,
  type SceneRecordCollection,
} from '@vestige/scene';
import { caseSummary, type ServerContext } from '../context.ts';
import { readJsonBody, sendJson } from '../http.ts';
import type { RouteRequest, Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

function collectionOf(params: RouteRequest['params']): SceneRecordCollection {
  const name = params.collection!;
  if (!isSceneRecordCollection(name)) throw new VestigeError('E_NOT_FOUND', 'no such API');
  return name;
}

export function sceneRoutes(router: Router, ctx: ServerContext): void {
  /** The signed-in principal, the case and the scene named in the path. */
  const sceneFor = ({ req, params }: RouteRequest) => {
    const { principal, served } = ctx.caseFor(req, params.case!);
    return { principal, store: served.store, manifest: ctx.sceneOf(served, params.scene!) };
  };

  router.on('GET', '/api/cases/:case/scenes', ({ req, res, params }) => {
    const { served } = ctx.caseFor(req, params.case!);
    // Each manifest's SHA-256 (of the manifest as the scene route sends it): the sign-in page shows it.
    const scenes = served.store.listRecords('scenes').map((r) => {
      const manifest = ctx.sceneOf(served, r.id);
      return { id: r.id, name: manifest.name, updatedAt: r.updatedAt, manifestSha256: manifestSha256(manifest) };
    });
    sendJson(res, 200, { scenes });
  });

  router.on('GET', '/api/cases/:case/scenes/:scene', (r) => {
    const { principal, store, manifest } = sceneFor(r);
    sendJson(r.res, 200, {
      manifest,
      case: caseSummary(store),
      readOnly: ctx.isReadOnly(principal),
      operator: principal.operator,
    });
  });

  router.on('GET', '/api/cases/:case/scenes/:scene/:collection', (r) => {
    const collection = collectionOf(r.params);
    const { store, manifest } = sceneFor(r);
    sendJson(r.res, 200, { [collection]: listSceneRecords(store, collection, manifest.id) });
  });

  router.on('GET', '/api/cases/:case/scenes/:scene/:collection/:id', (r) => {
    const collection = collectionOf(r.params);
    const { store, manifest } = sceneFor(r);
    const value = getSceneRecord(store, collection, manifest.id, r.params.id!);
    if (!value) throw new VestigeError('E_NOT_FOUND', `no ${collection}/${r.params.id} in scene ${manifest.id}`);
    sendJson(r.res, 200, value);
  });

  router.on('PUT', '/api/cases/:case/scenes/:scene/:collection/:id', async (r) => {
    const collection = collectionOf(r.params);
    const { principal, store, manifest } = sceneFor(r);
    ctx.requireWritable(principal);
    const body = await readJsonBody(r.req);
    if ((body as { id?: unknown } | null)?.id !== r.params.id)
      throw new VestigeError('E_PARAM_INVALID', 'the id in the body differs from the id in the path');
    const value = saveSceneRecord(store, manifest, collection, body, principal.operator);
    ctx.log(`${principal.operator} saved ${collection}/${manifest.id}/${value.id}`);
    sendJson(r.res, 200, { ok: true, value });
  });

  router.on('DELETE', '/api/cases/:case/scenes/:scene/:collection/:id', (r) => {
    const collection = collectionOf(r.params);
    const { principal, store, manifest } = sceneFor(r);
    ctx.requireWritable(principal);
    if (!deleteSceneRecord(store, collection, manifest.id, r.params.id!, principal.operator))
      throw new VestigeError('E_NOT_FOUND', `no ${collection}/${r.params.id} in scene ${manifest.id}`);
    sendJson(r.res, 200, { ok: true });
  });
}
