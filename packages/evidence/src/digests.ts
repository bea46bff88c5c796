import * as cryptoModule from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import type { Digests } from './types.ts';

/** Incremental MD5 + SHA-1 + SHA-256 over one pass of the bytes. */
export class MultiHasher {
  private readonly md5: Hash = createHash('md5');
  private readonly sha1: Hash = createHash('sha1');
  private readonly sha256: Hash = createHash('sha256');
  private size = 0;

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha1.update(chunk);
    this.sha256.update(chunk);
    this.size += chunk.byteLength;
  }

  digest(): Digests {
    return {
      md5: this.md5.digest('hex'),
      sha1: this.sha1.digest('hex'),
      sha256: this.sha256.digest('hex'),
      size: this.size,
    };
  }
}

export function digestBuffer(buf: Uint8Array): Digests {
  const h = new MultiHasher();
  h.update(buf);
  return h.digest();
}

/**
 * One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12): about half the cost of createHash/update/digest for the
 * small strings the verifier hashes by the million (events, rows).
 */
export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}
const oneShotHash = (
  cryptoModule as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }
).hash;

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}
