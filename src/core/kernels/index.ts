/**
 * The kernels room: the WebAssembly kernels of the pixel hashes (PDQ's downscale, blockhash's sums)
 * as one value, built once by whoever wires the node (runtime/node/deps.ts, runtime/worker/deps.ts,
 * a test, a bench, the client) and handed down, instead of a module-level toggle.
 *
 * A kernel that fails to build throws; the caller may instead ask to be told (`onFailure`, called
 * once per kernel at build time: production logs it) and run that hash's TypeScript path, which
 * gives the same hashes more slowly. Nothing falls back silently.
 */
import { blockhashKernelsFrom, compileBlockhashKernels, type BlockhashKernels } from '../blockhash';
import { compilePdqKernels, pdqKernelsFrom, type PdqKernels } from '../pdq';

export interface HashKernels {
  pdq: PdqKernels | null;
  blockhash: BlockhashKernels | null;
}

export interface KernelSources {
  /** Modules compiled ahead (Workers compile no code at run time); without them the bytes are compiled here. */
  modules?: { pdq: WebAssembly.Module; blockhash: WebAssembly.Module };
  /** Told of a kernel that did not build, which then runs in TypeScript; without it the build throws. */
  onFailure?: (kernel: keyof HashKernels, error: Error) => void;
}

export function buildHashKernels(sources: KernelSources = {}): HashKernels {
  const { modules, onFailure } = sources;
  const build = <K>(name: keyof HashKernels, make: () => K): K | null => {
    try {
      return make();
    } catch (e) {
      const error = new Error(`the ${name} WebAssembly kernel did not build: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      if (!onFailure) throw error;
      onFailure(name, error);
      return null;
    }
  };
  return {
    pdq: build('pdq', () => (modules ? pdqKernelsFrom(modules.pdq) : compilePdqKernels())),
    blockhash: build('blockhash', () => (modules ? blockhashKernelsFrom(modules.blockhash) : compileBlockhashKernels())),
  };
}
