import type { SubtreeHash, SubtreeKey, SubtreeReader } from './tree';

/** Map-backed store for tests and benchmarks; the SQL store implements the same reader. */
export class MemorySubtreeStore implements SubtreeReader {
  private readonly hashes = new Map<number, Uint8Array>();

  put(subtrees: Iterable<SubtreeHash>): void {
    for (const s of subtrees) this.hashes.set(storeKey(s.level, s.index), s.hash);
  }

  get(level: number, index: number): Uint8Array {
    const hash = this.hashes.get(storeKey(level, index));
    if (!hash) throw new Error(`subtree (level ${level}, index ${index}) is not stored`);
    return hash;
  }

  getMany(keys: readonly SubtreeKey[]): Uint8Array[] {
    return keys.map((k) => this.get(k.level, k.index));
  }

  get count(): number {
    return this.hashes.size;
  }
}

// index < 2^47 for any tree below 2^53 leaves, so index * 64 + level stays a safe integer.
const storeKey = (level: number, index: number): number => index * 64 + level;
