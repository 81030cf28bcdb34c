/**
 * The audit log's tree as stored data: every complete subtree — 2^level leaves starting at leaf
 * index * 2^level — is hashed once, when its last leaf arrives, and never changes again. Appending
 * keeps only the frontier (the complete subtrees whose sizes are the set bits of the tree size) and
 * hands back the subtrees it completed, for storage to persist. Every root and proof of any past
 * size is then a fold over at most 2·log2(n) stored subtree hashes: the proof code first names the
 * keys it needs (one SQL round-trip), the caller fetches them, and the assembler folds them.
 *
 * Why that suffices: every node of an RFC 9162 proof is MTH(D[start:end]) for a range whose start
 * is a multiple of a power of two >= end - start, so the range splits, largest first, into aligned
 * complete subtrees (the set bits of end - start), and MTH of the range is their right fold.
 *
 * Sizes and indices are plain numbers; every function accepts any safe integer (below 2^53).
 */
import { MerkleProofError } from './error';
import { popcount } from '../bits';
import { HASH_SIZE, emptyRoot, nodeHash } from './hash';

/** A complete subtree: 2^level leaves starting at leaf index * 2^level. Level 0 is a leaf. */
export interface SubtreeKey {
  readonly level: number;
  readonly index: number;
}

export interface SubtreeHash extends SubtreeKey {
  readonly hash: Uint8Array;
}

/**
 * Batch read of stored complete-subtree hashes, returned in the order of `keys`. Every key the proof
 * code asks for lies inside a tree size the log has reached, so a missing one is a storage fault and
 * the reader should throw.
 */
export interface SubtreeReader {
  getMany(keys: readonly SubtreeKey[]): readonly Uint8Array[] | Promise<readonly Uint8Array[]>;
}

/** The right edge of the tree: one complete subtree per set bit of `size`, largest (leftmost) first. */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, hashes: Object.freeze([]) as readonly Uint8Array[] });

/** [start, end) of leaves. */
export type Range = readonly [number, number];

// ---------------------------------------------------------------- append

/**
 * Appends one leaf hash. Costs one node hash per trailing 1-bit of the old size (amortized one).
 * `newSubtrees` lists, bottom-up, every complete subtree this append finished: the leaf itself at
 * level 0, then each merge. Persist all of them; proofs read nothing else.
 */
export function appendLeaf(frontier: Frontier, leaf: Uint8Array): { frontier: Frontier; newSubtrees: SubtreeHash[] } {
  checkFrontier(frontier);
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
    throw new MerkleProofError('invalid_hash_length', `a leaf hash must be ${HASH_SIZE} bytes`);
  }
  const size = frontier.size;
  if (size + 1 > Number.MAX_SAFE_INTEGER) throw new MerkleProofError('invalid_argument', 'tree is full');
  const hashes = frontier.hashes.slice();
  let hash = leaf;
  let level = 0;
  let index = size;
  const newSubtrees: SubtreeHash[] = [{ level, index, hash }];
  // Each trailing 1-bit of the old size is a same-sized subtree on the frontier to merge with.
  for (let s = size; s % 2 === 1; s = (s - 1) / 2) {
    hash = nodeHash(hashes.pop() as Uint8Array, hash);
    level++;
    index = Math.floor(index / 2);
    newSubtrees.push({ level, index, hash });
  }
  hashes.push(hash);
  return { frontier: { size: size + 1, hashes }, newSubtrees };
}

/** MTH of the whole tree: the right fold of the frontier. */
export function rootFromFrontier(frontier: Frontier): Uint8Array {
  checkFrontier(frontier);
  return frontier.size === 0 ? emptyRoot() : foldRight(frontier.hashes, 0, frontier.hashes.length);
}

// ---------------------------------------------------------------- roots and frontiers from storage

/** The stored subtrees that make up a tree of `size` leaves (its frontier), largest first. */
export function rootKeys(size: number): SubtreeKey[] {
  checkCount('tree size', size);
  return rangeKeys(0, size, []);
}

export function assembleRoot(size: number, hashes: readonly Uint8Array[]): Uint8Array {
  return rootFromFrontier(assembleFrontier(size, hashes));
}

/** Rebuilds the frontier of `size` from the hashes of `rootKeys(size)` (e.g. at start-up). */
export function assembleFrontier(size: number, hashes: readonly Uint8Array[]): Frontier {
  checkCount('tree size', size);
  const frontier = { size, hashes: hashes.slice() };
  checkFrontier(frontier);
  for (const h of frontier.hashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new MerkleProofError('invalid_hash_length', `a subtree hash must be ${HASH_SIZE} bytes`);
  }
  return frontier;
}

export async function rootAt(reader: SubtreeReader, size: number): Promise<Uint8Array> {
  return assembleRoot(size, await reader.getMany(rootKeys(size)));
}

export async function frontierAt(reader: SubtreeReader, size: number): Promise<Frontier> {
  return assembleFrontier(size, await reader.getMany(rootKeys(size)));
}

// ---------------------------------------------------------------- inclusion proofs (RFC 9162 §2.1.3.1)

/** The stored subtrees an inclusion proof needs, in proof order (each element's parts together). */
export function inclusionProofKeys(index: number, size: number): SubtreeKey[] {
  return rangesKeys(inclusionRanges(index, size));
}

/** Folds the hashes of `inclusionProofKeys(index, size)` (same order) into the proof. */
export function assembleInclusionProof(index: number, size: number, hashes: readonly Uint8Array[]): Uint8Array[] {
  return assemble(inclusionRanges(index, size), hashes);
}

