/** The node's version, as /health reports it on both runtimes (test/runtime/config.test.ts: package.json's). */
export const VERSION = '0.1.0';
