/**
 * JPEG quantisation tables, read straight from the DQT segments, and the IJG quality they match.
 * The tables decide how much detail the camera or software threw away; their exact values also hint at
 * what wrote the file (libjpeg-style software scales one standard table; cameras and some editors use
 * their own).
 */

/** ITU-T T.81 Annex K example tables (natural order), the base of the IJG quality scale. */
const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_CHROMA = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99,
];
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

export interface QuantTable {
  /** Table slot 0–3 (0 is normally luminance, 1 chrominance). */
  id: number;
  precision: 8 | 16;
  /** 64 values in natural (row-major) order. */
  values: number[];
}

export interface QuantAnalysis {
  tables: QuantTable[];
  /** IJG quality 1–100 that best reproduces the tables. */
  estimatedQuality: number | undefined;
  /** True when the tables are exactly the IJG tables at that quality. */
  exactIjgMatch: boolean;
  /** Mean absolute difference from the IJG tables at the estimated quality. */
  meanDifference: number;
  family: string;
}

export function ijgTable(base: readonly number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, quality));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return base.map((b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

/** Reads every DQT segment before the first scan. Returns [] for a file that is not a JPEG. */
export function readQuantTables(buf: Uint8Array): QuantTable[] {
  const tables: QuantTable[] = [];
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return tables;
  let pos = 2;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) break;
    const marker = buf[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    if (len < 2 || pos + 2 + len > buf.length) break;
    if (marker === 0xda || marker === 0xd9) break;
    if (marker === 0xdb) {
      let p = pos + 4;
      const end = pos + 2 + len;
      while (p < end) {
        const pq = buf[p]! >> 4;
        const tq = buf[p]! & 15;
        p++;
        const values = new Array<number>(64);
        for (let k = 0; k < 64; k++) {
          const v = pq ? (buf[p + 2 * k]! << 8) | buf[p + 2 * k + 1]! : buf[p + k]!;
          values[ZIGZAG[k]!] = v;
        }
        p += pq ? 128 : 64;
        tables.push({ id: tq, precision: pq ? 16 : 8, values });
      }
    }
    pos += 2 + len;
  }
  return tables;
}

export function analyseQuantisation(buf: Uint8Array): QuantAnalysis {
  const tables = readQuantTables(buf);
  if (tables.length === 0)
    return {
      tables,
      estimatedQuality: undefined,
      exactIjgMatch: false,
      meanDifference: NaN,
      family: 'not a JPEG (no quantisation tables)',
    };
  const luma = tables.find((t) => t.id === 0) ?? tables[0]!;
  const chroma = tables.find((t) => t.id === 1);
  let best = 1;
  let bestErr = Infinity;
  for (let q = 1; q <= 100; q++) {
    const l = ijgTable(STD_LUMA, q);
    let err = 0;
    for (let i = 0; i < 64; i++) err += Math.abs(l[i]! - luma.values[i]!);
    let n = 64;
    if (chroma) {
      const c = ijgTable(STD_CHROMA, q);
      for (let i = 0; i < 64; i++) err += Math.abs(c[i]! - chroma.values[i]!);
      n += 64;
    }
    err /= n;
    if (err < bestErr) {
      bestErr = err;
      best = q;
    }
  }
  const exact = bestErr === 0;
  const family = exact
    ? `IJG/libjpeg standard tables at quality ${best} — written by libjpeg-based software (most editors, browsers, Android/Linux tools, many phones); re-saving with such software is possible`
    : bestErr < 1.5
      ? `close to IJG quality ${best} but not identical — a library that rounds differently, or a camera using scaled standard tables`
      : `custom tables (not the IJG scale) — typical of camera firmware or editors with their own tables (e.g. Adobe Photoshop's 0–12 scale)`;
  return { tables, estimatedQuality: best, exactIjgMatch: exact, meanDifference: bestErr, family };
}
