/**
 * Hex and bit helpers shared by the perceptual hashes, the hash-set readers and the match index.
 * Hashes are carried as big-endian byte arrays: the hex a tool prints, read two characters a byte.
 */

const HEX_RE = /^[0-9a-fA-F]*$/;

export function isHex(value: string, length?: number): boolean {
  return (length === undefined || value.length === length) && value.length % 2 === 0 && HEX_RE.test(value);
}

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Number of set bits in a 32-bit integer (SWAR). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two equal-length byte arrays. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`hash lengths differ: ${a.length} and ${b.length} bytes`);
  let d = 0;
  let i = 0;
  for (; i + 4 <= a.length; i += 4) {
    d += popcount32(
      ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) ^
        ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!),
    );
  }
  for (; i < a.length; i++) d += popcount32(a[i]! ^ b[i]!);
  return d;
}

/** Hamming distance between two hex strings of equal length. */
export function hammingDistanceHex(a: string, b: string): number {
  return hammingDistance(hexToBytes(a), hexToBytes(b));
}
