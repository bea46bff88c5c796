/**
 * LASzip's point-wise item decoders (POINT10 v2, GPSTIME11 v2, RGB12 v2, BYTE v2 and WAVEPACKET13 v1),
 * written for Vestige after LASzip's description of them, for the two cases laz-perf cannot take:
 * point formats 4 and 5 (their wave packets are coded in the same stream as the points) and point-wise
 * chunks without a chunk table, whose ends are only known by decoding them — the decoder's read position
 * after a chunk's last point is exactly the chunk's end (LASzip's encoder flushes the four bytes its
 * decoder reads ahead). Slower than laz-perf; used only there.
 *
 * A chunk is the first record raw, then one arithmetic stream carrying every item of every later point.
 */
import { ArithmeticDecoder, IntegerCoder, SymbolModel } from './laz-entropy.ts';
import type { LaszipVlr } from './laz-chunks.ts';

/** LASzip item types (laszip.hpp). */
export const LASZIP_ITEM = {
  BYTE: 0,
  POINT10: 6,
  GPSTIME11: 7,
  RGB12: 8,
  WAVEPACKET13: 9,
  POINT14: 10,
  RGB14: 11,
  RGBNIR14: 12,
  WAVEPACKET14: 13,
  BYTE14: 14,
} as const;

interface ItemDecoder {
  /** Starts a chunk from the item's raw first value at `at` in `record`. */
  init(record: Uint8Array, at: number): void;
  /** Decodes the next value into `record` at `at`. */
  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void;
}

const fold = (n: number): number => (n < 0 ? n + 256 : n > 255 ? n - 256 : n);
const clamp = (n: number): number => (n <= 0 ? 0 : n >= 255 ? 255 : n);

/** Context tables of LASzip's POINT10 v2 (laszip_common_v2): by number of returns n and return r. */
const RETURN_MAP = [
  [15, 14, 13, 12, 11, 10, 9, 8],
  [14, 0, 1, 3, 6, 10, 10, 9],
  [13, 1, 2, 4, 7, 11, 11, 10],
  [12, 3, 4, 5, 8, 12, 12, 11],
  [11, 6, 7, 8, 9, 13, 13, 12],
  [10, 10, 11, 12, 13, 14, 14, 13],
  [9, 10, 11, 12, 13, 14, 15, 14],
  [8, 9, 10, 11, 12, 13, 14, 15],
];
const RETURN_LEVEL = (n: number, r: number): number => Math.abs(n - r);

/** Median of the last five values, kept the way LASzip's StreamingMedian5 keeps it. */
class Median5 {
  private v = [0, 0, 0, 0, 0];
  private high = true;
  get(): number {
    return this.v[2]!;
  }
  add(x: number): void {
    const v = this.v;
    if (this.high) {
      if (x < v[2]!) {
        v[4] = v[3]!;
        v[3] = v[2]!;
        if (x < v[0]!) [v[2], v[1], v[0]] = [v[1]!, v[0]!, x];
        else if (x < v[1]!) [v[2], v[1]] = [v[1]!, x];
        else v[2] = x;
      } else {
        if (x < v[3]!) [v[4], v[3]] = [v[3]!, x];
        else v[4] = x;
        this.high = false;
      }
    } else if (v[2]! < x) {
      v[0] = v[1]!;
      v[1] = v[2]!;
      if (v[4]! < x) [v[2], v[3], v[4]] = [v[3]!, v[4]!, x];
      else if (v[3]! < x) [v[2], v[3]] = [v[3]!, x];
      else v[2] = x;
    } else {
      if (v[1]! < x) [v[0], v[1]] = [v[1]!, x];
      else v[0] = x;
      this.high = true;
    }
  }
}

class Point10 implements ItemDecoder {
  private readonly last = new Uint8Array(20);
  private readonly view = new DataView(this.last.buffer);
  private changed = new SymbolModel(64, true);
  private intensity = new IntegerCoder(4, true, 16);
  private scanAngle = [new SymbolModel(256, true), new SymbolModel(256, true)];
  private pointSource = new IntegerCoder(1, true, 16);
  private bitByte = new Map<number, SymbolModel>();
  private classification = new Map<number, SymbolModel>();
  private userData = new Map<number, SymbolModel>();
  private dx = new IntegerCoder(2, true);
  private dy = new IntegerCoder(22, true);
  private dz = new IntegerCoder(20, true);
  private xMedian: Median5[] = [];
  private yMedian: Median5[] = [];
  private lastIntensity = new Uint16Array(16);
  private lastHeight = new Int32Array(8);

