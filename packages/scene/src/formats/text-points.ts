/** Shared parsing of whitespace- or comma-separated point lines (PTS, XYZ/TXT/CSV). */
import type { PointChunk } from '../points.ts';

export interface TextColumns {
  /** Column of intensity, or -1. */
  intensity: number;
  /** First of three colour columns (r, g, b, 0–255), or -1. */
  rgb: number;
  /** Column of nx (then ny, nz), or -1. */
  normals: number;
  /** Maps a raw intensity value to 16 bits. */
  intensityTo16: (v: number) => number;
}

export class TextChunkBuilder {
  private positions: Float64Array;
  private rgb: Uint16Array | undefined;
  private intensity: Uint16Array | undefined;
  private normals: Float32Array | undefined;
  n = 0;
  constructor(
    readonly capacity: number,
    readonly columns: TextColumns,
  ) {
    this.positions = new Float64Array(capacity * 3);
    this.rgb = columns.rgb >= 0 ? new Uint16Array(capacity * 3) : undefined;
    this.intensity = columns.intensity >= 0 ? new Uint16Array(capacity) : undefined;
    this.normals = columns.normals >= 0 ? new Float32Array(capacity * 3) : undefined;
  }

  /** Adds a point from fields; returns false when the line is not a point line. */
  push(fields: string[]): boolean {
    const x = Number(fields[0]);
    const y = Number(fields[1]);
    const z = Number(fields[2]);
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) return false;
    const i = this.n++;
    this.positions[i * 3] = x;
    this.positions[i * 3 + 1] = y;
    this.positions[i * 3 + 2] = z;
    const c = this.columns;
    if (this.intensity) this.intensity[i] = c.intensityTo16(Number(fields[c.intensity] ?? 0) || 0);
    if (this.rgb) {
      for (let k = 0; k < 3; k++) {
        const v = Number(fields[c.rgb + k] ?? 0) || 0;
        this.rgb[i * 3 + k] = Math.max(0, Math.min(65535, Math.round(v * 257)));
      }
    }
    if (this.normals) for (let k = 0; k < 3; k++) this.normals[i * 3 + k] = Number(fields[c.normals + k] ?? 0) || 0;
    return true;
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  take(): PointChunk {
    const n = this.n;
    return {
      kind: 'points',
      count: n,
      positions: this.positions.subarray(0, n * 3),
      ...(this.rgb ? { rgb: this.rgb.subarray(0, n * 3) } : {}),
      ...(this.intensity ? { intensity: this.intensity.subarray(0, n) } : {}),
      ...(this.normals ? { normals: this.normals.subarray(0, n * 3) } : {}),
    };
  }
}
