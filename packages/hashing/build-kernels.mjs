#!/usr/bin/env node
/**
 * Compiles the WebAssembly kernels of @vestige/hashing (src/match/kernels/*.wat) into the .wasm files
 * beside them, with wabt's text-format assembler (the npm package: JavaScript and WebAssembly, no
 * native binary). The .wasm files are committed, so installing and running Vestige needs no
 * assembler; kernels.test.ts compiles each source again and requires the same bytes, so a binary can
 * only be what its source says. Run this after editing a .wat file.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export const kernelsDir = join(dirname(fileURLToPath(import.meta.url)), 'src', 'match', 'kernels');

/** The .wat sources, by name. */
export function kernelSources() {
  return fs
    .readdirSync(kernelsDir)
    .filter((f) => f.endsWith('.wat'))
    .sort()
    .map((f) => join(kernelsDir, f));
}

/** The binary a .wat source assembles to (no debug names: the same source gives the same bytes). */
export async function assemble(watPath) {
  const wabt = await wabtInit();
  const module = wabt.parseWat(watPath, fs.readFileSync(watPath, 'utf8'));
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const source of kernelSources()) {
    const bytes = await assemble(source);
    const target = source.replace(/\.wat$/, '.wasm');
    fs.writeFileSync(target, bytes);
    console.log(`${target}: ${bytes.length} bytes`);
  }
}
