/**
 * The matching index room: the in-memory index of every stored hash (match.ts: exact hashes in
 * maps, perceptual ones in a Hamming index, vPDQ frames and PDF pages by their video or PDF, tlsh
 * digests in a scanned bank: tlsh.ts), the Hamming index contract
 * (hamming.ts), the multi-index hashing index that answers radius queries over millions of 256-bit
 * hashes (mih/: slots, piece layout, cost model, base probe, overflow, compaction in steps, and the
 * job protocol of its helper thread) and the brute-force index it is checked and benchmarked
 * against (brute-force.ts).
 */
export * from './brute-force';
export * from './hamming';
export * from './match';
export * from './mih';
export * from './tlsh';