  init(record: Uint8Array, at: number): void {
    // Models restart with each chunk (LASzip initialises them again).
    Object.assign(this, new Point10());
    this.last.set(record.subarray(at, at + 20));
    this.last[12] = this.last[13] = 0;
    this.xMedian = Array.from({ length: 16 }, () => new Median5());
    this.yMedian = Array.from({ length: 16 }, () => new Median5());
  }

  private static byteModel(models: Map<number, SymbolModel>, key: number): SymbolModel {
    let m = models.get(key);
    if (!m) models.set(key, (m = new SymbolModel(256, true)));
    return m;
  }

  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void {
    const last = this.last;
    const view = this.view;
    const changed = dec.decodeSymbol(this.changed);
    if (changed & 32) last[14] = dec.decodeSymbol(Point10.byteModel(this.bitByte, last[14]!));
    const r = last[14]! & 7;
    const n = (last[14]! >> 3) & 7;
    const m = RETURN_MAP[n]![r]!;
    const l = RETURN_LEVEL(n, r);
    if (changed & 16)
      view.setUint16(
        12,
        (this.lastIntensity[m] = this.intensity.decompress(dec, this.lastIntensity[m]!, m < 3 ? m : 3)),
        true,
      );
    else view.setUint16(12, this.lastIntensity[m]!, true);
    if (changed & 8) last[15] = dec.decodeSymbol(Point10.byteModel(this.classification, last[15]!));
    if (changed & 4) last[16] = fold(dec.decodeSymbol(this.scanAngle[(last[14]! >> 6) & 1]!) + last[16]!);
    if (changed & 2) last[17] = dec.decodeSymbol(Point10.byteModel(this.userData, last[17]!));
    if (changed & 1) view.setUint16(18, this.pointSource.decompress(dec, view.getUint16(18, true)), true);
    const one = n === 1 ? 1 : 0;
    const dx = this.dx.decompress(dec, this.xMedian[m]!.get(), one);
    view.setInt32(0, (view.getInt32(0, true) + dx) | 0, true);
    this.xMedian[m]!.add(dx);
    const kx = this.dx.k;
    const dy = this.dy.decompress(dec, this.yMedian[m]!.get(), one + (kx < 20 ? kx & ~1 : 20));
    view.setInt32(4, (view.getInt32(4, true) + dy) | 0, true);
    this.yMedian[m]!.add(dy);
    const kz = (this.dx.k + this.dy.k) >>> 1;
    const z = this.dz.decompress(dec, this.lastHeight[l]!, one + (kz < 18 ? kz & ~1 : 18));
    view.setInt32(8, z, true);
    this.lastHeight[l] = z;
    record.set(last, at);
  }
}

const MULTI = 500;
const MULTI_MINUS = -10;
const MULTI_UNCHANGED = MULTI - MULTI_MINUS + 1;
const MULTI_CODE_FULL = MULTI - MULTI_MINUS + 2;
const MULTI_TOTAL = MULTI - MULTI_MINUS + 6;

/** GPS time as the 64-bit integer of its IEEE bits, predicted from up to four interleaved sequences. */
class GpsTime11 implements ItemDecoder {
  private multi = new SymbolModel(MULTI_TOTAL, true);
  private zeroDiff = new SymbolModel(6, true);
  private ic = new IntegerCoder(9, true);
  private lastTime = [0n, 0n, 0n, 0n];
  private lastDiff = [0, 0, 0, 0];
  private extreme = [0, 0, 0, 0];
  private current = 0;
  private next = 0;
  private readonly bytes = new DataView(new ArrayBuffer(8));

  init(record: Uint8Array, at: number): void {
    Object.assign(this, new GpsTime11());
    this.lastTime[0] = new DataView(record.buffer, record.byteOffset + at, 8).getBigInt64(0, true);
  }

