/**
 * The match helper room: the second thread that takes half of each large match batch (helper.ts,
 * the main thread's side; thread.ts, the thread's, bundled as dist/mih-thread.js; thread-boot.mjs
 * starts it from the sources under tsx).
 */
export { MihHelper } from './helper';
