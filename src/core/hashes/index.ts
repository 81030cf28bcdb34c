/**
 * The hash vocabulary room: the hash types the node stores, their formats and lengths (types.ts),
 * the one table of default match thresholds and quality gates (thresholds.ts), the label vocabulary
 * (labels.ts) and the digester contract for exact hashes (digest.ts).
 */
export * from './describe';
export * from './digest';
export * from './labels';
export * from './thresholds';
export * from './types';
