/**
 * python-threatexchange's "unletterbox" preprocessing: strip the black bands around a picture
 * before hashing, so a letterboxed copy matches the original.
 *
 * A border row or column is one whose every pixel has R, G and B all <= `blackThreshold`; bands
 * are counted from each edge inwards until the first row/column that is not black. HMA then saves
 * the crop in the source format (JPEG at Pillow's defaults: quality 75, 4:2:0) and hashes that;
 * re-encoding is a runtime step, not done here.
 */

export interface LetterboxBorders {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The black bands of an RGBA image, or null when every pixel is black (nothing left to hash). */
export function letterboxBorders(rgba: Uint8Array, width: number, height: number, blackThreshold: number): LetterboxBorders | null {
  const t = blackThreshold;
  const isBlack = (x: number, y: number): boolean => {
    const q = (y * width + x) * 4;
    return rgba[q] <= t && rgba[q + 1] <= t && rgba[q + 2] <= t;
  };
  const rowBlack = (y: number): boolean => {
    for (let x = 0; x < width; x++) if (!isBlack(x, y)) return false;
    return true;
  };
  const colBlack = (x: number): boolean => {
    for (let y = 0; y < height; y++) if (!isBlack(x, y)) return false;
    return true;
  };
  let top = 0;
  while (top < height && rowBlack(top)) top++;
  if (top === height) return null;
  let bottom = 0;
  while (rowBlack(height - 1 - bottom)) bottom++;
  let left = 0;
  while (colBlack(left)) left++;
  let right = 0;
  while (colBlack(width - 1 - right)) right++;
  return { top, bottom, left, right };
}

/** The RGBA pixels inside the borders. */
export function cropRgba(rgba: Uint8Array, width: number, height: number, b: LetterboxBorders): { rgba: Uint8Array; width: number; height: number } {
  const w = width - b.left - b.right;
  const h = height - b.top - b.bottom;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((y + b.top) * width + b.left) * 4;
    out.set(rgba.subarray(from, from + w * 4), y * w * 4);
  }
  return { rgba: out, width: w, height: h };
}
