/**
 * The options `render video` and `render still` share, turned into a render recipe: the scene's manifest
 * hash is read from the case, and the viewer bundle this installation serves is pinned unless
 * --any-viewer (a farm node running another Vestige version then refuses the job instead of drawing
 * frames that differ).
 */
import type { QueueBackend } from '@vestige/jobs';
import type { CaseStore } from '@vestige/evidence';
import { VestigeError } from '@vestige/evidence/errors';
import type { ParsedValues } from './command.ts';

export const renderOptions = {
  size: { type: 'string' as const },
  budget: { type: 'string' as const },
  'point-size': { type: 'string' as const },
  'square-points': { type: 'boolean' as const },
  color: { type: 'string' as const },
  edl: { type: 'string' as const },
  overlay: { type: 'string' as const },
  'render-class': { type: 'string' as const },
  'any-viewer': { type: 'boolean' as const },
  redis: { type: 'string' as const },
};

export const RENDER_OPTIONS_USAGE = `  --size WxH            frame size in pixels (default 1920x1080; at most 8192 a side)
  --budget N            point budget: points drawn per frame (default 2000000)
  --point-size PX       smallest point drawn (default 2); --square-points for squares instead of discs
  --color MODE          auto (default), rgb, intensity, height or uniform
  --edl on|off|auto     eye-dome lighting (default auto: on for clouds without colour)
  --overlay LIST        burn in any of case,frame,time,scale (e.g. --overlay case,frame,time,scale)
  --render-class RC     only nodes of this render class may draw it (printed by \`vestige worker\`)
  --any-viewer          do not pin this installation's viewer bundle (nodes of other versions may draw it)
  --redis URL           queue it for \`vestige worker --capability render\` nodes instead of rendering here`;

function size(value: unknown): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(String(value ?? '1920x1080'));
  if (!m) throw new VestigeError('E_USAGE', `--size needs WIDTHxHEIGHT, e.g. 1920x1080, not '${String(value)}'.`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

function number(values: ParsedValues, name: string): number | undefined {
  if (values[name] === undefined) return undefined;
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0)
    throw new VestigeError('E_USAGE', `--${name} must be a positive number, not '${String(values[name])}'.`);
  return n;
}

const OVERLAYS = { case: 'caseReference', frame: 'frameNumber', time: 'time', scale: 'scaleBar' } as const;

/** The recipe fields the options give (the schema fills in the rest and checks them all). */
export async function recipeSettings(
  store: CaseStore,
  sceneId: string,
  values: ParsedValues,
): Promise<Record<string, unknown>> {
  // The render and server packages load here, with the work, never when the command starts.
  const [{ manifestSha256, viewerBundleHash }, { DEFAULT_VIEWER_DIR }] = await Promise.all([
    import('@vestige/render'),
    import('@vestige/server'),
  ]);
  const overlays: Record<string, boolean> = {};
  for (const word of String(values.overlay ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)) {
    const key = OVERLAYS[word as keyof typeof OVERLAYS];
    if (!key) throw new VestigeError('E_USAGE', `--overlay knows case, frame, time and scale, not '${word}'.`);
    overlays[key] = true;
  }
  const edl =
    values.edl === undefined
      ? undefined
      : values.edl === 'on'
        ? true
        : values.edl === 'off'
          ? false
          : values.edl === 'auto'
            ? 'auto'
            : null;
  if (edl === null) throw new VestigeError('E_USAGE', `--edl is on, off or auto, not '${String(values.edl)}'.`);
  const pointSize = number(values, 'point-size');
  const budget = number(values, 'budget');
  return {
    sceneId,
    manifestSha256: manifestSha256(store, sceneId),
    resolution: size(values.size),
    ...(budget ? { pointBudget: budget } : {}),
    point: { ...(pointSize ? { size: pointSize } : {}), ...(values['square-points'] ? { shape: 'square' } : {}) },
    ...(typeof values.color === 'string' ? { colorMode: values.color } : {}),
    ...(edl !== undefined ? { edl: { enabled: edl } } : {}),
    overlays,
    ...(typeof values['render-class'] === 'string' ? { renderClass: values['render-class'] } : {}),
    ...(values['any-viewer'] ? {} : { viewerBundle: viewerBundleHash(DEFAULT_VIEWER_DIR) }),
  };
}

/** Redis when --redis is given, else the embedded queue with this machine's capabilities. */
export async function renderQueue(values: ParsedValues): Promise<QueueBackend> {
  const [{ BullMqQueue, LocalQueue, redisConnection }, { jobRegistry, localCapabilities }] = await Promise.all([
    import('@vestige/jobs'),
    import('./job-types.ts'),
  ]);
  const registry = jobRegistry();
  return typeof values.redis === 'string'
    ? new BullMqQueue(registry, redisConnection(values.redis))
    : new LocalQueue(registry, { capabilities: localCapabilities() });
}
