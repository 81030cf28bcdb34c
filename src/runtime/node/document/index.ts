/**
 * The document room of the Node runtime: the PDF renderer on poppler's command-line tools
 * (poppler.ts) and the capped child processes it runs them as, fed from memory and held to an
 * address-space cap, a CPU cap and a wall-clock deadline (capped.ts).
 */
export { PopplerPdfRenderer, type PopplerOptions } from './poppler';
export { runCapped } from './capped';
