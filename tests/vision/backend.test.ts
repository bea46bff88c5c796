/** Which backend runs the models: WebAssembly with SIMD from npm, never a silent fall-back. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from '../support.ts';

const child = join(repoRoot, 'tests', 'vision', 'backend-child.ts');
const tmp = makeTempDir('vestige-backend-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function select(
  nodeBackendFrom?: string,
  env: Record<string, string> = {},
): { report?: Record<string, unknown>; error?: { code: string; message: string; file: string } } {
  // stderr is kept from the test output: tfjs logs the failing backend's own stack there.
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', child, ...(nodeBackendFrom ? [nodeBackendFrom] : [])],
    { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out) as ReturnType<typeof select>;
}

/** A folder that resolves `@tensorflow/tfjs-node` to a package whose entry does `body`. */
function fakeNodeBackend(name: string, body: string): string {
  const dir = join(tmp, name);
  const pkg = join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }),
  );
  fs.writeFileSync(join(pkg, 'index.js'), body);
  return dir;
}

describe('tfjs backend selection', () => {
  it('runs on the WebAssembly backend with SIMD after an install from the npm registry alone, and records the binary it loaded', () => {
    const { report } = select();
    expect(report).toMatchObject({ backend: 'wasm', simd: true, threads: 1, tfjs: '4.22.0' });
    const requireVision = createRequire(join(repoRoot, 'packages', 'vision', 'package.json'));
    const wasmDir = dirname(requireVision.resolve('@tensorflow/tfjs-backend-wasm'));
    const sha = createHash('sha256')
      .update(fs.readFileSync(join(wasmDir, 'tfjs-backend-wasm-simd.wasm')))
      .digest('hex');
    expect(report!.binary).toEqual({ name: 'tfjs-backend-wasm-simd.wasm', sha256: sha });
    // This install has tfjs-node's package but not its native addon (its install script needs storage.googleapis.com).
    expect(String(report!.nodeBackendUnavailable)).toMatch(/not installed|does not load/);
  });

  it('keeps working on WebAssembly when tfjs-node is installed but its native addon is missing', () => {
    const broken = fakeNodeBackend('broken', "require('./lib/napi-v8/tfjs_binding.node');\n");
    const { report } = select(broken);
    expect(report).toMatchObject({ backend: 'wasm', simd: true });
    expect(String(report!.nodeBackendUnavailable)).toMatch(
      /^installed but does not load: Cannot find module '\.\/lib\/napi-v8\/tfjs_binding\.node'/,
    );
  });

  it('fails with a typed error naming tfjs-node when its addon loads but its backend does not start, instead of falling back to the cpu backend', () => {
    const tfjsPath = createRequire(join(repoRoot, 'packages', 'vision', 'package.json')).resolve('@tensorflow/tfjs');
    const failing = fakeNodeBackend(
      'failing',
      `const tf = require(${JSON.stringify(tfjsPath)});\ntf.registerBackend('tensorflow', () => { throw new Error('libtensorflow could not start'); }, 3);\n`,
    );
    const { error } = select(failing);
    expect(error).toMatchObject({ code: 'E_VISION_BACKEND', file: '@tensorflow/tfjs-node' });
    expect(error!.message).toMatch(/tensorflow backend did not start .*refusing to run models on another backend/);
  });

  it('refuses the tensorflow backend when it is asked for and cannot load', () => {
    const broken = fakeNodeBackend(
      'broken-asked',
      "throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found');\n",
    );
    const { error } = select(broken, { VESTIGE_VISION_BACKEND: 'tensorflow' });
    expect(error).toMatchObject({ code: 'E_VISION_BACKEND', file: '@tensorflow/tfjs-node' });
    expect(error!.message).toMatch(/asked for but cannot load: installed but does not load: The Node.js native addon/);
  });
});
