/**
 * A MatchIndex that answers from SQL by scanning the active hashes of the queried type. Exact,
 * always current, and slow past a few hundred thousand hashes: it stands in on Workers until the
 * SQL bucket index (multi-index hashing with buckets in a table) replaces it.
 */
import { hammingHex, HASH_SPECS, type SingleHashType } from '../core/hashes';
import { queryEach, type IndexedHash, type IndexHit, type MatchIndex } from '../core/match-index';
import type { HashStore } from './types';

export class ScanMatchIndex implements MatchIndex {
  constructor(private readonly store: HashStore, private readonly pageSize = 5000) {}

  ready(): boolean {
    return true;
  }

  // The database is the index: shares and retractions are already there once committed.
  add(_entries: IndexedHash[]): void {}
  remove(_entries: IndexedHash[]): void {}

  queryMany(type: SingleHashType, values: string[], maxDistance: number): Promise<IndexHit[][]> {
    return queryEach(this, type, values, maxDistance);
  }

  async query(type: SingleHashType, value: string, maxDistance: number): Promise<IndexHit[]> {
    if (!HASH_SPECS[type].perceptual) return (await this.store.findActiveByValue(type, value)).map((e) => ({ seq: e.seq, distance: 0 }));
    const hits: IndexHit[] = [];
    let after = 0;
    for (;;) {
      const page = await this.store.listActive(after, this.pageSize, type);
      for (const e of page) {
        const d = hammingHex(value, e.value);
        if (d <= maxDistance) hits.push({ seq: e.seq, distance: d });
      }
      if (page.length < this.pageSize) break;
      after = page[page.length - 1].seq;
    }
    return hits.sort((a, b) => a.distance - b.distance || a.seq - b.seq);
  }
}
