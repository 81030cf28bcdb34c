import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/hex';
import {
  EMPTY_FRONTIER,
  MemorySubtreeStore,
  MerkleProofError,
  appendLeaf,
  assembleInclusionProof,
  assertConsistency,
  assertInclusion,
  consistencyProof,
  consistencyProofKeys,
  emptyRoot,
  frontierAt,
  inclusionProof,
  inclusionProofKeys,
  leafHash,
  nodeHash,
  rootAt,
  rootFromFrontier,
  rootKeys,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type SubtreeHash,
  type SubtreeKey,
} from '../../src/core/merkle';
import { conformancePath } from '../support/conformance';
import { uniform as prng } from '../../src/core/prng';

// ---------------------------------------------------------------- vectors

interface InclusionCase {
  desc?: string;
  source?: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
}
interface ConsistencyCase {
  desc?: string;
  source?: string;
  first: number;
  second: number;
  firstRoot: string;
  secondRoot: string;
  proof: string[];
}
interface Vectors {
  hasher: {
    emptyTree: { rootHash: string };
    leaves: { leafInput: string; leafHash: string }[];
    nodes: { left: string; right: string; nodeHash: string }[];
  };
  leafInputs: string[];
  leafHashes: string[];
  subtreeHashes: string[][];
  roots: { treeSize: number; rootHash: string }[];
  inclusionProofs: InclusionCase[];
  consistencyProofs: ConsistencyCase[];
  otherValidInclusionProofs: InclusionCase[];
  otherValidConsistencyProofs: ConsistencyCase[];
  invalidInclusionProofs: InclusionCase[];
  invalidConsistencyProofs: ConsistencyCase[];
  derived: { inclusionProofs: InclusionCase[]; consistencyProofs: ConsistencyCase[] };
}

const V: Vectors = JSON.parse(readFileSync(conformancePath('merkle', 'vectors.json'), 'utf8'));

function hex(s: string): Uint8Array {
  const b = hexToBytes(s);
  if (!b) throw new Error(`bad hex in vectors: ${s}`);
  return b;
}
const hexes = (bs: readonly Uint8Array[]): string[] => bs.map(bytesToHex);

/** Appends every leaf hash to a fresh store, returning the store and the frontier after each size. */
function build(leaves: readonly Uint8Array[]): { store: MemorySubtreeStore; frontiers: Frontier[]; created: SubtreeHash[][] } {
  const store = new MemorySubtreeStore();
  const frontiers: Frontier[] = [EMPTY_FRONTIER];
  const created: SubtreeHash[][] = [];
  let frontier = EMPTY_FRONTIER;
  for (const leaf of leaves) {
    const r = appendLeaf(frontier, leaf);
    store.put(r.newSubtrees);
    created.push(r.newSubtrees);
    frontier = r.frontier;
    frontiers.push(frontier);
  }
  return { store, frontiers, created };
}

const vectorLeaves = V.leafInputs.map((x) => leafHash(hex(x)));
const vectorTree = build(vectorLeaves);

const inclusionName = (c: InclusionCase, i: number) => `#${i} ${c.desc ?? ''} (index ${c.leafIndex}, size ${c.treeSize})`;
const consistencyName = (c: ConsistencyCase, i: number) => `#${i} ${c.desc ?? ''} (${c.first} -> ${c.second})`;
const verifyInclusionCase = (c: InclusionCase) => verifyInclusion(hex(c.leafHash), c.leafIndex, c.treeSize, c.proof.map(hex), hex(c.rootHash));
const assertInclusionCase = (c: InclusionCase) => assertInclusion(hex(c.leafHash), c.leafIndex, c.treeSize, c.proof.map(hex), hex(c.rootHash));
const verifyConsistencyCase = (c: ConsistencyCase) => verifyConsistency(c.first, c.second, hex(c.firstRoot), hex(c.secondRoot), c.proof.map(hex));
const assertConsistencyCase = (c: ConsistencyCase) => assertConsistency(c.first, c.second, hex(c.firstRoot), hex(c.secondRoot), c.proof.map(hex));

