import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { packageFolder, tfjs, tfjsWasm } from './tfjs.ts';

/**
 * Which backend runs the models. Results differ between backends in the last bits, so it is part of every result's
 * identity.
 */
export interface BackendIdentity {
  /** `wasm` (the default, from npm) or `tensorflow` (tfjs-node's native libtensorflow, when its addon loads). */
  readonly backend: 'wasm' | 'tensorflow';
  /** tfjs-core version. */
  readonly tfjs: string;
  /** WebAssembly SIMD in use (wasm backend). */
  readonly simd: boolean;
  /**
   * Threads one model run uses: 1 for wasm in Node (its threaded build needs web workers); parallelism comes from one
   * worker thread per core.
   */
  readonly threads: number;
  /** The WebAssembly binary that was loaded, by name and SHA-256 (wasm backend). */
  readonly binary: { readonly name: string; readonly sha256: string } | null;
}

export type BackendChoice = 'auto' | 'wasm' | 'tensorflow';

export interface BackendOptions {
  /** `auto` (default): tfjs-node when its native addon loads, else wasm. Also read from VESTIGE_VISION_BACKEND. */
  readonly prefer?: BackendChoice;
  /** Where to resolve `@tensorflow/tfjs-node` from (tests point this at a broken copy). */
  readonly nodeBackendFrom?: string;
}

export interface BackendReport extends BackendIdentity {
  /** Why tfjs-node is not in use, when it is not (e.g. its addon did not load). */
  readonly nodeBackendUnavailable: string | null;
}

let current: Promise<BackendReport> | undefined;

/**
 * Selects the backend once per thread. tfjs-node is used only when requiring it succeeds, which
 * loads its native addon: pnpm can leave the package installed without the libtensorflow it
 * downloads at install time, so its presence proves nothing. The result of `setBackend` is checked
 * and the active backend read back: tfjs otherwise carries on with its slow `cpu` backend when the
 * chosen one fails to start.
 */
export function selectBackend(options: BackendOptions = {}): Promise<BackendReport> {
  current ??= start(options).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}

async function start(options: BackendOptions): Promise<BackendReport> {
  const prefer = options.prefer ?? parseChoice(process.env.VESTIGE_VISION_BACKEND);
  const tf = tfjs();
  let nodeBackendUnavailable: string | null = 'not tried (wasm was asked for)';
  if (prefer !== 'wasm') {
    nodeBackendUnavailable = loadNodeBackend(options.nodeBackendFrom ?? packageFolder('@tensorflow/tfjs'));
    if (nodeBackendUnavailable === null) {
      await activate('tensorflow');
      return {
        backend: 'tensorflow',
        tfjs: tf.version_core,
        simd: false,
        threads: 0,
        binary: null,
        nodeBackendUnavailable,
      };
    }
    if (prefer === 'tensorflow') {
      throw new VestigeError(
        'E_VISION_BACKEND',
        `the tensorflow (tfjs-node) backend was asked for but cannot load: ${nodeBackendUnavailable}`,
        {
          file: '@tensorflow/tfjs-node',
          hint: 'Use the default WebAssembly backend (unset VESTIGE_VISION_BACKEND), or install tfjs-node where its libtensorflow download can run.',
        },
      );
    }
  }
  const binary = prepareWasm();
  await activate('wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return {
    backend: 'wasm',
    tfjs: tf.version_core,
    simd,
    threads: 1,
    binary: {
      name: simd ? binary.simd.name : binary.plain.name,
      sha256: simd ? binary.simd.sha256 : binary.plain.sha256,
    },
    nodeBackendUnavailable,
  };
}

function parseChoice(value: string | undefined): BackendChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'wasm' || value === 'tensorflow') return value;
  throw new VestigeError('E_USAGE', `VESTIGE_VISION_BACKEND must be auto, wasm or tensorflow, not '${value}'`);
}

/** Returns null when tfjs-node loaded (its addon included), else why it did not. */
function loadNodeBackend(from: string): string | null {
  try {
    createRequire(join(from, 'package.json'))('@tensorflow/tfjs-node');
    return null;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? String(err);
    return (err as { code?: string }).code === 'MODULE_NOT_FOUND' && message.includes("'@tensorflow/tfjs-node'")
      ? 'not installed'
      : `installed but does not load: ${message.trim()}`;
  }
}

/** Points the wasm backend at its binaries by file (read once here to record their hashes). */
function prepareWasm() {
  const wasm = tfjsWasm();
  const dir = join(packageFolder('@tensorflow/tfjs-backend-wasm'), 'dist');
  const file = (name: string) => {
    const path = join(dir, name);
    try {
      return { name, path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    } catch (err) {
      throw new VestigeError('E_VISION_BACKEND', `the WebAssembly backend's binary ${name} cannot be read`, {
        file: path,
        hint: 'Reinstall with `pnpm install`.',
        cause: err,
      });
    }
  };
  const plain = file('tfjs-backend-wasm.wasm');
  const simd = file('tfjs-backend-wasm-simd.wasm');
  // The threaded build is never loaded in Node (tfjs turns threads off there); the map must still name it.
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': plain.path,
    'tfjs-backend-wasm-simd.wasm': simd.path,
    'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
  });
  return { plain, simd };
}

async function activate(name: 'wasm' | 'tensorflow'): Promise<void> {
  const tf = tfjs();
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    cause = err;
  }
  const active = tf.getBackend();
  if (!ok || active !== name) {
    throw new VestigeError(
      'E_VISION_BACKEND',
      `the ${name} backend did not start (tfjs reports ${active ?? 'no backend'}); refusing to run models on another backend`,
      {
        file: name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-node',
        hint: 'Results are recorded with the backend that made them, and the cpu fallback is far slower. Reinstall with `pnpm install`; run `vestige doctor` to see the backend.',
        cause,
      },
    );
  }
}

/** A short stable label, e.g. `wasm-simd/tfjs-4.22.0`, for cache keys and reports. */
export function backendLabel(id: BackendIdentity): string {
  return `${id.backend}${id.backend === 'wasm' ? (id.simd ? '-simd' : '-nosimd') : ''}/tfjs-${id.tfjs}`;
}
