// @ts-check
// A worker for WorkerPool's own tests (worker-pool.test.ts): each request kind exercises one way a
// request can end. Requests that wait do so on shared memory the test releases, never on a timer.
import { threadId } from 'node:worker_threads';
import { serveRequests } from './worker-thread.mjs';

/**
 * @typedef {{ type: 'echo', value: unknown }
 *   | { type: 'gate', gates: Int32Array, index: number, value: unknown }
 *   | { type: 'throw', code?: string, file?: string }
 *   | { type: 'exit', code: number }
 *   | { type: 'uncaught' }
 *   | { type: 'until-cancelled', started: Int32Array }
 *   | { type: 'progress', steps: number }
 *   | { type: 'load', value: string }
 *   | { type: 'loaded' }
 *   | { type: 'sum', bytes: ArrayBuffer }} ProbeRequest
 */

/** @type {string | undefined} */
let loaded;

/**
 * Atomics.waitAsync (Node 16+; TypeScript's lib has it from ES2024 only).
 * @type {(array: Int32Array, index: number, value: number) => { value: Promise<string> | string }}
 */
const waitAsync = /** @type {any} */ (Atomics).waitAsync;

/**
 * Resolves once the test stores a non-zero value at `index` and notifies.
 * @param {Int32Array} gates
 * @param {number} index
 */
async function gateOpens(gates, index) {
  while (Atomics.load(gates, index) === 0) await waitAsync(gates, index, 0).value;
}

serveRequests(
  /** @type {(request: ProbeRequest, context: import('./worker-thread.mjs').RequestContext) => Promise<unknown>} */
  async (request, { signal, partial }) => {
    switch (request.type) {
      case 'echo':
        return { value: request.value, threadId };
      case 'gate':
        await gateOpens(request.gates, request.index);
        return { value: request.value, threadId };
      case 'throw': {
        if (!request.code) throw new Error('the probe failed as asked');
        throw Object.assign(new Error('the probe refused the file'), {
          code: request.code,
          file: request.file,
          hint: 'Give it another file.',
        });
      }
      case 'exit':
        process.exit(request.code);
        break;
      case 'uncaught':
        setImmediate(() => {
          throw new Error('an error no request caught');
        });
        return new Promise(() => {});
      case 'until-cancelled':
        Atomics.store(request.started, 0, 1);
        Atomics.notify(request.started, 0);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return 'stopped';
      case 'progress':
        for (let i = 1; i <= request.steps; i++) partial(i);
        return 'done';
      case 'load':
        loaded = request.value;
        return threadId;
      case 'loaded':
        return loaded;
      case 'sum':
        return new Uint8Array(request.bytes).reduce((a, b) => a + b, 0);
    }
  },
);
