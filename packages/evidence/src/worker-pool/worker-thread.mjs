// @ts-check
// The worker side of WorkerPool (worker-pool.ts). Plain JavaScript so that `.mjs` worker scripts, which
// start without the TypeScript loader, can use it as well as `.ts` ones; typed with JSDoc and checked by
// `pnpm run typecheck` (checkJs).
import { parentPort } from 'node:worker_threads';

/**
 * What the pool sends: a request with its id, or the id of a request to cancel.
 * @typedef {{ id: number, request: unknown } | { cancel: number }} ToWorker
 */

/**
 * A request's error as it crosses the thread boundary (its Vestige code, or E_INTERNAL).
 * @typedef {{ code: string, message: string, file?: string, hint?: string, details?: Record<string, unknown> }}
 * WorkerFailure
 */

/**
 * What a worker sends back: progress on the way, then one answer per request.
 * @typedef {{ id: number, partial: unknown } | { id: number, ok: true, value: unknown } | { id: number, ok: false,
 * error: WorkerFailure }} FromWorker
 */

/**
 * What a handler gets beside its request.
 * @typedef {object} RequestContext
 * @property {AbortSignal} signal aborted when the caller cancels the request
 * @property {(partial: unknown, transfer?: readonly import('node:worker_threads').Transferable[]) => void} partial
 * sends progress before the answer
 */

/**
 * The code and words of an error thrown by a handler: a Vestige code is kept; anything else is E_INTERNAL
 * (the request failed; E_WORKER_FAILED is kept for a worker that crashed).
 * @param {unknown} err
 * @returns {WorkerFailure}
 */
export function workerFailure(err) {
  const e = /** @type {{ code?: unknown, message?: unknown, file?: unknown, hint?: unknown, details?: unknown }} */ (
    err ?? {}
  );
  const code = typeof e.code === 'string' && /^E_[A-Z0-9_]+$/.test(e.code) ? e.code : 'E_INTERNAL';
  return {
    code,
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.file === 'string' ? { file: e.file } : {}),
    ...(typeof e.hint === 'string' ? { hint: e.hint } : {}),
    ...(e.details && typeof e.details === 'object'
      ? { details: /** @type {Record<string, unknown>} */ (e.details) }
      : {}),
  };
}

/**
 * Answers the pool's requests on this thread: each request runs `handle` (several may run at once when
 * the pool gives a worker more than one), and its value goes back with the buffers `transferOf` names.
 * @template Request, Result
 * @param {(request: Request, context: RequestContext) => Result | Promise<Result>} handle
 * @param {(result: Result) => import('node:worker_threads').Transferable[]} [transferOf]
 */
export function serveRequests(handle, transferOf) {
  const port = parentPort;
  if (!port) throw new Error('serveRequests runs inside a worker thread');
  // Each request's AbortController is made only when its handler reads the signal or it is cancelled:
  // small-file hashing answers thousands of requests a second and never looks.
  /** @type {Map<number, { controller?: AbortController }>} */
  const running = new Map();
  port.on('message', async (/** @type {ToWorker} */ message) => {
    if ('cancel' in message) {
      const entry = running.get(message.cancel);
      if (entry) (entry.controller ??= new AbortController()).abort();
      return;
    }
    const { id } = message;
    /** @type {{ controller?: AbortController }} */
    const entry = {};
    running.set(id, entry);
    /** @type {RequestContext} */
    const context = {
      get signal() {
        return (entry.controller ??= new AbortController()).signal;
      },
      partial: (partial, transfer = []) =>
        port.postMessage(
          /** @type {FromWorker} */ ({ id, partial }),
          /** @type {import('node:worker_threads').Transferable[]} */ (transfer),
        ),
    };
    try {
      const value = await handle(/** @type {Request} */ (message.request), context);
      port.postMessage(/** @type {FromWorker} */ ({ id, ok: true, value }), transferOf ? transferOf(value) : []);
    } catch (err) {
      port.postMessage(/** @type {FromWorker} */ ({ id, ok: false, error: workerFailure(err) }));
    } finally {
      running.delete(id);
    }
  });
}
