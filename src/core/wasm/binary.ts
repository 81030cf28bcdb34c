/**
 * A minimal WebAssembly binary writer: enough to express small numeric kernels (pdq/wasm-kernels.ts,
 * blockhash/wasm.ts) as TypeScript that builds the module's bytes when first needed. The kernels' source is therefore
 * ordinary reviewed code in the repository, the bytes are reproduced on every run (no checked-in
 * binary, no toolchain, no build step), and src/core stays free of Node APIs.
 *
 * Code is built as nested expressions in stack order: `f32x4.add(get(a), get(b))` is the bytes of
 * `local.get a; local.get b; f32x4.add`. Only the instructions the kernels use are defined; the
 * opcodes are those of the WebAssembly 2.0 core binary format (SIMD: 0xfd prefix + LEB128 opcode).
 */

/** A run of instruction bytes. */
export type Code = readonly number[];

export const I32 = 0x7f;
const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** An unsigned LEB128 number, as the binary format writes counts, indices and offsets. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function utf8(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Concatenates code fragments. */
export function seq(...parts: Code[]): Code {
  return parts.flat();
}

// Locals and control flow.
export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number, v: Code): Code => [...v, 0x21, ...uleb(i)];
/** `i += by` for an i32 local. */
export const inc = (i: number, by: number | Code): Code => set(i, i32.add(get(i), typeof by === 'number' ? i32.const(by) : by));
const block = (body: Code): Code => [0x02, 0x40, ...body, 0x0b];
const loop = (body: Code): Code => [0x03, 0x40, ...body, 0x0b];
const br = (depth: number): Code => [0x0c, ...uleb(depth)];
const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb(depth)];

/** `while (cond) body`. The body must not branch out itself. */
export function whileLoop(cond: Code, ...body: Code[]): Code {
  return block(loop(seq(brIf(1, i32.eqz(cond)), ...body, br(0))));
}

/** `for (i = from; i < to; i += step) body`, i32 signed comparison; `to` is re-evaluated each time. */
export function forLoop(i: number, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return seq(set(i, from), whileLoop(i32.lt_s(get(i), to), ...body, inc(i, step)));
}

/** Memory access immediates: alignment (log2 bytes) and a constant byte offset. */
const memarg = (align: number, offset: number): number[] => [align, ...uleb(offset)];

export const i32 = {
  const: (n: number): Code => [0x41, ...sleb(n | 0)],
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(2, offset)],
  add: (a: Code, b: Code): Code => [...a, ...b, 0x6a],
  sub: (a: Code, b: Code): Code => [...a, ...b, 0x6b],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0x6c],
  eqz: (a: Code): Code => [...a, 0x45],
  lt_s: (a: Code, b: Code): Code => [...a, ...b, 0x48],
  le_s: (a: Code, b: Code): Code => [...a, ...b, 0x4c],
};

const simd = (op: number, ...args: Code[]): Code => [...args.flat(), 0xfd, ...uleb(op)];

export const v128 = {
  load: (addr: Code, offset = 0): Code => [...addr, 0xfd, ...uleb(0x00), ...memarg(4, offset)],
  /** A 4-byte value broadcast to the 4 lanes. */
  load32Splat: (addr: Code, offset = 0): Code => [...addr, 0xfd, ...uleb(0x09), ...memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0xfd, ...uleb(0x0b), ...memarg(4, offset)],
  /** Stores lane `lane` (of 4) of `value`. */
  store32Lane: (addr: Code, value: Code, lane: number, offset = 0): Code => [...addr, ...value, 0xfd, ...uleb(0x5a), ...memarg(2, offset), lane],
  const: (bytes: ArrayLike<number>): Code => [0xfd, ...uleb(0x0c), ...Array.from(bytes)],
  and: (a: Code, b: Code): Code => [...a, ...b, 0xfd, ...uleb(0x4e)],
  /** Byte shuffle of two vectors: result byte i = (a ++ b)[lanes[i]]. */
  shuffle: (a: Code, b: Code, lanes: readonly number[]): Code => [...a, ...b, 0xfd, ...uleb(0x0d), ...lanes],
};

export const i32x4 = {
  /** Each lane shifted right (logical) by the i32 `by`. */
  shrU: (a: Code, by: Code): Code => simd(0xad, a, by),
};

export const f32x4 = {
  add: (a: Code, b: Code): Code => simd(0xe4, a, b),
  sub: (a: Code, b: Code): Code => simd(0xe5, a, b),
  div: (a: Code, b: Code): Code => simd(0xe7, a, b),
  /** Lanes 0-1 from the two binary64 lanes (rounded to nearest even), lanes 2-3 zero. */
  demoteF64x2Zero: (a: Code): Code => simd(0x5e, a),
};

export const f64x2 = {
  add: (a: Code, b: Code): Code => simd(0xf0, a, b),
  mul: (a: Code, b: Code): Code => simd(0xf2, a, b),
  /** The two low i32 lanes as binary64 (exact). */
  convertLowI32x4S: (a: Code): Code => simd(0xfe, a),
};

/** A function under construction: parameters first, then locals added with `local`. */
export class Func {
  private readonly locals: ValType[] = [];
  body: Code = [];

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
  ) {}

  /** A new local of type t; its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  /** `count` new locals of type t. */
  localsOf(t: ValType, count: number): number[] {
    return Array.from({ length: count }, () => this.local(t));
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const code = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...this.body, 0x0b];
    return [...uleb(code.length), ...code];
  }
}

/**
 * A module of functions with no results, each exported under its name, plus one memory exported
 * as `memory` (`pages` of 64 KiB to start; the caller grows it).
 */
export function moduleBytes(funcs: readonly Func[], pages: number): Uint8Array<ArrayBuffer> {
  const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0x00]);
  const name = (s: string): number[] => [...uleb(utf8(s).length), ...utf8(s)];
  const exports = [...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0x00]];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(funcs.map((f) => f.encode()))),
  ]);
}

/**
 * The exports of a new instance of `module`, checked to hold `memory` and each function named: a
 * module built for other kernels (or a stale .wasm file) fails here, not in the middle of a hash.
 */
export function kernelExports<T>(module: WebAssembly.Module, functions: readonly string[]): T {
  const exports = new WebAssembly.Instance(module).exports;
  const missing = ['memory', ...functions].filter((name) => !(name in exports));
  if (missing.length) throw new Error(`the module lacks ${missing.join(', ')}`);
  return exports as unknown as T;
}
