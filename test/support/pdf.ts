/** Generated PDFs for the tests: the bench's magazines (src/cli/bench/magazine.ts), and hand-written hostile ones (pdf-raw.ts). */
export * from '../../src/cli/bench/magazine';
