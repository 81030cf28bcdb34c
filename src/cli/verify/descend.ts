/**
 * Finding the first entry that differs from what the signed tree holds, in O(log n) requests.
 *
 * An inclusion proof for leaf `lo`, checked against the signed root, authenticates the hash of
 * every sibling subtree on the path from `lo` to the root. Those right of `lo` are, bottom-up,
 * adjacent ranges that tile [lo + 1, n) from left to right. Every leaf left of `lo` is already
 * known to match; so the first bad leaf is `lo` itself, or lies in the leftmost right sibling whose
 * authenticated hash differs from the local one. Descend into it: its first leaf's path splits it
 * again into smaller ranges, so each request at least halves the range still in doubt.
 */
import { bytesEqual, MerkleProofError, rootFromInclusionProof } from '../../core/merkle';
import { inclusionRanges } from '../../core/merkle';
import type { LocalTree } from './local-tree';
import { decodeHash, NodeError, type NodeApi } from './node-api';

export type Descent = { index: number; requests: number } | { error: string; requests: number };

export async function descend(api: NodeApi, tree: LocalTree, n: number, root: Uint8Array): Promise<Descent> {
  let lo = 0;
  let requests = 0;
  for (;;) {
    let leaf: Uint8Array;
    let path: Uint8Array[];
    try {
      requests++;
      const p = await api.inclusion(lo, n);
      leaf = decodeHash(p.leafHash, `the leaf hash of #${lo}`);
      path = p.auditPath.map((h) => decodeHash(h, `an element of the inclusion proof for #${lo}`));
      if (!bytesEqual(rootFromInclusionProof(leaf, lo, n, path), root)) throw new MerkleProofError('root_mismatch', 'it does not lead to the signed root');
    } catch (e) {
      if (!(e instanceof NodeError || e instanceof MerkleProofError)) throw e;
      return { error: `the node's inclusion proof for entry #${lo} (tree size ${n}) is not valid: ${e.message}`, requests };
    }
    const mine = tree.leaf(lo);
    if (!mine || !bytesEqual(mine, leaf)) return { index: lo, requests };
    const ranges = inclusionRanges(lo, n);
    const next = ranges.findIndex(([start, end], i) => start > lo && !bytesEqual(tree.rangeHash(start, end), path[i]));
    // Cannot happen when the local root differs: lo and its right siblings make up [lo, n).
    if (next < 0) return { error: 'the inclusion proofs vouch for every served entry, yet the roots differ', requests };
    lo = ranges[next][0];
  }
}
