/**
 * A scene's markers and measurements as the files a court receives (CSV, GeoJSON), written by the
 * scene core: the same bytes as `vestige scene export` and the viewer's Export buttons.
 */
import {
  SCENE_EXPORT_MEDIA_TYPES,
  sceneExportFileName,
  sceneExportRows,
  sceneExportText,
  type SceneExportFormat,
  type SceneExportSubject,
} from '@vestige/scene';
import type { ServerContext } from '../context.ts';
import type { Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

export function reportRoutes(router: Router, ctx: ServerContext): void {
  router.on('GET', '/api/cases/:case/scenes/:scene/reports/:file', ({ req, res, params }) => {
    const m = /^(markers|measurements)\.(csv|geojson)$/.exec(params.file!);
    if (!m)
      throw new VestigeError(
        'E_NOT_FOUND',
        `no report ${params.file}: there are markers.csv, markers.geojson, measurements.csv and measurements.geojson`,
      );
    const [, what, format] = m as unknown as [string, SceneExportSubject, SceneExportFormat];
    const { served } = ctx.caseFor(req, params.case!);
    const manifest = ctx.sceneOf(served, params.scene!);
    const exportCtx = { caseReference: served.store.info.reference, manifest };
    const body = Buffer.from(sceneExportText(exportCtx, sceneExportRows(served.store, manifest), what, format), 'utf8');
    res.writeHead(200, {
      'Content-Type': SCENE_EXPORT_MEDIA_TYPES[format],
      'Content-Length': body.length,
      'Content-Disposition': `attachment; filename="${sceneExportFileName(exportCtx, what, format)}"`,
      'Cache-Control': 'no-store',
    });
    res.end(body);
  });
}
