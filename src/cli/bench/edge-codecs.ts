/** The worker's decoder modules, compiled in Node from the same .wasm files Wrangler uploads (tests, benches). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EdgeCodecModules } from '../../runtime/worker/image';

const require = createRequire(import.meta.url);

/** The .wasm file of each decoder (what src/runtime/worker/wasm-modules.ts imports). */
export const EDGE_CODEC_FILES: Record<keyof EdgeCodecModules, string> = {
  jpeg: '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  png: '@jsquash/png/codec/pkg/squoosh_png_bg.wasm',
  webp: '@jsquash/webp/codec/dec/webp_dec.wasm',
  avif: '@jsquash/avif/codec/dec/avif_dec.wasm',
};

let modules: EdgeCodecModules | undefined;

export function edgeCodecModules(): EdgeCodecModules {
  const compile = (spec: string) => new WebAssembly.Module(readFileSync(require.resolve(spec)));
  modules ??= {
    jpeg: compile(EDGE_CODEC_FILES.jpeg),
    png: compile(EDGE_CODEC_FILES.png),
    webp: compile(EDGE_CODEC_FILES.webp),
    avif: compile(EDGE_CODEC_FILES.avif),
  };
  return modules;
}
