/**
 * blockhash's hot loop, the sums of R + G + B over runs of whole pixels (sums.ts), as a WebAssembly
 * SIMD kernel: four pixels per vector, about three times the TypeScript loop's speed (the bench:
 * src/cli/bench/blockhash.ts). Integer sums, so the two paths agree exactly; the tests compare them.
 *
 * Per vector: alpha-0 pixels become (255, 255, 255) (their value is 765), alpha is masked off, and
 * the bytes are added pairwise into 16-bit lanes (R + G, B per pixel), which take 128 vectors before
 * they are widened into 32-bit lanes. A run is summed over whole aligned vectors; the pixels of its
 * first and last vector that lie outside it are summed again through a lane mask and subtracted.
 *
 * Rows are copied into the module's memory a band at a time, each row starting 16-aligned, and the
 * memory is cleared when the call ends (no pixel outlives the request). The kernel is a value built
 * by the entry points (compiled here, or from the .wasm file built ahead where the runtime compiles
 * no code, as on Workers) and handed to the hashing functions; a build that fails throws.
 */
import { type Code, forLoop, Func, get, I32, i32, inc, kernelExports, moduleBytes, seq, set, uleb, V128, v128, whileLoop } from '../wasm';
import type { RunTotals } from './sums';

// The few instructions core/wasm's writer does not define (WebAssembly 2.0 opcodes).
const simd = (op: number, ...args: Code[]): Code => [...args.flat(), 0xfd, ...uleb(op)];
const or = (a: Code, b: Code): Code => simd(0x50, a, b);
const i32x4Eq = (a: Code, b: Code): Code => simd(0x37, a, b);
const i32x4Add = (a: Code, b: Code): Code => simd(0xae, a, b);
const i32x4Sub = (a: Code, b: Code): Code => simd(0xb1, a, b);
const i32x4Lane = (a: Code, lane: number): Code => [...simd(0x1b, a), lane];
const i16x8Add = (a: Code, b: Code): Code => simd(0x8e, a, b);
/** u8 lanes added in pairs into u16 lanes. */
const widen8 = (a: Code): Code => simd(0x7d, a);
/** u16 lanes added in pairs into u32 lanes. */
const widen16 = (a: Code): Code => simd(0x7f, a);
const i32And = (a: Code, b: Code): Code => [...a, ...b, 0x71];
const i32Store = (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x36, 2, ...uleb(offset)];
const select = (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, 0x1b];

const splat32 = (x: number): Code => v128.const(new Uint8Array(new Uint32Array([x, x, x, x]).buffer));
const ZERO = v128.const(new Uint8Array(16));
/** Vectors summed in 16-bit lanes before widening: 510 * 128 < 2^16. */
const WIDEN_EVERY = 128;

/** The 4 pixels at p (through the v128 local v), ready for summing: alpha-0 pixels white, alpha off. */
const prepared = (p: Code, v: number): Code =>
  seq(set(v, v128.load(p)), v128.and(or(get(v), i32x4Eq(v128.and(get(v), splat32(0xff000000)), ZERO)), splat32(0x00ffffff)));

/**
 * (src, rows, stride, runs, nRuns, masks, out): for each of `rows` rows (at src + r * stride, 16-
 * aligned) and each run k (byte offsets [runs[2k], runs[2k + 1]) in the row, multiples of 4), the
 * run's sum to the i32 at out + 4 (r * nRuns + k). masks: 4 vectors with lanes < j set (j = 0..3),
 * then 4 with lanes >= j set (none for j = 0).
 */
