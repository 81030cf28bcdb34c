/**
 * Every WebAssembly module the worker runs, imported as files: Workers refuse to compile code at
 * run time, and Wrangler uploads imported .wasm files with the script, compiled ahead. Only the
 * worker entry imports this file (Node compiles the same kernels in memory, and uses sharp).
 */
import avif from '@jsquash/avif/codec/dec/avif_dec.wasm';
import jpeg from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
// @ts-expect-error the package's .d.ts describes the wasm as an ES module of exports; Wrangler imports a WebAssembly.Module
import png from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import webp from '@jsquash/webp/codec/dec/webp_dec.wasm';
import blockhash from './wasm/blockhash.wasm';
import pdq from './wasm/pdq.wasm';
import type { EdgeCodecModules } from './image';

export interface WorkerWasm {
  /** The node's own kernels (npm run build:wasm). */
  pdq: WebAssembly.Module;
  blockhash: WebAssembly.Module;
  /** The image decoders (jSquash). */
  codecs: EdgeCodecModules;
}

export const WORKER_WASM: WorkerWasm = { pdq, blockhash, codecs: { jpeg, png, webp, avif } };
