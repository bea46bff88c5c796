import type { InputFile } from './input-file.ts';

/** Sequential reads over an InputFile through a sliding window (bounded memory for variable-size records). */
export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    private readonly file: InputFile,
    public position: number,
    private readonly window = 1 << 20,
  ) {}

  /** Makes `n` bytes at the current position available and returns a view of them (valid until the next call). */
  async take(n: number, what: string): Promise<DataView> {
    const rel = this.position - this.bufStart;
    if (rel < 0 || rel + n > this.buf.length) {
      this.buf = await this.file.readUpTo(this.position, Math.max(n, this.window));
      this.bufStart = this.position;
      if (this.buf.length < n) await this.file.read(this.position, n, what); // throws the truncation error
    }
    const at = this.position - this.bufStart;
    this.position += n;
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, n);
  }
}
