import type { Digests, StreamedBlobSink } from '@vestige/evidence';
import type { UnitWriter } from '../decode/frame-splitter.ts';

/**
 * Stores each streamed output unit (a PNG from the decoder) as a blob of the case as its bytes arrive: unit `k`'s
 * digests land in `stored[k]` (a promise that settles once the blob is in its content address). The stream waits
 * while too many blobs are still being flushed. Call `sink.drain()` before recording anything that names them.
 */
export function unitsToBlobs(sink: StreamedBlobSink, stored: Array<Promise<Digests>>, onStored?: (k: number) => void): (k: number) => UnitWriter {
  return (k) => {
    const blob = sink.begin();
    return {
      write: (bytes) => blob.write(bytes),
      end: () => {
        const done = blob.end();
        // Failures are reported by the sink (drain, backlog); this keeps the promise from counting as unhandled meanwhile.
        done.catch(() => undefined);
        stored[k] = done;
        onStored?.(k);
        return sink.backlog() ?? undefined;
      },
      abort: () => blob.abort(),
    };
  };
}
