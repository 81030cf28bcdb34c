/**
 * The one error the Merkle code throws for bad input or a proof that does not check. It is not a
 * DomainError on purpose: a failed proof is a finding of the verifier (CLI, federation), not an HTTP
 * status; services that take tree sizes from a request validate them first and map to their own code.
 */
export type MerkleProofErrorReason =
  | 'invalid_argument' // a size or index that is not a non-negative safe integer, or out of range
  | 'invalid_hash_length' // a leaf hash or proof element that is not 32 bytes
  | 'invalid_frontier' // a frontier whose hash count does not match its size
  | 'wrong_proof_length' // more or fewer elements than the sizes call for
  | 'root_mismatch'; // the proof does not lead to the given root(s)

export class MerkleProofError extends Error {
  readonly reason: MerkleProofErrorReason;

  constructor(reason: MerkleProofErrorReason, message: string) {
    super(message);
    this.name = 'MerkleProofError';
    this.reason = reason;
  }
}
