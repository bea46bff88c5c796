import { StreamedBlobSink, type BlobStore, type Digests } from '@vestige/evidence';
import type { UnitWriter } from '../decode/frame-splitter.ts';

/**
 * Stores each streamed output unit (a PNG from the decoder) as a blob of the case as its bytes arrive. The stream
 * waits while too many blobs are still being flushed. `settled()` gives the digests once every blob is durable and in
 * its content address, which must come before anything is recorded that names them.
 */
export class UnitBlobs {
  private readonly sink: StreamedBlobSink;
  private readonly stored: Array<Promise<Digests>> = [];

  constructor(
    blobs: BlobStore,
    private readonly onStored?: (k: number) => void,
  ) {
    this.sink = new StreamedBlobSink(blobs);
  }

  /** The decoder's `openUnit` for a PNG output. */
  readonly openUnit = (k: number): UnitWriter => {
    const blob = this.sink.begin();
    return {
      write: (bytes) => blob.write(bytes),
      end: () => {
        const done = blob.end();
        // Failures are reported by the sink (drain, backlog); this keeps the promise from counting as
        // unhandled meanwhile.
        done.catch(() => undefined);
        this.stored[k] = done;
        this.onStored?.(k);
        return this.sink.backlog() ?? undefined;
      },
      abort: () => blob.abort(),
    };
  };

  /** Every unit's digests, in order, once all are durable and the directories naming them are flushed. */
  async settled(): Promise<Digests[]> {
    await this.sink.drain();
    return Promise.all(this.stored);
  }

  /** After a failure: removes whatever this run left half-written. */
  abandon(): Promise<void> {
    return this.sink.abandon();
  }
}
