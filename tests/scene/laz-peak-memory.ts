/**
 * Child process of the LAZ streaming test: reads a LAZ file through the reader, consuming every chunk,
 * and prints the point count, bounds and the process's peak resident memory (VmHWM, worker threads
 * included) as JSON. Run in its own process so the peak belongs to this read alone.
 */
import { readFileSync } from 'node:fs';
import { lazFormat } from '../../packages/scene/src/formats/laz.ts';

const path = process.argv[2]!;
let points = 0;
const min = [Infinity, Infinity, Infinity];
const max = [-Infinity, -Infinity, -Infinity];
for await (const chunk of lazFormat.read(path, { workers: 2 })) {
  if (chunk.kind !== 'points') continue;
  points += chunk.count;
  // Garbage is collected after each chunk so the peak shows what is kept, not how lazily V8 collects.
  (globalThis as { gc?: () => void }).gc?.();
  for (let i = 0; i < chunk.count; i++) {
    for (let k = 0; k < 3; k++) {
      const v = chunk.positions[i * 3 + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
}
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
console.log(JSON.stringify({ points, min, max, peakRssBytes: peak }));
