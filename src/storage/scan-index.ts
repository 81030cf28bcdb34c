/**
 * A MatchIndex that answers from SQL by scanning the active hashes of the queried type. Exact,
 * always current, and slow past a few hundred thousand hashes: it stands in on Workers for what the
 * SQL bucket index does not cover (radius over 31, video frames, PDF pages, tlsh).
 */
import { hammingHex, HASH_SPECS, type HashType } from '../core/hashes';
import { tlshDistance } from '../core/tlsh';
import type { IndexedHash, IndexHit, MatchIndex } from '../core/hash-index';
import type { HashStore, IndexEntry } from './types';

const byDistance = (a: IndexHit, b: IndexHit) => a.distance - b.distance || a.seq - b.seq;

export class ScanMatchIndex implements MatchIndex {
  constructor(
    private readonly store: HashStore,
    private readonly pageSize = 5000,
  ) {}

  ready(): boolean {
    return true;
  }

  // The database is the index: shares and retractions are already there once committed.
  add(_entries: IndexedHash[]): void {}
  remove(_entries: IndexedHash[]): void {}

  async query(type: HashType, value: string, maxDistance: number): Promise<IndexHit[]> {
    return (await this.queryMany(type, [value], maxDistance))[0];
  }

  /** One scan for the whole batch: each stored hash is compared with every value (D1 counts queries per request). */
  async queryMany(type: HashType, values: string[], maxDistance: number): Promise<IndexHit[][]> {
    if (!HASH_SPECS[type].perceptual)
      return Promise.all(values.map(async (v) => (await this.store.findActiveByValue(type, v)).map((e) => ({ seq: e.seq, distance: 0 }))));
    const out: IndexHit[][] = values.map(() => []);
    if (values.length === 0) return out;
    const distance = HASH_SPECS[type].metric === 'tlsh' ? tlshDistance : hammingHex;
    await this.eachPage(type, (page) => {
      for (const e of page) {
        values.forEach((v, i) => {
          const d = distance(v, e.value);
          if (d <= maxDistance) out[i].push({ seq: e.seq, distance: d });
        });
      }
    });
    return out.map((hits) => hits.sort(byDistance));
  }

  private async eachPage(type: HashType, visit: (page: IndexEntry[]) => void): Promise<void> {
    let after = 0;
    for (;;) {
      const page = await this.store.listActive(after, this.pageSize, type);
      visit(page);
      if (page.length < this.pageSize) break;
      after = page[page.length - 1].seq;
    }
  }
}
