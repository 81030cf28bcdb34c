/**
 * The hashes' WebAssembly kernels are a value the entry points build (core/kernels), not a module
 * toggle: built here they run; a module that is not the kernel's fails the build loudly, or, when
 * the caller asks to be told (production), is reported once and leaves that hash to its TypeScript
 * path, which gives the same hashes.
 */
import { describe, expect, it } from 'vitest';
import { blockhashFromRgba, blockhashWasmBytes } from '../../src/core/blockhash';
import { buildHashKernels } from '../../src/core/kernels';
import { pdqFromRgba, pdqWasmBytes } from '../../src/core/pdq';
import { uniform } from '../../src/core/prng';

const [w, h] = [301, 173];
const rand = uniform(7);
const rgba = new Uint8Array(w * h * 4).map(() => Math.floor(rand() * 256));
const modules = { pdq: new WebAssembly.Module(pdqWasmBytes()), blockhash: new WebAssembly.Module(blockhashWasmBytes()) };

describe('buildHashKernels', () => {
  it('compiles both kernels here, and builds them from modules compiled elsewhere (as Workers do)', () => {
    for (const k of [buildHashKernels(), buildHashKernels({ modules })]) {
      expect(k.pdq?.memory).toBeInstanceOf(WebAssembly.Memory);
      expect(k.blockhash?.memory).toBeInstanceOf(WebAssembly.Memory);
      expect(pdqFromRgba(rgba, w, h, k.pdq)).toEqual(pdqFromRgba(rgba, w, h, null));
      expect(blockhashFromRgba(rgba, w, h, k.blockhash)).toBe(blockhashFromRgba(rgba, w, h, null));
    }
  });

  it('a module that is not the kernel fails the build, naming the kernel and what the module lacks', () => {
    const swapped = { pdq: modules.blockhash, blockhash: modules.pdq };
    expect(() => buildHashKernels({ modules: swapped })).toThrow(/the pdq WebAssembly kernel did not build: the module lacks lumaBand8, floatBand8/);
    expect(() => buildHashKernels({ modules: { ...modules, blockhash: modules.pdq } })).toThrow(
      /the blockhash WebAssembly kernel did not build: the module lacks runs/,
    );
  });

  it('with onFailure: told once per kernel that failed, which then runs in TypeScript with the same hashes', () => {
    const told: string[] = [];
    const k = buildHashKernels({ modules: { ...modules, blockhash: modules.pdq }, onFailure: (name, e) => told.push(`${name}: ${e.message}`) });
    expect(told).toEqual(['blockhash: the blockhash WebAssembly kernel did not build: the module lacks runs']);
    expect(k.pdq).not.toBeNull();
    expect(k.blockhash).toBeNull();
    expect(blockhashFromRgba(rgba, w, h, k.blockhash)).toBe(blockhashFromRgba(rgba, w, h, buildHashKernels().blockhash));
  });
});
