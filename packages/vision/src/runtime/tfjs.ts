import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';

export type Tf = typeof Tfjs;

const requireHere = createRequire(import.meta.url);
let loaded: Tf | undefined;

/**
 * The thread's one tfjs instance, loaded on first use as CommonJS: the same module object that
 * face-api's node build requires, so both share one engine and one backend registry. Loading it costs
 * about 0.4 s, so commands that never run a model never pay for it.
 */
export function tfjs(): Tf {
  loaded ??= requireHere('@tensorflow/tfjs') as Tf;
  return loaded;
}

/** The WebAssembly backend's module (registers the `wasm` backend with the same engine). */
export function tfjsWasm(): typeof import('@tensorflow/tfjs-backend-wasm') {
  return requireHere('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
}

/** Resolves a package's folder from this package (npm packages ship the model files). */
export function packageFolder(name: string): string {
  // The package's own package.json is not always exported, so resolve its entry and walk up to it.
  const entry = requireHere.resolve(name);
  const marker = `/node_modules/${name}/`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the folder of ${name} from ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}
