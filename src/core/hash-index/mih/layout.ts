/**
 * How a hash is cut into pieces, and the few bit operations every part of the index shares: the
 * pieces themselves, each piece's partner, and the filter bits a posting entry carries of it.
 */

export interface Shape {
  m: number;
  starts: Int32Array; // first bit of each piece (bit 0 = most significant bit of word 0)
  widths: Int32Array;
  partner: Int32Array; // pieces 2i and 2i+1 pair up; an odd last piece has none (-1)
}

export function shapeOf(bits: number, m: number): Shape {
  const shape = { m, starts: new Int32Array(m), widths: new Int32Array(m), partner: new Int32Array(m) };
  for (let i = 0, at = 0; i < m; i++) {
    shape.widths[i] = Math.floor(bits / m) + (i < bits % m ? 1 : 0);
    shape.starts[i] = at;
    at += shape.widths[i];
    shape.partner[i] = (i ^ 1) < m ? i ^ 1 : -1;
  }
  return shape;
}

/** Filter bits per posting entry: what a 32-bit entry has left beside the slot number, at most a piece. */
export function filterBits(shape: Shape, slots: number): number {
  const slotBits = Math.max(1, 32 - Math.clz32(Math.max(1, slots - 1)));
  return Math.max(0, Math.min(16, ...shape.widths, 32 - slotBits));
}

/** `width` bits of the hash starting at bit `start` (bit 0 = most significant bit of word 0). */
export function extract(h: ArrayLike<number>, off: number, start: number, width: number): number {
  const wi = off + (start >>> 5);
  const s = start & 31;
  const head = (h[wi] << s) >>> (32 - width);
  return s + width <= 32 ? head : head | (h[wi + 1] >>> (64 - s - width));
}

/** The top f bits of piece j's partner, from the keys of all pieces. */
export function filterOf(shape: Shape, f: number, keys: Int32Array, j: number): number {
  const p = shape.partner[j];
  return p < 0 ? 0 : keys[p] >>> (shape.widths[p] - f);
}

/** The same from a stored hash. */
export function filterOfSlot(hashes: Uint32Array, words: number, shape: Shape, f: number, slot: number, j: number): number {
  const p = shape.partner[j];
  return p < 0 ? 0 : extract(hashes, slot * words, shape.starts[p], shape.widths[p]) >>> (shape.widths[p] - f);
}
