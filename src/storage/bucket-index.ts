/**
 * Multi-index hashing answered from SQL, on the buckets of bucket-layout.ts. For r <= 31 each piece
 * needs the query's key and its 16 one-bit neighbours (17 keys, one statement), then the full
 * distance of every candidate. Beyond 31 the neighbourhoods grow fast (2,517 keys a piece at 64), so
 * the index scans instead: the same answer either way.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { hammingHex, type HashType } from '../core/hashes';
import { queryEach, type IndexedHash, type IndexHit, type MatchIndex } from '../core/hash-index';
import { BUCKET_MAX_RADIUS, BUCKET_PIECES, BUCKETED_TYPES, bucketKey } from './bucket-layout';
import { chunkRows, type AppDb } from './db';
import { ScanMatchIndex } from './scan-index';
import { hashBuckets, hashes } from './schema';
import type { HashStore } from './types';

function neighbours(key: string): string[] {
  const k = parseInt(key, 16);
  const out = [key];
  for (let b = 0; b < 16; b++) out.push((k ^ (1 << b)).toString(16).padStart(4, '0'));
  return out;
}

export class SqlBucketIndex implements MatchIndex {
  private readonly scan: ScanMatchIndex;

  constructor(
    private readonly db: AppDb,
    store: HashStore,
  ) {
    this.scan = new ScanMatchIndex(store);
  }

  ready(): boolean {
    return true;
  }

  // The buckets are written with the hash, in the same batch (SqlHashStore with buckets: true).
  add(_entries: IndexedHash[]): void {}
  remove(_entries: IndexedHash[]): void {}

  async queryMany(type: HashType, values: string[], maxDistance: number): Promise<IndexHit[][]> {
    // Scanned types go through the scan's one-pass batch.
    if (!BUCKETED_TYPES.includes(type) || maxDistance > BUCKET_MAX_RADIUS) return this.scan.queryMany(type, values, maxDistance);
    return queryEach(this, type, values, maxDistance);
  }

  async query(type: HashType, value: string, maxDistance: number): Promise<IndexHit[]> {
    // Video frames and PDF pages have no buckets (Workers decode neither; they arrive only as shared
    // vpdq and pdf hashes), and tlsh is no Hamming distance: scanned.
    if (!BUCKETED_TYPES.includes(type) || maxDistance > BUCKET_MAX_RADIUS) return this.scan.query(type, value, maxDistance);
    const radius = Math.floor(maxDistance / BUCKET_PIECES);
    const lookups = Array.from({ length: BUCKET_PIECES }, (_, piece) => {
      const key = bucketKey(value, piece);
      const keys = radius === 0 ? [key] : neighbours(key);
      return this.db
        .select({ seq: hashBuckets.seq })
        .from(hashBuckets)
        .where(and(eq(hashBuckets.type, type), eq(hashBuckets.piece, piece), inArray(hashBuckets.key, keys)));
    });
    const rows = (await this.db.batch(lookups as [(typeof lookups)[0], ...(typeof lookups)[0][]])) as { seq: number }[][];
    const candidates = [...new Set(rows.flat().map((r) => r.seq))];
    const hits: IndexHit[] = [];
    // One parameter a seq, and the status.
    for (const part of chunkRows(candidates, 1, 1)) {
      const found = await this.db
        .select({ seq: hashes.seq, value: hashes.value })
        .from(hashes)
        .where(and(inArray(hashes.seq, part), eq(hashes.status, 'active')));
      for (const f of found) {
        const d = hammingHex(value, f.value);
        if (d <= maxDistance) hits.push({ seq: f.seq, distance: d });
      }
    }
    return hits.sort((a, b) => a.distance - b.distance || a.seq - b.seq);
  }
}
