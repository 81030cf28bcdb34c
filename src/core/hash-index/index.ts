/**
 * The matching index room: the in-memory index of every stored hash (match.ts: exact hashes in
 * maps, perceptual ones in a Hamming index, vPDQ frames by their video), the Hamming index contract
 * (hamming.ts), the multi-index hashing index that answers radius queries over millions of 256-bit
 * hashes (mih.ts) and the brute-force index it is checked and benchmarked against (brute-force.ts).
 */
export * from './brute-force';
export * from './hamming';
export * from './index';
export * from './match';
export * from './mih';
export * from './tlsh';
