/**
 * The hash pool room: the worker threads that run the pixel hashes and the digests off the main
 * thread (pool.ts, the main thread's side; thread.ts, the threads', bundled as dist/hash-thread.js;
 * thread-boot.mjs starts it from the sources under tsx).
 */
export { BYTES_PER_PIXEL, imageMemoryBudget, THREAD_BYTES, type ImageBudgetInput } from './budget';
export { HashPool, type HashPoolOptions } from './pool';
