/**
 * The Merkle room: the audit log's tree (RFC 9162 §2.1). Leaf and node hashes (hash.ts); append with a
 * frontier of complete subtrees, roots, and proofs assembled from stored subtree hashes (tree.ts);
 * proof verification (verify.ts); an in-memory subtree store (store.ts); its one error (error.ts).
 * Pure: no storage, no clock, no runtime imports.
 */
export { HASH_SIZE, bytesEqual, emptyRoot, leafHash, nodeHash } from './hash';
export { MerkleProofError, type MerkleProofErrorReason } from './error';
export {
  EMPTY_FRONTIER,
  appendLeaf,
  assembleConsistencyProof,
  assembleFrontier,
  assembleInclusionProof,
  assembleRoot,
  consistencyProof,
  consistencyProofKeys,
  frontierAt,
  inclusionProof,
  inclusionProofKeys,
  inclusionRanges,
  rootAt,
  rootFromFrontier,
  rootKeys,
  type Frontier,
  type Range,
  type SubtreeHash,
  type SubtreeKey,
  type SubtreeReader,
} from './tree';
export { MemorySubtreeStore } from './store';
export { assertConsistency, assertInclusion, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify';