/** Rejected means: false from verify*, and MerkleProofError (nothing else) from assert*. */
function expectRejected(verify: () => boolean, assert: () => void): void {
  expect(verify()).toBe(false);
  let thrown: unknown;
  try {
    assert();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(MerkleProofError);
}

describe('merkle conformance (../shared/conformance/merkle/vectors.json)', () => {
  it('hasher: empty tree, leaf and node hashes', () => {
    expect(bytesToHex(emptyRoot())).toBe(V.hasher.emptyTree.rootHash);
    for (const l of V.hasher.leaves) expect(bytesToHex(leafHash(hex(l.leafInput)))).toBe(l.leafHash);
    for (const n of V.hasher.nodes) expect(bytesToHex(nodeHash(hex(n.left), hex(n.right)))).toBe(n.nodeHash);
  });

  it('leafHashes', () => {
    expect(hexes(vectorLeaves)).toEqual(V.leafHashes);
  });

  it('subtreeHashes: every complete subtree, as stored by appendLeaf', () => {
    expect(V.subtreeHashes.flat()).toHaveLength(15);
    V.subtreeHashes.forEach((row, level) => row.forEach((h, index) => expect(bytesToHex(vectorTree.store.get(level, index))).toBe(h)));
    // Exactly the 2n-1 complete subtrees of 8 leaves were created, each once.
    expect(vectorTree.store.count).toBe(15);
    expect(vectorTree.created.flat()).toHaveLength(15);
  });

  it('roots: from the frontier and from stored subtrees, sizes 0 to 8', async () => {
    expect(bytesToHex(rootFromFrontier(EMPTY_FRONTIER))).toBe(V.hasher.emptyTree.rootHash);
    expect(bytesToHex(await rootAt(vectorTree.store, 0))).toBe(V.hasher.emptyTree.rootHash);
    expect(V.roots).toHaveLength(8);
    for (const { treeSize, rootHash } of V.roots) {
      expect(bytesToHex(rootFromFrontier(vectorTree.frontiers[treeSize]))).toBe(rootHash);
      expect(bytesToHex(await rootAt(vectorTree.store, treeSize))).toBe(rootHash);
    }
  });

  const inclusionGenerated = [...V.inclusionProofs, ...V.derived.inclusionProofs];
  it.each(inclusionGenerated.map((c, i) => [inclusionName(c, i), c] as const))('inclusion %s: generated exactly, and verified', async (_, c) => {
    expect(bytesToHex(vectorLeaves[c.leafIndex])).toBe(c.leafHash);
    expect(bytesToHex(await rootAt(vectorTree.store, c.treeSize))).toBe(c.rootHash);
    expect(hexes(await inclusionProof(vectorTree.store, c.leafIndex, c.treeSize))).toEqual(c.proof);
    expect(verifyInclusionCase(c)).toBe(true);
    expect(() => assertInclusionCase(c)).not.toThrow();
  });

  const consistencyGenerated = [...V.consistencyProofs, ...V.derived.consistencyProofs];
  it.each(consistencyGenerated.map((c, i) => [consistencyName(c, i), c] as const))('consistency %s: generated exactly, and verified', async (_, c) => {
    expect(bytesToHex(await rootAt(vectorTree.store, c.first))).toBe(c.firstRoot);
    expect(bytesToHex(await rootAt(vectorTree.store, c.second))).toBe(c.secondRoot);
    expect(hexes(await consistencyProof(vectorTree.store, c.first, c.second))).toEqual(c.proof);
    expect(verifyConsistencyCase(c)).toBe(true);
    expect(() => assertConsistencyCase(c)).not.toThrow();
  });

  it('section sizes are as documented', () => {
    expect(V.inclusionProofs).toHaveLength(5);
    expect(V.consistencyProofs).toHaveLength(5);
    expect(V.derived.inclusionProofs).toHaveLength(36);
    expect(V.derived.consistencyProofs).toHaveLength(28);
    expect(V.invalidInclusionProofs).toHaveLength(92);
    expect(V.invalidConsistencyProofs).toHaveLength(92);
  });

  it.each(V.otherValidInclusionProofs.map((c, i) => [inclusionName(c, i), c] as const))('other valid inclusion %s', (_, c) => {
    expect(verifyInclusionCase(c)).toBe(true);
  });

  it.each(V.otherValidConsistencyProofs.map((c, i) => [consistencyName(c, i), c] as const))('other valid consistency %s', (_, c) => {
    expect(verifyConsistencyCase(c)).toBe(true);
  });

  it.each(V.invalidInclusionProofs.map((c, i) => [inclusionName(c, i), c] as const))('invalid inclusion %s is rejected', (_, c) => {
    expectRejected(
      () => verifyInclusionCase(c),
      () => assertInclusionCase(c),
    );
  });

  it.each(V.invalidConsistencyProofs.map((c, i) => [consistencyName(c, i), c] as const))('invalid consistency %s is rejected', (_, c) => {
    expectRejected(
      () => verifyConsistencyCase(c),
      () => assertConsistencyCase(c),
    );
  });
});

// ---------------------------------------------------------------- naive RFC 9162 reference

/** Largest power of two strictly below n. */
function naiveK(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
// The RFC's recursions, written over [lo, hi) of one leaf array; MTH is memoized per array so the
// thousands of random cases stay fast without changing what is computed.
const memo = new WeakMap<readonly Uint8Array[], Map<number, Uint8Array>>();
function MTH(d: readonly Uint8Array[], lo = 0, hi = d.length): Uint8Array {
  if (hi === lo) return emptyRoot();
  if (hi - lo === 1) return d[lo];
  let m = memo.get(d);
  if (!m) memo.set(d, (m = new Map()));
  const key = lo * 1e6 + hi;
  let h = m.get(key);
  if (!h) {
    const k = naiveK(hi - lo);
    h = nodeHash(MTH(d, lo, lo + k), MTH(d, lo + k, hi));
    m.set(key, h);
  }
  return h;
}
/** PATH(m, D[lo:hi]), m relative to lo. */
function PATH(m: number, d: readonly Uint8Array[], lo: number, hi: number): Uint8Array[] {
  if (hi - lo === 1) return [];
  const k = naiveK(hi - lo);
  return m < k ? [...PATH(m, d, lo, lo + k), MTH(d, lo + k, hi)] : [...PATH(m - k, d, lo + k, hi), MTH(d, lo, lo + k)];
}
/** SUBPROOF(m, D[lo:hi], b), m relative to lo. */
function SUBPROOF(m: number, d: readonly Uint8Array[], lo: number, hi: number, b: boolean): Uint8Array[] {
  if (m === hi - lo) return b ? [] : [MTH(d, lo, hi)];
  const k = naiveK(hi - lo);
  return m <= k ? [...SUBPROOF(m, d, lo, lo + k, b), MTH(d, lo + k, hi)] : [...SUBPROOF(m - k, d, lo + k, hi, false), MTH(d, lo, lo + k)];
}

const MAX = 300;
const rand = prng(0x5eed_9162);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(0, 255));
const randomLeaves = Array.from({ length: MAX }, (_, i) => leafHash(bytes(i % 50)));
const big = build(randomLeaves);
const naiveRoots = Array.from({ length: MAX + 1 }, (_, n) => MTH(randomLeaves, 0, n));

function flipBit(proof: readonly Uint8Array[]): Uint8Array[] {
  const out = proof.map((p) => p.slice());
  const i = int(0, out.length - 1);
  const bit = int(0, 255);
  out[i][bit >> 3] ^= 1 << (bit & 7);
  return out;
}

describe('merkle against a naive RFC 9162 implementation (seeded)', () => {
  it(`roots and frontiers for every size 0..${MAX}`, async () => {
    for (let n = 0; n <= MAX; n++) {
      expect(rootFromFrontier(big.frontiers[n])).toEqual(naiveRoots[n]);
      expect(await rootAt(big.store, n)).toEqual(naiveRoots[n]);
      expect((await frontierAt(big.store, n)).hashes).toEqual(big.frontiers[n].hashes);
    }
    // n leaves plus one node per merge: 2n - popcount(n) complete subtrees.
    expect(big.store.count).toBe(2 * MAX - MAX.toString(2).split('1').length + 1);
  });

  it('append reports each completed subtree once, bottom-up, and only complete ones', () => {
    big.created.forEach((subtrees, leaf) => {
      // Appending leaf i completes one subtree per trailing 1-bit of i, plus the leaf.
      let trailing = 0;
      for (let s = leaf; s % 2 === 1; s = (s - 1) / 2) trailing++;
      expect(subtrees.map((s) => s.level)).toEqual(Array.from({ length: trailing + 1 }, (_, l) => l));
      for (const s of subtrees) expect((s.index + 1) * 2 ** s.level).toBe(leaf + 1);
    });
  });

  const cases: [number, number][] = [];
  for (let n = 1; n <= 64; n++) for (let m = 0; m < n; m++) cases.push([m, n]);
  for (let i = 0; i < 1500; i++) {
    const n = int(65, MAX);
    cases.push([int(0, n - 1), n]);
  }

  it(`inclusion proofs: every pair up to size 64 and 1500 random ones up to ${MAX}`, async () => {
    for (const [m, n] of cases) {
      const proof = await inclusionProof(big.store, m, n);
      expect(hexes(proof).join()).toBe(hexes(PATH(m, randomLeaves, 0, n)).join());
      expect(verifyInclusion(randomLeaves[m], m, n, proof, naiveRoots[n])).toBe(true);
      if (proof.length > 0) expect(verifyInclusion(randomLeaves[m], m, n, flipBit(proof), naiveRoots[n])).toBe(false);
      expect(verifyInclusion(randomLeaves[m], m, n, proof, naiveRoots[n === MAX ? n - 1 : n + 1])).toBe(false);
      expect(verifyInclusion(randomLeaves[(m + 1) % MAX], m, n, proof, naiveRoots[n])).toBe(false);
      expect(verifyInclusion(randomLeaves[m], m, n, [...proof, naiveRoots[n]], naiveRoots[n])).toBe(false);
      if (m + 1 < n) expect(verifyInclusion(randomLeaves[m], m + 1, n, proof, naiveRoots[n])).toBe(false);
    }
  });

  const pairs: [number, number][] = [];
  for (let n = 1; n <= 64; n++) for (let m = 1; m <= n; m++) pairs.push([m, n]);
  for (let i = 0; i < 1500; i++) {
    const n = int(65, MAX);
    pairs.push([int(1, n), n]);
  }

  it(`consistency proofs: every pair up to size 64 and 1500 random ones up to ${MAX}`, async () => {
    for (const [m, n] of pairs) {
      const proof = await consistencyProof(big.store, m, n);
      expect(hexes(proof).join()).toBe(m === n ? '' : hexes(SUBPROOF(m, randomLeaves, 0, n, true)).join());
      expect(verifyConsistency(m, n, naiveRoots[m], naiveRoots[n], proof)).toBe(true);
      if (proof.length > 0) expect(verifyConsistency(m, n, naiveRoots[m], naiveRoots[n], flipBit(proof))).toBe(false);
      if (m > 1) expect(verifyConsistency(m, n, naiveRoots[m - 1], naiveRoots[n], proof)).toBe(false);
      if (n < MAX) expect(verifyConsistency(m, n, naiveRoots[m], naiveRoots[n + 1], proof)).toBe(false);
      if (proof.length > 0) expect(verifyConsistency(m, n, naiveRoots[m], naiveRoots[n], proof.slice(1))).toBe(false);
    }
  });

  it('an altered leaf in the second tree breaks consistency with the first', () => {
    for (let i = 0; i < 200; i++) {
      const n = int(2, MAX);
      const m = int(1, n - 1);
      const altered = randomLeaves.slice(0, n);
      const j = int(0, m - 1); // a leaf both trees contain
      altered[j] = leafHash(bytes(7));
      const proof = SUBPROOF(m, altered, 0, n, true);
      expect(verifyConsistency(m, n, naiveRoots[m], MTH(altered), proof)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------- key plans and bad input

/** A reader that records its calls and answers from a store. */
function countingReader(store: MemorySubtreeStore) {
  const calls: SubtreeKey[][] = [];
  return { calls, getMany: async (keys: readonly SubtreeKey[]) => (calls.push([...keys]), store.getMany(keys)) };
}

describe('merkle key plans', () => {
  it('each proof or root is one batched read', async () => {
    const reader = countingReader(big.store);
    await inclusionProof(reader, 123, 299);
    await consistencyProof(reader, 100, 299);
    await rootAt(reader, 299);
    expect(reader.calls).toHaveLength(3);
  });

  it('asks only for complete subtrees inside the tree, at most 2·log2(n) of them, never twice', () => {
    const sizes = [1, 2, 3, 7, 8, 1000, 1_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER];
    const r = prng(42);
    for (const n of sizes) {
      const bound = 2 * Math.ceil(Math.log2(n + 1)) + 1;
      const checkKeys = (keys: SubtreeKey[], limit: number) => {
        expect(keys.length).toBeLessThanOrEqual(bound);
        expect(new Set(keys.map((k) => `${k.level}/${k.index}`)).size).toBe(keys.length);
        for (const k of keys) {
          expect(Number.isSafeInteger(k.index) && k.index >= 0 && k.level >= 0).toBe(true);
          expect((k.index + 1) * 2 ** k.level).toBeLessThanOrEqual(limit);
        }
      };
      checkKeys(rootKeys(n), n);
      for (let i = 0; i < 20; i++) {
        checkKeys(inclusionProofKeys(Math.floor(r() * n), n), n);
        checkKeys(consistencyProofKeys(1 + Math.floor(r() * n), n), n);
      }
    }
  });

  it('assembly refuses a hash list that does not match the keys', () => {
    const keys = inclusionProofKeys(5, 299);
    const hashes = big.store.getMany(keys);
    expect(assembleInclusionProof(5, 299, hashes)).toEqual(PATH(5, randomLeaves, 0, 299));
    expect(() => assembleInclusionProof(5, 299, hashes.slice(1))).toThrow(MerkleProofError);
    expect(() => assembleInclusionProof(5, 299, [...hashes, hashes[0]])).toThrow(MerkleProofError);
  });

  it('generation refuses impossible arguments with MerkleProofError', () => {
    for (const f of [
      () => inclusionProofKeys(3, 3),
      () => inclusionProofKeys(-1, 3),
      () => inclusionProofKeys(0, 0),
      () => inclusionProofKeys(1.5, 3),
      () => inclusionProofKeys(0, 2 ** 64),
      () => consistencyProofKeys(0, 3),
      () => consistencyProofKeys(4, 3),
      () => rootKeys(-1),
      () => rootKeys(NaN),
      () => appendLeaf(EMPTY_FRONTIER, new Uint8Array(31)),
      () => appendLeaf({ size: 3, hashes: [randomLeaves[0]] }, randomLeaves[1]),
    ]) {
      expect(f).toThrow(MerkleProofError);
    }
  });

  it('verifiers never throw anything but MerkleProofError on garbage', () => {
    const r = prng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const numbers = [0, 1, 2, 3, 7, 8, 9, 299, -1, 1.5, NaN, Infinity, 2 ** 53, 2 ** 64, Number.MAX_SAFE_INTEGER];
    const blobs = [new Uint8Array(0), new Uint8Array(32), new Uint8Array(33), randomLeaves[0], naiveRoots[8], naiveRoots[299]];
    for (let i = 0; i < 5000; i++) {
      const proof = Array.from({ length: Math.floor(r() * 12) }, () => pick(blobs));
      for (const f of [
        () => assertInclusion(pick(blobs), pick(numbers), pick(numbers), proof, pick(blobs)),
        () => assertConsistency(pick(numbers), pick(numbers), pick(blobs), pick(blobs), proof),
      ]) {
        try {
          f();
        } catch (e) {
          expect(e).toBeInstanceOf(MerkleProofError);
        }
      }
      expect(typeof verifyInclusion(pick(blobs), pick(numbers), pick(numbers), proof, pick(blobs))).toBe('boolean');
      expect(typeof verifyConsistency(pick(numbers), pick(numbers), pick(blobs), pick(blobs), proof)).toBe('boolean');
    }
  });

  it('MemorySubtreeStore refuses a subtree it does not hold', () => {
    expect(() => big.store.get(0, MAX)).toThrow(/not stored/);
  });
});
