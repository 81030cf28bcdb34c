/**
 * The auditor's own copy of the tree, from the entries alone: every complete subtree hash, level by
 * level in flat byte arrays (2n hashes, 64 bytes an entry). A missing entry gets a placeholder leaf
 * (32 zero bytes, which no SHA-256 leaf hash is in practice), so every subtree over it differs from
 * the node's.
 */
import { assembleRoot, emptyRoot, HASH_SIZE, nodeHash, rootKeys } from '../../core/merkle';

export class LocalTree {
  /** levels[j] holds the floor(n / 2^j) complete subtrees of 2^j leaves, 32 bytes each. */
  private readonly levels: Uint8Array[] = [];
  readonly size: number;

  constructor(private readonly leaves: readonly (Uint8Array | null)[]) {
    const n = leaves.length;
    this.size = n;
    const level0 = new Uint8Array(n * HASH_SIZE);
    leaves.forEach((h, i) => h && level0.set(h, i * HASH_SIZE));
    this.levels.push(level0);
    for (let count = Math.floor(n / 2), below = level0; count > 0; count = Math.floor(count / 2)) {
      const level = new Uint8Array(count * HASH_SIZE);
      for (let i = 0; i < count; i++) level.set(nodeHash(at(below, 2 * i), at(below, 2 * i + 1)), i * HASH_SIZE);
      this.levels.push(level);
      below = level;
    }
  }

  /** The entry's leaf hash, or null when the node did not serve it. */
  leaf(index: number): Uint8Array | null {
    return this.leaves[index] ?? null;
  }

  root(): Uint8Array {
    if (this.size === 0) return emptyRoot();
    return assembleRoot(
      this.size,
      rootKeys(this.size).map((k) => at(this.levels[k.level], k.index)),
    );
  }

  /**
   * MTH of leaves [start, end) for a range of the shape RFC 9162 proofs use: `start` a multiple of
   * a power of two >= end - start, so the range is its aligned complete subtrees, largest first.
   */
  rangeHash(start: number, end: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let pos = start; pos < end; ) {
      const level = Math.min(floorLog2(end - pos), trailingZeros(pos));
      parts.push(at(this.levels[level], pos / 2 ** level));
      pos += 2 ** level;
    }
    let acc = parts[parts.length - 1];
    for (let i = parts.length - 2; i >= 0; i--) acc = nodeHash(parts[i], acc);
    return acc;
  }
}

const at = (level: Uint8Array, i: number): Uint8Array => level.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);

function floorLog2(n: number): number {
  let l = 0;
  while (2 ** (l + 1) <= n) l++;
  return l;
}

/** How many times `pos` divides by 2 (64 for 0: any level is aligned at the start). */
function trailingZeros(pos: number): number {
  if (pos === 0) return 64;
  let z = 0;
  while (pos % 2 ** (z + 1) === 0) z++;
  return z;
}
