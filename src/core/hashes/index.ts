/**
 * The hash vocabulary room: the hash types the node stores and their formats, lengths and default
 * match distances (types.ts), the label vocabulary (labels.ts) and the digester contract for exact
 * hashes (digest.ts).
 */
export * from './describe';
export * from './digest';
export * from './index';
export * from './labels';
export * from './types';
