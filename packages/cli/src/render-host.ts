/**
 * Assembles a render node for this process: the render backend shows scenes through the same server and
 * built viewer as `vestige serve` (`@vestige/server`, read-only, loopback, one server per case, signed in
 * with a token made at start). One node per process, made on first use and closed at exit.
 */
import { DEFAULT_VIEWER_DIR, prepareViewer, startServer } from '@vestige/server';
import { RenderNode, type ViewerHost } from '@vestige/render';

export function serverViewerHost(log: (line: string) => void = () => {}): ViewerHost {
  let prepared: Promise<unknown> | null = null;
  return {
    viewerDir: DEFAULT_VIEWER_DIR,
    async open(caseDir) {
      prepared ??= prepareViewer(log);
      await prepared;
      const server = await startServer({ cases: [caseDir], readOnly: true, warmUp: false });
      const caseId = server.cases[0]!.id;
      return {
        sceneUrl(sceneId, query) {
          const url = new URL(server.sceneUrl(caseId, sceneId));
          const next = url.searchParams.get('next');
          const extra = new URLSearchParams(query).toString();
          if (next) url.searchParams.set('next', `${next}&${extra}`);
          else url.search += `&${extra}`;
          return url.toString();
        },
        close: () => server.close(),
      };
    },
  };
}

let node: RenderNode | null = null;

/** This process's render node (one browser, one render class). */
export function renderNode(): RenderNode {
  node ??= new RenderNode(serverViewerHost());
  return node;
}

/** Closes the browser and servers if a node was made. */
export async function closeRenderNode(): Promise<void> {
  const n = node;
  node = null;
  await n?.close();
}
