/**
 * jSquash's PNG decoder (the Rust `png` crate, built with wasm-bindgen) bound by hand: its own glue
 * keeps one instance for ever and builds a DOM ImageData, which Workers lack. Here each image gets
 * a fresh instance (see emscripten.ts for why) and the pixels are handed over as a view of the
 * instance's memory, without a copy: the instance is dropped with the view once the hashes are made.
 *
 * The imports are found by their wasm-bindgen names without the hash suffix, so a rebuild of the
 * same decoder with new suffixes still binds; an import this file does not know fails loudly.
 */
import { CodecError } from './emscripten';
import type { Pixels } from './pixels';

interface PngExports {
  memory: WebAssembly.Memory;
  __wbindgen_malloc(size: number, align: number): number;
  decode(ptr: number, len: number): number;
  decode_rgba16(ptr: number, len: number): number;
  imagedatargba16_width(p: number): number;
  imagedatargba16_height(p: number): number;
  imagedatargba16_data(p: number): number;
}

/** 16-bit RGBA (for the one layout the node reads at 16 bits: greyscale without alpha). */
export interface Pixels16 {
  width: number;
  height: number;
  rgba16: Uint16Array;
  heapBytes: number;
}

function instantiate(module: WebAssembly.Module): { wasm: PngExports; take(i: number): unknown; thrown(): string | undefined } {
  // wasm-bindgen's object table: indices below 132 are fixed (128 undefined, 129 null, 130 true, 131 false).
  const heap: unknown[] = new Array(128).fill(undefined);
  heap.push(undefined, null, true, false);
  let next = heap.length;
  const add = (o: unknown): number => {
    if (next === heap.length) heap.push(heap.length + 1);
    const i = next;
    next = heap[i] as number;
    heap[i] = o;
    return i;
  };
  const take = (i: number): unknown => {
    const o = heap[i];
    if (i >= 132) {
      heap[i] = next;
      next = i;
    }
    return o;
  };
  let wasm!: PngExports;
  let message: string | undefined;
  const fns: Record<string, (...a: number[]) => unknown> = {
    __wbindgen_memory: () => add(wasm.memory),
    __wbg_buffer: (o) => add((heap[o] as WebAssembly.Memory).buffer),
    __wbg_newwithbyteoffsetandlength: (o, off, len) => add(new Uint16Array(heap[o] as ArrayBuffer, off >>> 0, len >>> 0)),
    __wbindgen_object_drop_ref: (o) => void take(o),
    __wbg_newwithownedu8clampedarrayandsh: (ptr, len, w, h) =>
      add({ width: w >>> 0, height: h >>> 0, rgba: new Uint8Array(wasm.memory.buffer, ptr >>> 0, len >>> 0) } satisfies Pixels),
    __wbindgen_throw: (ptr, len) => {
      message = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr >>> 0, len >>> 0));
      throw new CodecError(message);
    },
  };
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const key = imp.name.replace(/_[0-9a-f]{16}$/, '');
    if (!fns[key]) throw new CodecError(`the PNG decoder wants an import this node does not provide: ${imp.module}.${imp.name}`);
    (imports[imp.module] ??= {})[imp.name] = fns[key];
  }
  wasm = new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports as unknown as PngExports;
  return { wasm, take, thrown: () => message };
}

function call<T>(module: WebAssembly.Module, bytes: Uint8Array, run: (b: ReturnType<typeof instantiate>, ptr: number) => T): T {
  const bound = instantiate(module);
  const ptr = bound.wasm.__wbindgen_malloc(bytes.byteLength, 1) >>> 0;
  new Uint8Array(bound.wasm.memory.buffer, ptr, bytes.byteLength).set(bytes);
  try {
    return run(bound, ptr);
  } catch (e) {
    // A Rust panic traps (RuntimeError: unreachable) after printing nothing we can read.
    throw e instanceof CodecError ? e : new CodecError(bound.thrown() ?? (e as Error).message, { cause: e });
  }
}

/** 8-bit RGBA: palette expanded, tRNS as alpha, 16-bit samples by their high byte, low depths scaled. */
export function decodePng(module: WebAssembly.Module, bytes: Uint8Array): Pixels {
  return call(module, bytes, (b, ptr) => ({ ...(b.take(b.wasm.decode(ptr, bytes.byteLength)) as Pixels), heapBytes: b.wasm.memory.buffer.byteLength }));
}

export function decodePng16(module: WebAssembly.Module, bytes: Uint8Array): Pixels16 {
  return call(module, bytes, (b, ptr) => {
    const p = b.wasm.decode_rgba16(ptr, bytes.byteLength) >>> 0;
    return {
      width: b.wasm.imagedatargba16_width(p) >>> 0,
      height: b.wasm.imagedatargba16_height(p) >>> 0,
      rgba16: b.take(b.wasm.imagedatargba16_data(p)) as Uint16Array,
      heapBytes: b.wasm.memory.buffer.byteLength,
    };
  });
}
