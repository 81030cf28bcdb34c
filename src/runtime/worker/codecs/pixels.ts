/** What a codec gives back: 8-bit RGBA, row-major. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** The decoder's WebAssembly heap when it finished (its high-water mark), for the memory model. */
  heapBytes?: number;
}
