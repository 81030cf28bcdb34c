/**
 * The 8 dihedral variants (rotations and mirrors) of an image, in the DCT domain and in pixels.
 *
 * Names and meanings follow the PDQ reference and python-threatexchange's `RotationType`:
 *
 * | variant      | the image after                                  | Pillow equivalent                         |
 * | ------------ | ------------------------------------------------ | ----------------------------------------- |
 * | `original`   | nothing                                          |                                           |
 * | `rotate90`   | a quarter turn counter-clockwise                 | `rotate(90, expand=True)` = ROTATE_90      |
 * | `rotate180`  | a half turn                                      | ROTATE_180                                |
 * | `rotate270`  | a quarter turn clockwise                         | ROTATE_270                                |
 * | `flipX`      | a mirror about the horizontal axis (top<->bottom)| FLIP_TOP_BOTTOM                           |
 * | `flipY`      | a mirror about the vertical axis (left<->right)  | FLIP_LEFT_RIGHT                           |
 * | `flipPlus1`  | a transpose (mirror about the main diagonal)     | TRANSPOSE                                 |
 * | `flipMinus1` | an anti-transpose (mirror about the other one)   | TRANSVERSE                                |
 *
 * In the DCT domain: reversing the 64 rows multiplies the coefficient of row frequency u by (-1)^u,
 * and u = i + 1 for stored row i, so rows with even i change sign; the same holds for columns, and a
 * transpose of the image transposes the coefficient block. Each variant is a composition of these,
 * so the 8 hashes come from one DCT. They equal the hash of the transformed pixels up to the
 * reference's float rounding and cell sampling (a few bits; see the test).
 */

export const PDQ_DIHEDRAL_VARIANTS = ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1'] as const;
export type PdqDihedralVariant = (typeof PDQ_DIHEDRAL_VARIANTS)[number];
/** A rotation or mirror of the image: every dihedral variant but the image as it is. */
export type TurnedVariant = Exclude<PdqDihedralVariant, 'original'>;
export const TURNED_VARIANTS: readonly TurnedVariant[] = PDQ_DIHEDRAL_VARIANTS.filter((v): v is TurnedVariant => v !== 'original');

interface Op {
  /** Whether the output is the transpose of the input. */
  transpose: boolean;
  /** Reverse the input's rows (negate rows with even index) / columns. */
  flipRows: boolean;
  flipCols: boolean;
}

// Composition in input terms: rotate90 (CCW) = reverse the columns, then transpose; rotate270 (CW) =
// reverse the rows, then transpose; flipMinus1 = reverse both, then transpose.
const OPS: Record<PdqDihedralVariant, Op> = {
  original: { transpose: false, flipRows: false, flipCols: false },
  rotate90: { transpose: true, flipRows: false, flipCols: true },
  rotate180: { transpose: false, flipRows: true, flipCols: true },
  rotate270: { transpose: true, flipRows: true, flipCols: false },
  flipX: { transpose: false, flipRows: true, flipCols: false },
  flipY: { transpose: false, flipRows: false, flipCols: true },
  flipPlus1: { transpose: true, flipRows: false, flipCols: false },
  flipMinus1: { transpose: true, flipRows: true, flipCols: true },
};

/** The 16x16 coefficient block (row-major) of the variant's image, from the original's block. */
export function dihedralDct16(a: Float32Array, variant: PdqDihedralVariant): Float32Array {
  const { transpose, flipRows, flipCols } = OPS[variant];
  const b = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const negate = (flipRows && (i & 1) === 0) !== (flipCols && (j & 1) === 0);
      const v = negate ? -a[i * 16 + j] : a[i * 16 + j];
      b[transpose ? j * 16 + i : i * 16 + j] = v;
    }
  }
  return b;
}

/**
 * The RGBA pixels (4 bytes per pixel, row-major) of the variant's image, as Pillow's transposes
 * produce them. Lossless; used to check the DCT-domain variants and the reference's pixel-transform
 * expectations.
 */
export function dihedralPixels(
  rgba: Uint8Array,
  width: number,
  height: number,
  variant: PdqDihedralVariant,
): { rgba: Uint8Array; width: number; height: number } {
  const { transpose, flipRows, flipCols } = OPS[variant];
  const outW = transpose ? height : width;
  const outH = transpose ? width : height;
  const src32 = new Uint32Array(rgba.buffer.slice(rgba.byteOffset, rgba.byteOffset + width * height * 4));
  const dst32 = new Uint32Array(outW * outH);
  for (let y = 0; y < height; y++) {
    const sy = flipRows ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const sx = flipCols ? width - 1 - x : x;
      // (x, y) of the row/column-reversed input lands at (y, x) when transposed.
      dst32[transpose ? x * outW + y : y * outW + x] = src32[sy * width + sx];
    }
  }
  return { rgba: new Uint8Array(dst32.buffer), width: outW, height: outH };
}

/**
 * A variant's hash from the original's hash alone (for queries that arrive as hashes, without the
 * image): the bit block is transposed like the coefficients and inverted where they change sign.
 * Approximate: the median moves when half the signs change, so a few bits may differ from the hash
 * of the transformed image. With the image, use pdqDihedralFromRgba.
 */
export function dihedralFromHash(hex: string, variant: PdqDihedralVariant): string {
  const { transpose, flipRows, flipCols } = OPS[variant];
  const bits = new Uint8Array(256);
  // Word i (row i of the block) is printed as hex digits [(15 - i) * 4, (15 - i) * 4 + 4), bit j = column j.
  for (let i = 0; i < 16; i++) {
    const w = parseInt(hex.slice((15 - i) * 4, (15 - i) * 4 + 4), 16);
    for (let j = 0; j < 16; j++) bits[i * 16 + j] = (w >> j) & 1;
  }
  const out = new Uint8Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const negate = (flipRows && (i & 1) === 0) !== (flipCols && (j & 1) === 0);
      out[transpose ? j * 16 + i : i * 16 + j] = negate ? bits[i * 16 + j] ^ 1 : bits[i * 16 + j];
    }
  }
  let s = '';
  for (let i = 15; i >= 0; i--) {
    let w = 0;
    for (let j = 0; j < 16; j++) w |= out[i * 16 + j] << j;
    s += w.toString(16).padStart(4, '0');
  }
  return s;
}
