/** The Emscripten-built decoders of jSquash, each from its precompiled module. */
import avifFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import jpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { emscriptenDecode } from './emscripten';
import type { Pixels } from './pixels';

/**
 * The decoders' WebAssembly modules, compiled ahead: on Workers the .wasm files the worker entry
 * imports (src/runtime/worker/wasm-modules.ts), in Node tests compiled from the same files.
 */
export interface EdgeCodecModules {
  jpeg: WebAssembly.Module;
  png: WebAssembly.Module;
  webp: WebAssembly.Module;
  avif: WebAssembly.Module;
}

export function decodeWithWasm(format: 'jpeg' | 'webp' | 'avif', m: EdgeCodecModules, bytes: Uint8Array): Promise<Pixels> {
  // MozJPEG: no EXIF rotation (preserveOrientation false is the codec's "leave the pixels as stored").
  if (format === 'jpeg') return emscriptenDecode(jpegFactory as never, m.jpeg, bytes, false);
  if (format === 'webp') return emscriptenDecode(webpFactory as never, m.webp, bytes);
  return emscriptenDecode(avifFactory as never, m.avif, bytes, 8);
}
