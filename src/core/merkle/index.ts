/**
 * The audit log's Merkle tree (RFC 9162 §2.1): hashing, append with a frontier of complete
 * subtrees, proofs assembled from stored subtree hashes, and proof verification. Pure: no storage,
 * no clock, no runtime imports. Split by concern into merkle-*.ts; import from here.
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