function runsKernel(): Func {
  const f = new Func('runs', [I32, I32, I32, I32, I32, I32, I32]);
  const [src, rows, stride, runs, nRuns, masks, out] = [0, 1, 2, 3, 4, 5, 6];
  const [r, k, rp, s, e, a, b, p, lim] = f.localsOf(I32, 9);
  const [acc16, acc32, v] = f.localsOf(V128, 3);
  const outside = (at: Code, mask: Code): Code => widen16(widen8(v128.and(prepared(at, v), v128.load(mask))));
  f.body = forLoop(
    r,
    i32.const(0),
    get(rows),
    1,
    set(rp, get(runs)),
    forLoop(
      k,
      i32.const(0),
      get(nRuns),
      1,
      set(s, i32.load(get(rp))),
      set(e, i32.load(get(rp), 4)),
      set(a, i32.add(get(src), i32And(get(s), i32.const(-16)))),
      set(b, i32.add(get(src), i32And(i32.add(get(e), i32.const(15)), i32.const(-16)))),
      set(acc32, ZERO),
      set(p, get(a)),
      whileLoop(
        i32.lt_s(get(p), get(b)),
        set(acc16, ZERO),
        set(lim, i32.add(get(p), i32.const(16 * WIDEN_EVERY))),
        set(lim, select(get(lim), get(b), i32.lt_s(get(lim), get(b)))),
        whileLoop(i32.lt_s(get(p), get(lim)), set(acc16, i16x8Add(get(acc16), widen8(prepared(get(p), v)))), inc(p, 16)),
        set(acc32, i32x4Add(get(acc32), widen16(get(acc16)))),
      ),
      // (s & 12) * 4 = 16 * (the run's first lane in its vector); likewise for its end.
      set(acc32, i32x4Sub(get(acc32), outside(get(a), i32.add(get(masks), i32.mul(i32And(get(s), i32.const(12)), i32.const(4)))))),
      set(
        acc32,
        i32x4Sub(
          get(acc32),
          outside(i32.sub(get(b), i32.const(16)), i32.add(get(masks), i32.add(i32.const(64), i32.mul(i32And(get(e), i32.const(12)), i32.const(4))))),
        ),
      ),
      i32Store(get(out), i32.add(i32.add(i32x4Lane(get(acc32), 0), i32x4Lane(get(acc32), 1)), i32.add(i32x4Lane(get(acc32), 2), i32x4Lane(get(acc32), 3)))),
      inc(out, 4),
      inc(rp, 8),
    ),
    inc(src, get(stride)),
  );
  return f;
}

/** The compiled kernel: the module's exports. */
export interface BlockhashKernels {
  memory: WebAssembly.Memory;
  runs(src: number, rows: number, stride: number, runs: number, nRuns: number, masks: number, out: number): void;
}

/** The kernel's module bytes (the build writes them to src/runtime/worker/wasm/blockhash.wasm: npm run build:wasm). */
export function blockhashWasmBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([runsKernel()], 1);
}

/** The kernel from a module compiled elsewhere (Workers: the .wasm file the worker imports). */
export function blockhashKernelsFrom(module: WebAssembly.Module): BlockhashKernels {
  return kernelExports<BlockhashKernels>(module, ['runs']);
}

/** The kernel compiled here, from the bytes; throws where the runtime compiles no code at run time. */
export function compileBlockhashKernels(): BlockhashKernels {
  return blockhashKernelsFrom(new WebAssembly.Module(blockhashWasmBytes()));
}

/** Bytes of rows copied in per kernel call (the band), about. */
const BAND_BYTES = 256 * 1024;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

const MASKS = new Uint32Array(32);
for (let j = 0; j < 4; j++) {
  for (let lane = 0; lane < 4; lane++) {
    MASKS[4 * j + lane] = lane < j ? 0xffffffff : 0;
    MASKS[16 + 4 * j + lane] = j > 0 && lane >= j ? 0xffffffff : 0;
  }
}

/** The run totals through the kernel. */
export function wasmRunTotals(k: BlockhashKernels): RunTotals {
  return (rgba, width, rows, cols, band) => {
    const { runStart, runEnd } = cols;
    const runs = runStart.length;
    const rowBytes = width * 4;
    const stride = roundUp(rowBytes, 16);
    const bandRows = Math.max(1, Math.min(rows, Math.floor(BAND_BYTES / stride)));
    let top = 0;
    const alloc = (bytes: number): number => {
      const at = top;
      top += roundUp(bytes, 16);
      return at;
    };
    const masks = alloc(MASKS.byteLength);
    const table = alloc(runs * 8);
    const out = alloc(bandRows * runs * 4);
    const src = alloc(bandRows * stride);
    const need = top - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    const buf = k.memory.buffer;
    try {
      new Uint32Array(buf, masks, MASKS.length).set(MASKS);
      const t = new Int32Array(buf, table, runs * 2);
      for (let i = 0; i < runs; i++) {
        t[2 * i] = runStart[i] * 4;
        t[2 * i + 1] = runEnd[i] * 4;
      }
      const u8 = new Uint8Array(buf);
      const totals = new Int32Array(buf, out, bandRows * runs);
      for (let y0 = 0; y0 < rows; y0 += bandRows) {
        const n = Math.min(bandRows, rows - y0);
        if (stride === rowBytes) u8.set(rgba.subarray(y0 * rowBytes, (y0 + n) * rowBytes), src);
        else for (let r = 0; r < n; r++) u8.set(rgba.subarray((y0 + r) * rowBytes, (y0 + r + 1) * rowBytes), src + r * stride);
        k.runs(src, n, stride, table, runs, masks, out);
        band(y0, n, totals);
      }
    } finally {
      new Uint8Array(buf, 0, top).fill(0);
    }
  };
}