  private full(dec: ArithmeticDecoder): void {
    this.next = (this.next + 1) & 3;
    const high = this.ic.decompress(dec, Number(BigInt.asIntN(32, this.lastTime[this.current]! >> 32n)), 8);
    this.lastTime[this.next] = BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(dec.readInt()));
    this.current = this.next;
    this.lastDiff[this.current] = 0;
    this.extreme[this.current] = 0;
  }

  private add(diff: number): void {
    this.lastTime[this.current] = BigInt.asIntN(64, this.lastTime[this.current]! + BigInt(diff));
  }

  /** A difference coded against a multiple of the last one; after four extreme ones it becomes the new last. */
  private multiple(dec: ArithmeticDecoder, multi: number): number {
    const last = this.lastDiff[this.current]!;
    const extreme = (diff: number): number => {
      if (++this.extreme[this.current]! > 3) {
        this.lastDiff[this.current] = diff;
        this.extreme[this.current] = 0;
      }
      return diff;
    };
    if (multi === 0) return extreme(this.ic.decompress(dec, 0, 7));
    if (multi < MULTI) return this.ic.decompress(dec, Math.imul(multi, last), multi < 10 ? 2 : 3);
    if (multi === MULTI) return extreme(this.ic.decompress(dec, Math.imul(MULTI, last), 4));
    const back = MULTI - multi;
    if (back > MULTI_MINUS) return this.ic.decompress(dec, Math.imul(back, last), 5);
    return extreme(this.ic.decompress(dec, Math.imul(MULTI_MINUS, last), 6));
  }

  private decode(dec: ArithmeticDecoder): void {
    if (this.lastDiff[this.current] === 0) {
      const multi = dec.decodeSymbol(this.zeroDiff);
      if (multi === 1) {
        this.add((this.lastDiff[this.current] = this.ic.decompress(dec, 0, 0)));
        this.extreme[this.current] = 0;
      } else if (multi === 2) this.full(dec);
      else if (multi > 2) {
        this.current = (this.current + multi - 2) & 3;
        this.decode(dec);
      }
      return;
    }
    const multi = dec.decodeSymbol(this.multi);
    if (multi === 1) {
      this.add(this.ic.decompress(dec, this.lastDiff[this.current]!, 1));
      this.extreme[this.current] = 0;
    } else if (multi < MULTI_UNCHANGED) this.add(this.multiple(dec, multi));
    else if (multi === MULTI_CODE_FULL) this.full(dec);
    else if (multi > MULTI_CODE_FULL) {
      this.current = (this.current + multi - MULTI_CODE_FULL) & 3;
      this.decode(dec);
    }
  }

  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void {
    this.decode(dec);
    this.bytes.setBigInt64(0, this.lastTime[this.current]!, true);
    record.set(new Uint8Array(this.bytes.buffer), at);
  }
}

class Rgb12 implements ItemDecoder {
  private used = new SymbolModel(128, true);
  private diff = Array.from({ length: 6 }, () => new SymbolModel(256, true));
  private last = new Uint16Array(3);

  init(record: Uint8Array, at: number): void {
    Object.assign(this, new Rgb12());
    const v = new DataView(record.buffer, record.byteOffset + at, 6);
    for (let k = 0; k < 3; k++) this.last[k] = v.getUint16(2 * k, true);
  }

  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void {
    const last = this.last;
    const d = this.diff;
    const sym = dec.decodeSymbol(this.used);
    const lo = (k: number): number => last[k]! & 0xff;
    const hi = (k: number): number => last[k]! >> 8;
    const c = [0, 0, 0];
    c[0] = sym & 1 ? fold(dec.decodeSymbol(d[0]!) + lo(0)) : lo(0);
    c[0] |= (sym & 2 ? fold(dec.decodeSymbol(d[1]!) + hi(0)) : hi(0)) << 8;
    if (sym & 64) {
      let diff = (c[0]! & 0xff) - lo(0);
      c[1] = sym & 4 ? fold(dec.decodeSymbol(d[2]!) + clamp(diff + lo(1))) : lo(1);
      if (sym & 16) {
        diff = Math.trunc((diff + ((c[1]! & 0xff) - lo(1))) / 2);
        c[2] = fold(dec.decodeSymbol(d[4]!) + clamp(diff + lo(2)));
      } else c[2] = lo(2);
      diff = (c[0]! >> 8) - hi(0);
      c[1] |= (sym & 8 ? fold(dec.decodeSymbol(d[3]!) + clamp(diff + hi(1))) : hi(1)) << 8;
      if (sym & 32) {
        diff = Math.trunc((diff + ((c[1]! >> 8) - hi(1))) / 2);
        c[2] |= fold(dec.decodeSymbol(d[5]!) + clamp(diff + hi(2))) << 8;
      } else c[2] |= hi(2) << 8;
    } else c[1] = c[2] = c[0]!;
    for (let k = 0; k < 3; k++) {
      last[k] = c[k]!;
      record[at + 2 * k] = c[k]! & 0xff;
      record[at + 2 * k + 1] = c[k]! >> 8;
    }
  }
}

