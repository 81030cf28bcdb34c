/**
 * The node hashes pixels as stored: no EXIF rotation (DESIGN §4). Browsers always honour an EXIF
 * orientation when they decode (createImageBitmap's `imageOrientation: 'none'` is gone from the
 * standard; Chromium treats it as 'from-image'), so the console decodes a copy of the file whose
 * orientation tag says 1 (as stored). The exact hashes are of the original bytes.
 *
 * Handles the EXIF block of JPEG (APP1 "Exif"), PNG (eXIf, its CRC recomputed) and WebP (EXIF).
 * Returns the input itself when there is no orientation other than 1 to neutralise.
 */

const ORIENTATION = 0x0112;

/** Sets the orientation in the TIFF structure at `at` to 1 (in place); true when it changed something. */
function neutraliseTiff(b: Uint8Array, at: number, end: number): boolean {
  if (at + 8 > end) return false;
  const le = b[at] === 0x49 && b[at + 1] === 0x49;
  if (!le && !(b[at] === 0x4d && b[at + 1] === 0x4d)) return false;
  const u16 = (p: number) => (le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const u32 = (p: number) =>
    le ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24 : b[p] * 2 ** 24 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  const ifd = at + u32(at + 4);
  if (ifd + 2 > end) return false;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return false;
    if (u16(e) !== ORIENTATION) continue;
    if (u16(e + 8) === 1) return false;
    // A SHORT value sits in the first two bytes of the value field.
    b[e + 8] = le ? 1 : 0;
    b[e + 9] = le ? 0 : 1;
    return true;
  }
  return false;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const ascii = (b: Uint8Array, at: number, s: string) => [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** The bytes to decode: a copy with the orientation set to 1, or `bytes` itself when nothing needs it. */
export function withoutOrientation(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  let changed = false;
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i + 4 <= b.length && b[i] === 0xff; ) {
      const marker = b[i + 1];
      if (marker === 0xda || marker === 0xd9) break;
      const len = (b[i + 2] << 8) | b[i + 3];
      if (marker === 0xe1 && ascii(b, i + 4, 'Exif\0\0')) changed = neutraliseTiff(b, i + 10, Math.min(b.length, i + 2 + len)) || changed;
      i += 2 + len;
    }
  } else if (ascii(b, 0, '\x89PNG\r\n\x1a\n')) {
    for (let i = 8; i + 12 <= b.length; ) {
      const len = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
      const end = i + 8 + len;
      if (end + 4 > b.length) break;
      if (ascii(b, i + 4, 'eXIf') && neutraliseTiff(b, i + 8, end)) {
        const crc = crc32(b, i + 4, end);
        b.set([crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255], end);
        changed = true;
      }
      if (ascii(b, i + 4, 'IDAT')) break;
      i = end + 4;
    }
  } else if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) {
    for (let i = 12; i + 8 <= b.length; ) {
      const len = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
      const data = i + 8;
      if (ascii(b, i, 'EXIF')) changed = neutraliseTiff(b, ascii(b, data, 'Exif\0\0') ? data + 6 : data, Math.min(b.length, data + len)) || changed;
      i = data + len + (len & 1);
    }
  }
  return changed ? b : bytes;
}
