import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support.ts';

/**
 * The native peer: bench/peers/pdq-scan.c, compiled here with the system gcc at -O3
 * -march=native (what a user would build), run with one thread per core. Two builds of the one
 * source: `vectorised` (the block-transposed layout gcc turns into AVX-512 VPOPCNTQ — the peer the
 * ratios are taken against) and `plain` (-DPLAIN_LOOP: the straightforward loop with four scalar
 * POPCNT per pair, which earlier runs of this bench used).
 */
export type PeerVariant = 'vectorised' | 'plain';

export interface NativeScan {
  readonly seconds: number;
  /** Per query: the hits as [index, distance, index, distance, …] in the set's order. */
  readonly hits: Uint32Array[];
}

const binaries = new Map<PeerVariant, string>();

export function buildNativePeer(
  workDir: string,
  variant: PeerVariant = 'vectorised',
): { path: string; compiler: string; flags: string[] } {
  const flags = ['-O3', '-march=native', '-pthread', ...(variant === 'plain' ? ['-DPLAIN_LOOP'] : [])];
  const path = join(workDir, `pdq-scan-${variant}`);
  if (!binaries.has(variant)) {
    fs.mkdirSync(workDir, { recursive: true });
    execFileSync('gcc', [...flags, '-o', path, join(repoRoot, 'bench', 'peers', 'pdq-scan.c')], { stdio: 'inherit' });
    binaries.set(variant, path);
  }
  const compiler = spawnSync('gcc', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'gcc';
  return { path, compiler, flags };
}

/** True when the vectorised build really uses VPOPCNTQ (said in the result, not assumed). */
export function peerUsesVpopcntq(workDir: string): boolean {
  const r = spawnSync('objdump', ['-d', buildNativePeer(workDir).path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return r.status === 0 && /vpopcntq/.test(r.stdout);
}

/** Writes hashes (8 words each) as the peer reads them: 32 bytes per hash. */
export function writeHashes(path: string, words: Uint32Array, count: number): void {
  fs.writeFileSync(path, new Uint8Array(words.buffer, words.byteOffset, count * 32));
}

export function runNativePeer(
  workDir: string,
  setPath: string,
  queries: Uint32Array,
  radius: number,
  threads: number,
  variant: PeerVariant = 'vectorised',
): NativeScan {
  const peer = buildNativePeer(workDir, variant);
  const qPath = join(workDir, 'queries.bin');
  const outPath = join(workDir, 'native-hits.bin');
  writeHashes(qPath, queries, queries.length / 8);
  const seconds = Number(
    execFileSync(peer.path, [setPath, qPath, String(radius), String(threads), outPath], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    }).trim(),
  );
  const raw = fs.readFileSync(outPath);
  const u = new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const hits: Uint32Array[] = [];
  for (let i = 0; i < u.length; ) {
    const c = u[i++]!;
    hits.push(u.slice(i, i + 2 * c));
    i += 2 * c;
  }
  fs.rmSync(outPath);
  return { seconds, hits };
}