class Bytes implements ItemDecoder {
  private models: SymbolModel[];
  private last: Uint8Array;
  constructor(private readonly n: number) {
    this.models = Array.from({ length: n }, () => new SymbolModel(256, true));
    this.last = new Uint8Array(n);
  }
  init(record: Uint8Array, at: number): void {
    this.models = Array.from({ length: this.n }, () => new SymbolModel(256, true));
    this.last = record.slice(at, at + this.n);
  }
  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void {
    for (let i = 0; i < this.n; i++)
      record[at + i] = this.last[i] = fold(this.last[i]! + dec.decodeSymbol(this.models[i]!));
  }
}

/** The 29-byte wave-packet descriptor: index, then offset, size, return point and x/y/z(t) predicted from the last. */
class WavePacket13 implements ItemDecoder {
  private index = new SymbolModel(256, true);
  private offsetDiff = Array.from({ length: 4 }, () => new SymbolModel(4, true));
  private icOffset = new IntegerCoder(1, true);
  private icSize = new IntegerCoder(1, true);
  private icReturn = new IntegerCoder(1, true);
  private icXyz = new IntegerCoder(3, true);
  private lastDiff32 = 0;
  private lastSym = 0;
  private last = new DataView(new ArrayBuffer(28));

  init(record: Uint8Array, at: number): void {
    Object.assign(this, new WavePacket13());
    new Uint8Array(this.last.buffer).set(record.subarray(at + 1, at + 29));
  }

  read(dec: ArithmeticDecoder, record: Uint8Array, at: number): void {
    const last = this.last;
    record[at] = dec.decodeSymbol(this.index);
    const lastOffset = last.getBigUint64(0, true);
    const lastSize = last.getUint32(8, true);
    this.lastSym = dec.decodeSymbol(this.offsetDiff[this.lastSym]!);
    let offset: bigint;
    if (this.lastSym === 0) offset = lastOffset;
    else if (this.lastSym === 1) offset = lastOffset + BigInt(lastSize);
    else if (this.lastSym === 2) {
      this.lastDiff32 = this.icOffset.decompress(dec, this.lastDiff32);
      offset = lastOffset + BigInt(this.lastDiff32);
    } else offset = dec.readInt64();
    last.setBigUint64(0, BigInt.asUintN(64, offset), true);
    last.setUint32(8, this.icSize.decompress(dec, lastSize | 0) >>> 0, true);
    last.setInt32(12, this.icReturn.decompress(dec, last.getInt32(12, true)), true);
    for (let k = 0; k < 3; k++)
      last.setInt32(16 + 4 * k, this.icXyz.decompress(dec, last.getInt32(16 + 4 * k, true), k), true);
    record.set(new Uint8Array(last.buffer), at + 1);
  }
}

/** True when every item of the file is one this module decodes. */
export function pointwiseDecodable(items: LaszipVlr['items']): boolean {
  return items.every(
    (i) =>
      (i.type === LASZIP_ITEM.POINT10 && i.version === 2) ||
      (i.type === LASZIP_ITEM.GPSTIME11 && i.version === 2) ||
      (i.type === LASZIP_ITEM.RGB12 && i.version === 2) ||
      (i.type === LASZIP_ITEM.BYTE && i.version === 2) ||
      (i.type === LASZIP_ITEM.WAVEPACKET13 && i.version === 1),
  );
}

export class PointwiseChunkDecoder {
  private readonly items: { decoder: ItemDecoder; at: number }[] = [];
  readonly recordLength: number;

  constructor(items: LaszipVlr['items']) {
    let at = 0;
    for (const i of items) {
      const decoder =
        i.type === LASZIP_ITEM.POINT10
          ? new Point10()
          : i.type === LASZIP_ITEM.GPSTIME11
            ? new GpsTime11()
            : i.type === LASZIP_ITEM.RGB12
              ? new Rgb12()
              : i.type === LASZIP_ITEM.WAVEPACKET13
                ? new WavePacket13()
                : new Bytes(i.size);
      this.items.push({ decoder, at });
      at += i.size;
    }
    this.recordLength = at;
  }

  /**
   * Decodes a chunk of `points` records starting at `start` in `bytes` into `out` (points × record
   * length); returns the offset just past the chunk's coded bytes.
   */
  decode(bytes: Uint8Array, start: number, points: number, out: Uint8Array): number {
    const len = this.recordLength;
    out.set(bytes.subarray(start, start + len), 0);
    for (const { decoder, at } of this.items) decoder.init(out, at);
    // The coder starts (reading four bytes) after the raw record even when the chunk holds one point.
    const dec = new ArithmeticDecoder(bytes, start + len);
    for (let p = 1; p < points; p++) for (const { decoder, at } of this.items) decoder.read(dec, out, p * len + at);
    return dec.offset;
  }
}
