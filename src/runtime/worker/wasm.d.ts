/** Wrangler (and the workerd test pool) turn `import x from './file.wasm'` into a precompiled module. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
