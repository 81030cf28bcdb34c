/**
 * The console's own RFC 9162 code (src/console/app/lib/merkle.ts, WebCrypto SHA-256, what the
 * auditor's browser runs) on the shared reference vectors: leaf and node hashes, roots of every
 * size, every valid proof accepted and every invalid one refused. Node's WebCrypto is the same API.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConsistency, LeafTree, leafHash, nodeHash, ProofError, rootFromInclusion } from '../../src/console/app/lib/merkle';
import { conformancePath } from '../support/conformance';

interface InclusionCase {
  desc?: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  proof: string[];
}
interface ConsistencyCase {
  desc?: string;
  first: number;
  second: number;
  firstRoot: string;
  secondRoot: string;
  proof: string[];
}

const V = JSON.parse(readFileSync(conformancePath('merkle', 'vectors.json'), 'utf8'));
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function inclusionHolds(c: InclusionCase): Promise<boolean> {
  try {
    return toHex(await rootFromInclusion(hex(c.leafHash), c.leafIndex, c.treeSize, c.proof.map(hex))) === c.rootHash;
  } catch (e) {
    if (e instanceof ProofError) return false;
    throw e;
  }
}

async function consistencyHolds(c: ConsistencyCase): Promise<boolean> {
  try {
    await checkConsistency(c.first, c.second, hex(c.firstRoot), hex(c.secondRoot), c.proof.map(hex));
    return true;
  } catch (e) {
    if (e instanceof ProofError) return false;
    throw e;
  }
}

describe("the console's Merkle code on ../shared/conformance/merkle/vectors.json", () => {
  it('leaf and node hashes, and the roots of sizes 0 to 8 (LeafTree, every prefix)', async () => {
    for (const l of V.hasher.leaves) expect(toHex(await leafHash(hex(l.leafInput)))).toBe(l.leafHash);
    for (const n of V.hasher.nodes) expect(toHex(await nodeHash(hex(n.left), hex(n.right)))).toBe(n.nodeHash);
    const leaves = await Promise.all((V.leafInputs as string[]).map((x) => leafHash(hex(x))));
    expect(leaves.map(toHex)).toEqual(V.leafHashes);
    const tree = new LeafTree(leaves);
    expect(toHex(await tree.root(0))).toBe(V.hasher.emptyTree.rootHash);
    for (const { treeSize, rootHash } of V.roots) expect(toHex(await tree.root(treeSize))).toBe(rootHash);
  });

  it('accepts every valid inclusion proof and refuses every invalid one', async () => {
    const valid: InclusionCase[] = [...V.inclusionProofs, ...V.otherValidInclusionProofs, ...V.derived.inclusionProofs];
    for (const c of valid) expect(await inclusionHolds(c), c.desc).toBe(true);
    for (const c of V.invalidInclusionProofs as InclusionCase[]) expect(await inclusionHolds(c), c.desc).toBe(false);
  });

  it('accepts every valid consistency proof and refuses every invalid one', async () => {
    const valid: ConsistencyCase[] = [...V.consistencyProofs, ...V.otherValidConsistencyProofs, ...V.derived.consistencyProofs];
    for (const c of valid.filter((c) => c.first > 0)) expect(await consistencyHolds(c), c.desc).toBe(true);
    for (const c of V.invalidConsistencyProofs as ConsistencyCase[]) expect(await consistencyHolds(c), c.desc).toBe(false);
  });
});
