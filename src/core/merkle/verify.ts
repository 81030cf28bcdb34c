/**
 * Proof verification, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), for the verifier CLI
 * and for peers' tree heads. Runs on untrusted input, so every path either returns or throws
 * MerkleProofError: sizes that are not safe integers (a uint64 index parsed into a double) are
 * refused, not rounded.
 *
 * Policies beyond the RFC's arithmetic (those of transparency-dev/merkle, and right for an audit
 * log): a leaf hash that is not 32 bytes is refused before any hashing; a consistency proof from
 * size 0 is refused, even 0 -> 0, as it proves nothing; equal sizes need an empty proof and equal
 * roots (whatever their length).
 */
import { MerkleProofError } from './error';
import { HASH_SIZE, bytesEqual, nodeHash } from './hash';
import { consistencyProofLength, inclusionProofLength } from './tree';

/** Throws MerkleProofError unless `proof` shows leaf `index` with hash `leaf` in the tree of `root`. */
export function assertInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkBytes('root', root);
  if (!bytesEqual(rootFromInclusionProof(leaf, index, size, proof), root)) {
    throw new MerkleProofError('root_mismatch', 'the inclusion proof does not lead to the given root');
  }
}

export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  return succeeds(() => assertInclusion(leaf, index, size, proof, root));
}

/** The root that an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1-4). */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Uint8Array {
  checkCount('leaf index', index);
  checkCount('tree size', size);
  if (index >= size) throw new MerkleProofError('invalid_argument', `leaf index ${index} is not below tree size ${size}`);
  checkHash('leaf hash', leaf);
  checkProof(proof, inclusionProofLength(index, size));

  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new MerkleProofError('wrong_proof_length', 'the inclusion proof is too long');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node is a lone right-edge child, which have no proof element.
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleProofError('wrong_proof_length', 'the inclusion proof is too short');
  return r;
}

/** Throws MerkleProofError unless `proof` shows the tree of `secondRoot` extends that of `firstRoot`. */
export function assertConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): void {
  checkCount('first tree size', first);
  checkCount('second tree size', second);
  checkBytes('first root', firstRoot);
  checkBytes('second root', secondRoot);
  if (!Array.isArray(proof)) throw new MerkleProofError('invalid_argument', 'the proof must be an array');
  if (first === 0) throw new MerkleProofError('invalid_argument', 'a consistency proof from the empty tree proves nothing');
  if (first > second) throw new MerkleProofError('invalid_argument', `first tree size ${first} exceeds second ${second}`);
  if (first === second) {
    if (proof.length !== 0) throw new MerkleProofError('wrong_proof_length', 'equal tree sizes need an empty proof');
    if (!bytesEqual(firstRoot, secondRoot)) throw new MerkleProofError('root_mismatch', 'equal tree sizes with different roots');
    return;
  }
  checkProof(proof, consistencyProofLength(first, second));

  // When `first` is a power of two its tree is a complete subtree of the second one, so the proof
  // leaves it out and the verifier starts from the first root itself.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw new MerkleProofError('wrong_proof_length', 'the consistency proof is too long');
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleProofError('wrong_proof_length', 'the consistency proof is too short');
  if (!bytesEqual(fr, firstRoot)) throw new MerkleProofError('root_mismatch', 'the consistency proof does not lead to the first root');
  if (!bytesEqual(sr, secondRoot)) throw new MerkleProofError('root_mismatch', 'the consistency proof does not lead to the second root');
}

export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  return succeeds(() => assertConsistency(first, second, firstRoot, secondRoot, proof));
}

function succeeds(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (e) {
    if (e instanceof MerkleProofError) return false;
    throw e;
  }
}

/** Element lengths and count are checked before hashing, so a malformed proof fails with a clear reason. */
function checkProof(proof: readonly Uint8Array[], expected: number): void {
  if (!Array.isArray(proof)) throw new MerkleProofError('invalid_argument', 'the proof must be an array');
  for (const p of proof) checkHash('proof element', p);
  if (proof.length !== expected) {
    throw new MerkleProofError('wrong_proof_length', `the proof has ${proof.length} elements; these sizes need ${expected}`);
  }
}

function checkHash(what: string, h: unknown): void {
  checkBytes(what, h);
  if ((h as Uint8Array).length !== HASH_SIZE) throw new MerkleProofError('invalid_hash_length', `${what} must be ${HASH_SIZE} bytes`);
}

function checkBytes(what: string, b: unknown): void {
  if (!(b instanceof Uint8Array)) throw new MerkleProofError('invalid_argument', `${what} must be bytes`);
}

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleProofError('invalid_argument', `${what} must be a non-negative safe integer`);
}

const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);
const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;
