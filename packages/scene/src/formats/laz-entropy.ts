/**
 * The adaptive arithmetic coder of LASzip (Amir Said's FastAC as adapted by Martin Isenburg), enough of
 * it to read and write a LAZ chunk table: the table that says where each compressed chunk starts is
 * itself coded with LASzip's integer compressor (32-bit, two contexts). laz-perf's WebAssembly build
 * decodes chunks but does not expose the table, and without it chunks cannot be handed to threads.
 *
 * Everything is unsigned 32-bit arithmetic, so values are kept with `>>> 0`; products stay below 2^32
 * (probabilities are 15 or 13 bits, lengths are shifted down first) and are exact in doubles.
 */

const MIN_LENGTH = 0x01000000;
const MAX_LENGTH = 0xffffffff;
const LENGTH_SHIFT = 15;
const MAX_COUNT = 1 << LENGTH_SHIFT;
const BIT_LENGTH_SHIFT = 13;
const BIT_MAX_COUNT = 1 << BIT_LENGTH_SHIFT;

/** Adaptive model over `symbols` symbols (LASzip's ArithmeticModel). */
export class SymbolModel {
  readonly distribution: Uint32Array;
  private readonly counts: Uint32Array;
  /** Speeds up decoding of big alphabets (only built for decoders, as LASzip does). */
  readonly table: Uint32Array | undefined;
  readonly tableShift: number;
  private totalCount = 0;
  private updateCycle: number;
  untilUpdate: number;
  readonly last: number;

  constructor(
    readonly symbols: number,
    forDecoding: boolean,
  ) {
    this.distribution = new Uint32Array(symbols);
    this.counts = new Uint32Array(symbols).fill(1);
    this.last = symbols - 1;
    if (forDecoding && symbols > 16) {
      let bits = 3;
      while (symbols > 1 << (bits + 2)) bits++;
      this.table = new Uint32Array((1 << bits) + 2);
      this.tableShift = LENGTH_SHIFT - bits;
    } else {
      this.table = undefined;
      this.tableShift = 0;
    }
    this.updateCycle = symbols;
    this.untilUpdate = symbols;
    this.update();
    this.updateCycle = (symbols + 6) >>> 1;
    this.untilUpdate = this.updateCycle;
  }

  count(symbol: number): void {
    this.counts[symbol]!++;
    if (--this.untilUpdate === 0) this.update();
  }

  private update(): void {
    this.totalCount += this.updateCycle;
    if (this.totalCount > MAX_COUNT) {
      this.totalCount = 0;
      for (let n = 0; n < this.symbols; n++) this.totalCount += this.counts[n] = (this.counts[n]! + 1) >>> 1;
    }
    const scale = Math.floor(0x80000000 / this.totalCount);
    let sum = 0;
    if (!this.table) {
      for (let k = 0; k < this.symbols; k++) {
        this.distribution[k] = (scale * sum) >>> (31 - LENGTH_SHIFT);
        sum += this.counts[k]!;
      }
    } else {
      const table = this.table;
      let s = 0;
      for (let k = 0; k < this.symbols; k++) {
        this.distribution[k] = (scale * sum) >>> (31 - LENGTH_SHIFT);
        sum += this.counts[k]!;
        const w = this.distribution[k]! >>> this.tableShift;
        while (s < w) table[++s] = k - 1;
      }
      table[0] = 0;
      while (s <= table.length - 2) table[++s] = this.symbols - 1;
    }
    this.updateCycle = Math.min((5 * this.updateCycle) >>> 2, (this.symbols + 6) << 3);
    this.untilUpdate = this.updateCycle;
  }
}

/** Adaptive binary model (LASzip's ArithmeticBitModel). */
export class BitModel {
  zeroProbability = 1 << (BIT_LENGTH_SHIFT - 1);
  private zeros = 1;
  private total = 2;
  private updateCycle = 4;
  private untilUpdate = 4;

  count(bit: number): void {
    if (bit === 0) this.zeros++;
    if (--this.untilUpdate === 0) this.update();
  }

  private update(): void {
    this.total += this.updateCycle;
    if (this.total > BIT_MAX_COUNT) {
      this.total = (this.total + 1) >>> 1;
      this.zeros = (this.zeros + 1) >>> 1;
      if (this.zeros === this.total) this.total++;
    }
    const scale = Math.floor(0x80000000 / this.total);
    this.zeroProbability = (this.zeros * scale) >>> (31 - BIT_LENGTH_SHIFT);
    this.updateCycle = Math.min((5 * this.updateCycle) >>> 2, 64);
    this.untilUpdate = this.updateCycle;
  }
}

