/**
 * The index contract every Hamming-space index honours (brute force, multi-index hashing):
 * exact radius search over fixed-width bit strings held as 32-bit words, keyed by a caller's
 * non-negative integer id. Results are sorted by distance, then id, so two implementations can be
 * compared result for result.
 */
export interface HammingHit {
  id: number;
  distance: number;
}

export interface HammingIndex {
  /** Words per hash (8 for 256 bits). */
  readonly words: number;
  /** How many hashes the index holds. */
  readonly count: number;
  /** Adds a hash. Adding an id already present replaces its hash. */
  add(id: number, hash: Uint32Array): void;
  /** Adds many at once (`hashes` holds `words` words per id); faster than one `add` each where implemented. */
  addMany?(ids: ArrayLike<number>, hashes: Uint32Array): void;
  /** Removes a hash; returns false when the id was not there. */
  remove(id: number): boolean;
  /** Every hash within `maxDistance` bits of `query` (inclusive). */
  search(query: Uint32Array, maxDistance: number): HammingHit[];
  /** `search` for each query of a batch (`queries` holds `words` words per query), in order; faster than one `search` each where implemented. */
  searchMany?(queries: Uint32Array, maxDistance: number): Promise<HammingHit[][]>;
  /** Folds recent additions and removals into the main tables, where the index keeps such a split. */
  compact?(): void;
}

export function sortHits(hits: HammingHit[]): HammingHit[] {
  return hits.sort((a, b) => a.distance - b.distance || a.id - b.id);
}