export async function inclusionProof(reader: SubtreeReader, index: number, size: number): Promise<Uint8Array[]> {
  return assembleInclusionProof(index, size, await reader.getMany(inclusionProofKeys(index, size)));
}

/** How many elements PATH(index, D[size]) has. */
export function inclusionProofLength(index: number, size: number): number {
  return inclusionRanges(index, size).length;
}

/**
 * The ranges of PATH(m, D[n]), leaf side first: element i of an inclusion proof is the MTH of leaves
 * [start, end) of range i. Walking down from the root, the element at each split is the half that
 * does not hold leaf m; RFC 9162 lists them bottom-up, hence the reverse.
 */
export function inclusionRanges(index: number, size: number): Range[] {
  checkCount('tree size', size);
  checkCount('leaf index', index);
  if (index >= size) throw new MerkleProofError('invalid_argument', `leaf index ${index} is not below tree size ${size}`);
  const out: Range[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (index < mid) {
      out.push([mid, end]);
      end = mid;
    } else {
      out.push([start, mid]);
      start = mid;
    }
  }
  return out.reverse();
}

// ---------------------------------------------------------------- consistency proofs (RFC 9162 §2.1.4.1)

/** The stored subtrees a consistency proof needs, in proof order. Requires 1 <= first <= second. */
export function consistencyProofKeys(first: number, second: number): SubtreeKey[] {
  return rangesKeys(consistencyRanges(first, second));
}

export function assembleConsistencyProof(first: number, second: number, hashes: readonly Uint8Array[]): Uint8Array[] {
  return assemble(consistencyRanges(first, second), hashes);
}

export async function consistencyProof(reader: SubtreeReader, first: number, second: number): Promise<Uint8Array[]> {
  return assembleConsistencyProof(first, second, await reader.getMany(consistencyProofKeys(first, second)));
}

/** How many elements PROOF(first, D[second]) has (0 when the sizes are equal). */
export function consistencyProofLength(first: number, second: number): number {
  return consistencyRanges(first, second).length;
}

/**
 * The ranges of SUBPROOF(m, D[n], true). `known` is RFC 9162's b: true while the subtree being
 * walked is still a prefix of the first tree's own decomposition, whose MTH the verifier has; once
 * the walk steps right of a split, the subtree ending at `first` must be sent as well.
 * A proof from size 0 is refused: it proves nothing (and the verifier rejects it).
 */
function consistencyRanges(first: number, second: number): Range[] {
  checkCount('first tree size', first);
  checkCount('second tree size', second);
  if (first === 0) throw new MerkleProofError('invalid_argument', 'a consistency proof from the empty tree proves nothing');
  if (first > second) throw new MerkleProofError('invalid_argument', `first tree size ${first} exceeds second ${second}`);
  const out: Range[] = [];
  let start = 0;
  let end = second;
  let known = true;
  while (first !== end) {
    const mid = start + splitPoint(end - start);
    if (first <= mid) {
      out.push([mid, end]);
      end = mid;
    } else {
      out.push([start, mid]);
      start = mid;
      known = false;
    }
  }
  if (!known) out.push([start, end]);
  return out.reverse();
}

// ---------------------------------------------------------------- helpers

function assemble(ranges: readonly Range[], hashes: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  for (const [start, end] of ranges) {
    const parts = popcount(end - start);
    if (i + parts > hashes.length) break;
    out.push(foldRight(hashes, i, i + parts));
    i += parts;
  }
  if (out.length !== ranges.length || i !== hashes.length) {
    throw new MerkleProofError('invalid_argument', `expected ${rangesKeys(ranges).length} subtree hashes, got ${hashes.length}`);
  }
  return out;
}

function rangesKeys(ranges: readonly Range[]): SubtreeKey[] {
  const keys: SubtreeKey[] = [];
  for (const [start, end] of ranges) rangeKeys(start, end, keys);
  return keys;
}

/** Splits an aligned range into complete subtrees, largest first (the set bits of its length). */
function rangeKeys(start: number, end: number, into: SubtreeKey[]): SubtreeKey[] {
  let pos = start;
  while (pos < end) {
    const level = floorLog2(end - pos);
    const width = 2 ** level;
    into.push({ level, index: pos / width });
    pos += width;
  }
  return into;
}

/** MTH of adjacent subtrees given left to right: H(h0, H(h1, ... H(h[n-2], h[n-1]))). */
function foldRight(hashes: readonly Uint8Array[], from: number, to: number): Uint8Array {
  let acc = hashes[to - 1];
  for (let i = to - 2; i >= from; i--) acc = nodeHash(hashes[i], acc);
  return acc;
}

/** The largest power of two strictly below n (n >= 2): RFC 9162's k. */
function splitPoint(n: number): number {
  return 2 ** floorLog2(n - 1);
}

function floorLog2(n: number): number {
  if (n < 0x100000000) return 31 - Math.clz32(n);
  let level = 32;
  while (2 ** (level + 1) <= n) level++;
  return level;
}

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleProofError('invalid_argument', `${what} must be a non-negative safe integer`);
}

function checkFrontier(f: Frontier): void {
  checkCount('tree size', f.size);
  if (!Array.isArray(f.hashes) || f.hashes.length !== popcount(f.size)) {
    throw new MerkleProofError('invalid_frontier', `a frontier of size ${f.size} holds ${popcount(f.size)} hashes`);
  }
}
