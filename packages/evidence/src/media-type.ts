/**
 * Media type from the file's first bytes, with the extension only as a tie-breaker: seized files are
 * often renamed, and what a file is matters more than what it is called.
 */
export function sniffMediaType(head: Uint8Array, fileName: string): string {
  const ascii = (start: number, text: string) => text.split('').every((c, i) => head[start + i] === c.charCodeAt(0));
  const bytes = (start: number, ...values: number[]) => values.every((v, i) => head[start + i] === v);
  if (bytes(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (bytes(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (bytes(0, 0x49, 0x49, 0x2a, 0x00) || bytes(0, 0x4d, 0x4d, 0x00, 0x2a)) {
    return /\.(dng|cr2|nef|arw|orf|rw2)$/i.test(fileName) ? 'image/x-raw' : 'image/tiff';
  }
  if (ascii(0, 'BM') && /\.bmp$/i.test(fileName)) return 'image/bmp';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, 'RIFF') && ascii(8, 'AVI ')) return 'video/x-msvideo';
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'audio/wav';
  if (ascii(4, 'ftyp')) {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)/.test(brand)) return 'image/heic';
    if (/^avif/.test(brand)) return 'image/avif';
    if (/^qt/.test(brand)) return 'video/quicktime';
    if (/^(M4A|M4B)/.test(brand)) return 'audio/mp4';
    if (/^3g/.test(brand)) return 'video/3gpp';
    return 'video/mp4';
  }
  if (bytes(0, 0x1a, 0x45, 0xdf, 0xa3)) return /\.webm$/i.test(fileName) ? 'video/webm' : 'video/x-matroska';
  if (bytes(0, 0x00, 0x00, 0x01, 0xba) || bytes(0, 0x00, 0x00, 0x01, 0xb3)) return 'video/mpeg';
  if (head[0] === 0x47 && head[188] === 0x47) return 'video/mp2t';
  if (ascii(0, 'ID3') || bytes(0, 0xff, 0xfb)) return 'audio/mpeg';
  if (ascii(0, 'fLaC')) return 'audio/flac';
  if (ascii(0, 'OggS')) return 'audio/ogg';
  if (ascii(0, '%PDF-')) return 'application/pdf';
  if (bytes(0, 0x50, 0x4b, 0x03, 0x04)) return 'application/zip';
  if (ascii(0, 'ASTM-E57')) return 'model/e57';
  if (ascii(0, 'LASF')) return /\.laz$/i.test(fileName) ? 'model/laz' : 'model/las';
  if (ascii(0, 'ply')) return 'model/ply';
  if (ascii(0, 'glTF')) return 'model/gltf-binary';
  if (/\.(pts|xyz|txt|csv|obj|json|md)$/i.test(fileName) && looksLikeText(head)) {
    if (/\.pts$/i.test(fileName)) return 'model/x-pts';
    if (/\.xyz$/i.test(fileName)) return 'model/x-xyz';
    if (/\.obj$/i.test(fileName)) return 'model/obj';
    if (/\.csv$/i.test(fileName)) return 'text/csv';
    if (/\.json$/i.test(fileName)) return 'application/json';
    return 'text/plain';
  }
  if (looksLikeText(head)) return 'text/plain';
  return 'application/octet-stream';
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const b of head) if (b === 0 || b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) return false;
  return true;
}

export function isImageType(mediaType: string): boolean {
  return mediaType.startsWith('image/');
}

export function isAudioVisualType(mediaType: string): boolean {
  return mediaType.startsWith('video/') || mediaType.startsWith('audio/');
}
