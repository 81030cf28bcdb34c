/**
 * Runs one of jSquash's Emscripten decoders (MozJPEG, libwebp, libavif + dav1d) from a precompiled
 * WebAssembly.Module, in a fresh instance per image: the instance and its memory are dropped when
 * the call returns, so no pixel stays in a decoder heap after the request, a decoder heap never sits
 * at the high-water mark of the largest image seen, and a decoder that aborted (libjpeg's error exit
 * ends the Emscripten runtime) is never called again.
 */
import type { Pixels } from './pixels';

interface EmscriptenModule {
  // Embind checks the argument count: MozJPEG and libavif take two, libwebp one.
  decode(data: ArrayBuffer, option?: boolean | number): { data: Uint8ClampedArray; width: number; height: number } | null;
}
type Factory = (opts: Record<string, unknown>) => Promise<EmscriptenModule>;

export class CodecError extends Error {}

/**
 * Decodes with `factory` (the codec's Emscripten glue) instantiated from `module`. `option` is the
 * codec's second argument (MozJPEG: preserveOrientation false; libavif: 8 bits). The codec's own
 * messages (libjpeg's "Unsupported color conversion request", …) become the error's text.
 */
export async function emscriptenDecode(factory: Factory, module: WebAssembly.Module, bytes: Uint8Array, option?: boolean | number): Promise<Pixels> {
  const said: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  let codec: EmscriptenModule;
  try {
    codec = await factory({
      noInitialRun: true,
      instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) {
        const instance = new WebAssembly.Instance(module, imports);
        memory = [...Object.values(instance.exports), ...Object.values(imports).flatMap((ns) => Object.values(ns))].find(
          (v) => v instanceof WebAssembly.Memory,
        ) as WebAssembly.Memory | undefined;
        done(instance);
        return instance.exports;
      },
      print: () => {},
      printErr: (s: string) => said.push(s),
    });
  } catch (e) {
    throw new CodecError(`the decoder did not start: ${(e as Error).message}`, { cause: e });
  }
  // The codecs copy their input into their own heap; hand them a tight buffer.
  const input = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  let out: ReturnType<EmscriptenModule['decode']>;
  const copying = globalThis.Uint8ClampedArray;
  try {
    // The codecs return `new Uint8ClampedArray(view of their heap)`, a copy of the whole RGBA. For
    // the length of this synchronous call that constructor makes a view instead: the pixels stay
    // in the heap of an instance nobody calls again, and an image costs its RGBA once, not twice
    // (12 Mpx: 49 MB less, the difference between fitting a Worker's 128 MB and not).
    globalThis.Uint8ClampedArray = viewing(copying);
    out = option === undefined ? codec.decode(input) : codec.decode(input, option as never);
  } catch (e) {
    throw new CodecError(said.join('; ') || (e as Error).message, { cause: e });
  } finally {
    globalThis.Uint8ClampedArray = copying;
  }
  if (!out) throw new CodecError(said.join('; ') || 'the decoder returned nothing');
  return {
    width: out.width,
    height: out.height,
    rgba: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength),
    heapBytes: memory?.buffer.byteLength,
  };
}

/** Uint8ClampedArray, except that `new` on another typed array gives a view of its memory, not a copy. */
function viewing(Real: Uint8ClampedArrayConstructor): Uint8ClampedArrayConstructor {
  const View = function (this: unknown, ...args: unknown[]) {
    const [src] = args;
    if (args.length === 1 && ArrayBuffer.isView(src)) return new Real(src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
    return Reflect.construct(Real, args, Real);
  };
  View.prototype = Real.prototype;
  return View as unknown as Uint8ClampedArrayConstructor;
}
