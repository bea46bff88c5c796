// Decodes LAS point records (formats 0–10) into typed arrays. Plain JavaScript: the LAS reader and the
// octree build's worker threads (which decode big LAS files in parallel) share it. Types: las-records.d.mts.

/** Bytes of the standard fields of each point format 0–10; the rest of a record is extra bytes. */
export const STANDARD_RECORD_LENGTH = [20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67];

export function lasRgbOffset(format) {
  switch (format) {
    case 2:
      return 20;
    case 3:
    case 5:
      return 28;
    case 7:
    case 8:
    case 10:
      return 30;
    default:
      return -1;
  }
}

export function decodeLasRecords(raw, count, header) {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const len = header.recordLength;
  const format = header.pointFormat;
  const positions = new Float64Array(count * 3);
  const intensity = new Uint16Array(count);
  const classification = new Uint8Array(count);
  const ro = lasRgbOffset(format);
  const rgb = ro >= 0 ? new Uint16Array(count * 3) : undefined;
  const [sx, sy, sz] = header.scale;
  const [ox, oy, oz] = header.offset;
  const classAt = format >= 6 ? 16 : 15;
  const classMask = format >= 6 ? 0xff : 0x1f;
  for (let i = 0; i < count; i++) {
    const o = i * len;
    positions[i * 3] = view.getInt32(o, true) * sx + ox;
    positions[i * 3 + 1] = view.getInt32(o + 4, true) * sy + oy;
    positions[i * 3 + 2] = view.getInt32(o + 8, true) * sz + oz;
    intensity[i] = view.getUint16(o + 12, true);
    classification[i] = raw[o + classAt] & classMask;
    if (rgb) {
      rgb[i * 3] = view.getUint16(o + ro, true);
      rgb[i * 3 + 1] = view.getUint16(o + ro + 2, true);
      rgb[i * 3 + 2] = view.getUint16(o + ro + 4, true);
    }
  }
  const chunk = { kind: 'points', count, positions, intensity, classification };
  if (rgb) chunk.rgb = rgb;
  return chunk;
}

/** Positions only (the cheap first pass of a parallel build). */
export function decodeLasPositions(raw, count, header) {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const len = header.recordLength;
  const positions = new Float64Array(count * 3);
  const [sx, sy, sz] = header.scale;
  const [ox, oy, oz] = header.offset;
  for (let i = 0; i < count; i++) {
    const o = i * len;
    positions[i * 3] = view.getInt32(o, true) * sx + ox;
    positions[i * 3 + 1] = view.getInt32(o + 4, true) * sy + oy;
    positions[i * 3 + 2] = view.getInt32(o + 8, true) * sz + oz;
  }
  return positions;
}
