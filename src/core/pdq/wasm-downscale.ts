/**
 * The driver of PDQ's WebAssembly kernels (wasm-kernels.ts): the 64x64 downsample of a plane, in
 * the kernels' memory, streaming as downscale.ts does (only a ring of filtered rows and a rows x 64
 * strip are held, not the plane).
 *
 * The kernels are a value, built by whoever wires the node (the entry points: compiled here from
 * the bytes, or from a module compiled ahead where the runtime compiles no code, as on Workers) and
 * handed to the hashing functions; a build that fails throws, so a missing kernel is never silent.
 */
import { columnsSampled, decimationIndices, jaroszWindowSize, PDQ_GRID } from './downscale';
import { kernelExports } from '../wasm';
import { BAND, ENTRY, pdqWasmBytes } from './wasm-kernels';

/** The compiled kernels: the module's exports. */
export interface PdqKernels {
  memory: WebAssembly.Memory;
  lumaBand8(stage: number, cols: number, cols4: number, dst: number): void;
  floatBand8(stage: number, cols: number, cols4: number, dst: number): void;
  rows8(src: number, dst: number, cols: number, win: number, pre: number, counts: number): void;
  rowsSampled8(src: number, dst: number, win: number, pre: number, samples: number, counts: number): void;
  untangle8(src: number, cols4: number, dst: number, stride: number): void;
  colAdd(sums: number, row: number, cols4: number): void;
  cols8(sums: number, table: number, cols4: number, dst: number): void;
}

/** The kernels from a module compiled elsewhere (Workers: the .wasm file uploaded with the script). */
export function pdqKernelsFrom(module: WebAssembly.Module): PdqKernels {
  return kernelExports<PdqKernels>(module, ['lumaBand8', 'floatBand8', 'rows8', 'rowsSampled8', 'untangle8', 'colAdd', 'cols8']);
}

/** The kernels compiled here, from the bytes; throws where the runtime compiles no code at run time. */
export function compilePdqKernels(): PdqKernels {
  return pdqKernelsFrom(new WebAssembly.Module(pdqWasmBytes()));
}

/** A plane to downscale: RGBA bytes (alpha ignored) or float luma, row-major. */
export type PlaneSource = { rgba: Uint8Array } | { luma: Float32Array };

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Window sizes per output position of a 1-D pass of length len: the reference's divisors. */
function windowCounts(len: number, win: number, pre: number): Float32Array {
  const c = new Float32Array(len);
  for (let o = 0; o < len; o++) c[o] = Math.min(len, o + pre + 1) - Math.max(0, o + pre - win + 1);
  return c;
}

/**
 * The 64x64 downsample of a rows x cols plane (both sides >= 5, not 64x64), as downscaleTo64, with
 * the kernels k.
 */
export function downscaleTo64Wasm(k: PdqKernels, rows: number, cols: number, src: PlaneSource): Float32Array {
  const winX = jaroszWindowSize(cols, PDQ_GRID);
  const winY = jaroszWindowSize(rows, PDQ_GRID);
  const preX = ((winX + 2) >> 1) - 1; // additions before the first output (phase 1)
  const preY = ((winY + 2) >> 1) - 1;
  const cols4 = roundUp(cols, 4);
  const rowBytes = cols4 * 4;
  const ringRows = roundUp(winY + 2 * BAND, BAND); // see `need` below

  // Memory layout (bytes, 16-aligned).
  let top = 0;
  const alloc = (bytes: number): number => {
    const at = top;
    top += roundUp(bytes, 16);
    return at;
  };
  const stage = alloc(BAND * cols * 4 + 16); // +16: the last vector load may run past the band
  const padded = (winX + cols4 + preX) * ENTRY;
  const luma = alloc(padded);
  const filtered = alloc(cols4 * ENTRY);
  const ring = alloc(ringRows * rowBytes);
  const zeroRow = alloc(rowBytes);
  const sums = alloc(rowBytes);
  const table = alloc(96);
  const waiting = alloc(padded);
  const counts = alloc(cols * 4);
  const samples = alloc(PDQ_GRID * 4);
  const cleared = top;
  const strip = alloc((rows + BAND) * PDQ_GRID * 4); // + a band: the last band writes 8 rows
  // The memory grows to the largest image hashed so far (1080p: under 1 MB; 50 Mpx: a few MB).
  const need = top - k.memory.buffer.byteLength;
  if (need > 0) k.memory.grow(Math.ceil(need / 65536));
  const buf = k.memory.buffer;
  // Everything but the strip starts at zero (the pads must be). The memory keeps pixel-derived
  // data (input rows, their luma, filtered rows), so it is cleared again when the call ends: no
  // part of an image outlives the request that hashed it.
  new Uint8Array(buf, 0, cleared).fill(0);
  try {
    new Float32Array(buf, counts, cols).set(windowCounts(cols, winX, preX));
    new Int32Array(buf, samples, PDQ_GRID).set(decimationIndices(cols));
    const tableI32 = new Int32Array(buf, table, 16);
    const tableF32 = new Float32Array(buf, table + 64, BAND);
    const countsY = windowCounts(rows, winY, preY);
    const ringRow = (y: number): number => ring + (y % ringRows) * rowBytes;

    // Input bands: luma, the first row pass, and plain rows into the ring.
    const u8 = new Uint8Array(buf);
    const f32 = new Float32Array(buf);
    let yIn = 0;
    const readUpTo = (y: number): void => {
      for (; yIn < y; yIn += BAND) {
        const count = Math.min(BAND, rows - yIn);
        if ('rgba' in src) {
          u8.set(src.rgba.subarray(yIn * cols * 4, (yIn + count) * cols * 4), stage);
          k.lumaBand8(stage, cols, cols4, luma + winX * ENTRY);
        } else {
          f32.set(src.luma.subarray(yIn * cols, (yIn + count) * cols), stage >> 2);
          k.floatBand8(stage, cols, cols4, luma + winX * ENTRY);
        }
        k.rows8(luma, filtered, cols, winX, preX, counts);
        k.untangle8(filtered, cols4, ringRow(yIn), rowBytes);
      }
    };

    // The column pass, 8 output rows at a time, each followed by the second row pass into the strip.
    // Output row o adds filtered row o + preY and subtracts row o + preY - winY; the ring holds every
    // row from the oldest subtracted to the newest read (at most winY + 15 rows).
    readUpTo(preY);
    for (let y = 0; y < preY; y++) k.colAdd(sums, ringRow(y), cols4);
    for (let o0 = 0; o0 < rows; o0 += BAND) {
      readUpTo(Math.min(rows, o0 + BAND + preY));
      for (let r = 0; r < BAND; r++) {
        const o = o0 + r;
        const a = o + preY;
        const b = a - winY;
        tableI32[r] = o < rows && a < rows ? ringRow(a) : zeroRow;
        tableI32[BAND + r] = o < rows && b >= 0 ? ringRow(b) : zeroRow;
        tableF32[r] = o < rows ? countsY[o] : 1;
      }
      k.cols8(sums, table, cols4, waiting + winX * ENTRY);
      k.rowsSampled8(waiting, strip + o0 * PDQ_GRID * 4, winX, preX, samples, counts);
    }

    // The second column pass: only 64 columns, in TypeScript.
    const out = new Float32Array(PDQ_GRID * PDQ_GRID);
    columnsSampled(new Float32Array(buf, strip, rows * PDQ_GRID), rows, winY, decimationIndices(rows), out);
    return out;
  } finally {
    new Uint8Array(buf, 0, top).fill(0);
  }
}