export class ArithmeticDecoder {
  private value = 0;
  private length = MAX_LENGTH;
  private at: number;

  /** Starts decoding at `start` (reads the four initial bytes). */
  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.at = start;
    for (let i = 0; i < 4; i++) this.value = ((this.value << 8) | this.byte()) >>> 0;
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('arithmetic decoder ran past its input');
    return this.bytes[this.at++]!;
  }

  private renormalise(): void {
    do {
      this.value = ((this.value << 8) | this.byte()) >>> 0;
      this.length = (this.length << 8) >>> 0;
    } while (this.length < MIN_LENGTH);
  }

  decodeBit(m: BitModel): number {
    const x = m.zeroProbability * (this.length >>> BIT_LENGTH_SHIFT);
    const bit = this.value >= x ? 1 : 0;
    if (bit === 0) this.length = x;
    else {
      this.value = (this.value - x) >>> 0;
      this.length = (this.length - x) >>> 0;
    }
    if (this.length < MIN_LENGTH) this.renormalise();
    m.count(bit);
    return bit;
  }

  decodeSymbol(m: SymbolModel): number {
    let x: number;
    let y = this.length;
    let symbol: number;
    const d = m.distribution;
    if (m.table) {
      this.length = this.length >>> LENGTH_SHIFT;
      const dv = Math.floor(this.value / this.length);
      const t = dv >>> m.tableShift;
      symbol = m.table[t]!;
      let n = m.table[t + 1]! + 1;
      while (n > symbol + 1) {
        const k = (symbol + n) >>> 1;
        if (d[k]! > dv) n = k;
        else symbol = k;
      }
      x = d[symbol]! * this.length;
      if (symbol !== m.last) y = d[symbol + 1]! * this.length;
    } else {
      x = 0;
      symbol = 0;
      this.length = this.length >>> LENGTH_SHIFT;
      let n = m.symbols;
      let k = n >>> 1;
      do {
        const z = this.length * d[k]!;
        if (z > this.value) {
          n = k;
          y = z;
        } else {
          symbol = k;
          x = z;
        }
      } while ((k = (symbol + n) >>> 1) !== symbol);
    }
    this.value = (this.value - x) >>> 0;
    this.length = (y - x) >>> 0;
    if (this.length < MIN_LENGTH) this.renormalise();
    m.count(symbol);
    return symbol;
  }

  /** Where the next byte would be read: after a chunk's last symbol, the end of its coded bytes. */
  get offset(): number {
    return this.at;
  }

  readInt(): number {
    return this.readBits(32);
  }

  readInt64(): bigint {
    const lower = BigInt(this.readInt());
    return (BigInt(this.readInt()) << 32n) | lower;
  }

  readBits(bits: number): number {
    if (bits > 19) {
      const lower = this.readBits(16);
      const upper = this.readBits(bits - 16);
      return ((upper << 16) | lower) >>> 0;
    }
    this.length = this.length >>> bits;
    const symbol = Math.floor(this.value / this.length);
    this.value = (this.value - this.length * symbol) >>> 0;
    if (this.length < MIN_LENGTH) this.renormalise();
    return symbol;
  }
}

export class ArithmeticEncoder {
  private readonly out: number[] = [];
  private base = 0;
  private length = MAX_LENGTH;

  private carry(): void {
    let i = this.out.length - 1;
    while (i >= 0 && this.out[i] === 0xff) this.out[i--] = 0;
    if (i >= 0) this.out[i]!++;
  }

  private renormalise(): void {
    do {
      this.out.push(this.base >>> 24);
      this.base = (this.base << 8) >>> 0;
      this.length = (this.length << 8) >>> 0;
    } while (this.length < MIN_LENGTH);
  }

  private advance(x: number, y: number): void {
    const start = this.base;
    this.base = (this.base + x) >>> 0;
    this.length = (y - x) >>> 0;
    if (start > this.base) this.carry();
    if (this.length < MIN_LENGTH) this.renormalise();
  }

  encodeBit(m: BitModel, bit: number): void {
    const x = m.zeroProbability * (this.length >>> BIT_LENGTH_SHIFT);
    if (bit === 0) this.length = x;
    else {
      const start = this.base;
      this.base = (this.base + x) >>> 0;
      this.length = (this.length - x) >>> 0;
      if (start > this.base) this.carry();
    }
    if (this.length < MIN_LENGTH) this.renormalise();
    m.count(bit);
  }

