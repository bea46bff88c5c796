// @ts-check
// Starts a TypeScript worker script (WorkerPool's rule for `.ts` scripts): worker threads do not inherit
// the parent's tsx loader, so it is registered here first. tsx is found from the script's own package,
// which declares it (@vestige/evidence itself needs no loader). `require.resolve` gives tsx's CommonJS
// entry, whose register() cannot load the ESM hooks, so the ESM entry is read from tsx's export map.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const script = /** @type {{ script: string }} */ (workerData).script;
/** tsx's package.json: the nearest one above its resolved CommonJS entry. */
let root = dirname(createRequire(script).resolve('tsx/esm/api'));
while (!existsSync(join(root, 'package.json'))) root = dirname(root);
const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports;
const { register } = /** @type {{ register: () => unknown }} */ (
  await import(pathToFileURL(join(root, exportsMap['./esm/api'].import.default)).href)
);
register();
await import(script);