  encodeSymbol(m: SymbolModel, symbol: number): void {
    // LASzip: the last symbol takes the rest of the interval (no second product).
    if (symbol === m.last) {
      const x = m.distribution[symbol]! * (this.length >>> LENGTH_SHIFT);
      this.advance(x, this.length);
    } else {
      this.length = this.length >>> LENGTH_SHIFT;
      this.advance(m.distribution[symbol]! * this.length, m.distribution[symbol + 1]! * this.length);
    }
    m.count(symbol);
  }

  writeBits(bits: number, value: number): void {
    if (bits > 19) {
      this.writeBits(16, value & 0xffff);
      this.writeBits(bits - 16, value >>> 16);
      return;
    }
    this.length = this.length >>> bits;
    const start = this.base;
    this.base = (this.base + value * this.length) >>> 0;
    if (start > this.base) this.carry();
    if (this.length < MIN_LENGTH) this.renormalise();
  }

  /** Flushes as LASzip does (its decoder always reads four bytes ahead). */
  finish(): Uint8Array {
    const start = this.base;
    let another = true;
    if (this.length > 2 * MIN_LENGTH) {
      this.base = (this.base + MIN_LENGTH) >>> 0;
      this.length = MIN_LENGTH >>> 1;
    } else {
      this.base = (this.base + (MIN_LENGTH >>> 1)) >>> 0;
      this.length = MIN_LENGTH >>> 9;
      another = false;
    }
    if (start > this.base) this.carry();
    this.renormalise();
    this.out.push(0, 0);
    if (another) this.out.push(0);
    return Uint8Array.from(this.out);
  }
}

/**
 * LASzip's IntegerCompressor: each value is coded as the corrector from a prediction, first its bit
 * length k (per context), then the k bits (up to 8 through a model, the rest raw). `bits` below 32 wrap
 * values into [0, 2^bits).
 */
export class IntegerCoder {
  private readonly kModels: SymbolModel[];
  private readonly zeroModel = new BitModel();
  private readonly correctorModels: SymbolModel[] = [];
  private static readonly BITS_HIGH = 8;
  private readonly range: number;
  /** The bit length k of the last corrector (LASzip's getK, used to pick contexts). */
  k = 0;

  constructor(contexts: number, forDecoding: boolean, bits = 32) {
    const corrBits = bits < 32 ? bits : 32;
    this.range = bits < 32 ? 2 ** bits : 0;
    this.kModels = Array.from({ length: contexts }, () => new SymbolModel(corrBits + 1, forDecoding));
    for (let i = 1; i <= corrBits; i++)
      this.correctorModels[i] = new SymbolModel(1 << Math.min(i, IntegerCoder.BITS_HIGH), forDecoding);
  }

  /** Signed 32-bit result for 32-bit coders; for narrower ones a value in [0, 2^bits). */
  decompress(dec: ArithmeticDecoder, predicted: number, context = 0): number {
    const k = (this.k = dec.decodeSymbol(this.kModels[context]!));
    let c: number;
    if (k === 0) c = dec.decodeBit(this.zeroModel);
    else if (k < 32) {
      if (k <= IntegerCoder.BITS_HIGH) c = dec.decodeSymbol(this.correctorModels[k]!);
      else {
        const low = k - IntegerCoder.BITS_HIGH;
        c = dec.decodeSymbol(this.correctorModels[k]!);
        c = c * 2 ** low + dec.readBits(low);
      }
      c = c >= 2 ** (k - 1) ? c + 1 : c - (2 ** k - 1);
    } else c = -0x80000000;
    if (this.range === 0) return (predicted + c) | 0;
    const real = predicted + c;
    return real < 0 ? real + this.range : real >= this.range ? real - this.range : real;
  }

  compress(enc: ArithmeticEncoder, predicted: number, real: number, context: number): void {
    let c = (real | 0) - (predicted | 0);
    c |= 0;
    // k: bits needed for the corrector (0 for c in {0, 1}).
    let k = 0;
    let c1 = c <= 0 ? -c : c - 1;
    while (c1) {
      c1 = Math.floor(c1 / 2);
      k++;
    }
    enc.encodeSymbol(this.kModels[context]!, k);
    if (k === 0) {
      enc.encodeBit(this.zeroModel, c);
      return;
    }
    const v = c < 0 ? c + (2 ** k - 1) : c - 1;
    if (k <= IntegerCoder.BITS_HIGH) enc.encodeSymbol(this.correctorModels[k]!, v);
    else {
      const low = k - IntegerCoder.BITS_HIGH;
      enc.encodeSymbol(this.correctorModels[k]!, Math.floor(v / 2 ** low));
      enc.writeBits(low, v % 2 ** low);
    }
  }
}
