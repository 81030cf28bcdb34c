/**
 * Every MatchIndex gives the same answers: the memory index over multi-index hashing and over the
 * brute-force scan (Node), and the SQL-answered index (Workers/D1), on the same stored hashes,
 * including after retractions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../../src/core/hash-index';
import type { SingleHashType } from '../../src/core/hashes';
import { MemoryMatchIndex, type IndexedHash, type MatchIndex } from '../../src/core/hash-index';
import { claimQueries, MultiIndexHashing, searchBaseRange, type MihOffload } from '../../src/core/hash-index';
import type { HammingHit } from '../../src/core/hash-index';
import { openDatabase } from '../../src/runtime/node/database';
import { SqlHashStore } from '../../src/storage/hash-store';
import { SqlLedger } from '../../src/storage/ledger';
import { ScanMatchIndex } from '../../src/storage/scan-index';
import { SqlBucketIndex } from '../../src/storage/bucket-index';
import { uniform as rng } from '../../src/core/prng';

function hex(bits: Uint8Array): string {
  return Buffer.from(bits).toString('hex');
}

describe('MatchIndex contract: memory (MIH), memory (brute force), SQL scan, SQL buckets', () => {
  it('returns identical hits for every radius on clustered data, before and after removals, one query at a time and in batches', async () => {
    const r = rng(7);
    const rows: { id: string; type: SingleHashType; value: string }[] = [];
    for (let c = 0; c < 60; c++) {
      const base = new Uint8Array(32).map(() => Math.floor(r() * 256));
      for (let k = 0; k < 5; k++) {
        const v = base.slice();
        const flips = Math.floor(r() * 40);
        for (let f = 0; f < flips; f++) {
          const bit = Math.floor(r() * 256);
          v[bit >> 3] ^= 1 << (bit & 7);
        }
        const type = c % 2 ? 'pdq' : 'blockhash';
        if (!rows.some((x) => x.type === type && x.value === hex(v))) rows.push({ id: `h${rows.length}`, type, value: hex(v) });
      }
    }
    rows.push({ id: 'm1', type: 'md5', value: 'ab'.repeat(16) }, { id: 's1', type: 'sha256', value: 'cd'.repeat(32) });

    const database = await openDatabase(`file:${join(mkdtempSync(join(tmpdir(), 'mhn-idx-')), 'i.db')}`);
    const db = database.reader;
    const store = new SqlHashStore(db);
    // Written as the Workers runtime writes them: through the ledger, with the SQL buckets.
    const ledger = new SqlLedger(database.writer, { buckets: true });
    const T = Date.UTC(2026, 0, 1);
    const shared = await ledger.share({
      at: T,
      contributor: 'tester',
      items: rows.map((h) => ({ type: h.type, value: h.value, labels: ['attack-footage'], externalId: null })),
    });
    const entries: IndexedHash[] = rows.map((h, i) => ({ seq: shared.items[i].seq, type: h.type, value: h.value }));
    const ids = new Map(rows.map((h, i) => [h, shared.items[i].id]));

    const mih = new MemoryMatchIndex((w) => new MultiIndexHashing(w));
    // Batches shared as with the Node runtime's helper thread: here a stand-in claims half of each at once.
    const half: MihOffload = async (job) => {
      const claims: [number, number][] = [];
      for (let got = 0, c: [number, number] | null; got < job.queries.length / job.tables.words / 2 && (c = claimQueries(job)); got += c[1] - c[0])
        claims.push(c);
      return claims.flatMap(([from, to]) => searchBaseRange(structuredClone(job), from, to).map((hits, i): [number, HammingHit[]] => [from + i, hits]));
    };
    const split = new MemoryMatchIndex((w) => new MultiIndexHashing(w, { offload: half, offloadAbove: 0 }));
    const brute = new MemoryMatchIndex((w) => new BruteForceIndex(w));
    mih.add(entries);
    split.add(entries);
    brute.add(entries);
    const sql = new ScanMatchIndex(store, 37); // a small page size exercises paging
    const buckets = new SqlBucketIndex(db, store);
    const all: [string, MatchIndex][] = [
      ['mih', mih],
      ['brute', brute],
      ['sql', sql],
      ['buckets', buckets],
      ['mih split', split],
    ];

    const queries = [...rows.filter((_, i) => i % 7 === 0), { id: 'q', type: 'pdq' as const, value: hex(new Uint8Array(32).map(() => Math.floor(r() * 256))) }];
    const check = async () => {
      let hits = 0;
      for (const q of queries)
        for (const radius of HASH_RADII(q.type)) {
          const [a, b, c, d, e] = await Promise.all(all.map(([, idx]) => idx.query(q.type, q.value, radius)));
          expect(a, `mih ${q.type} r=${radius}`).toEqual(b);
          expect(c, `sql scan ${q.type} r=${radius}`).toEqual(b);
          expect(d, `sql buckets ${q.type} r=${radius}`).toEqual(b);
          expect(e, `mih split ${q.type} r=${radius}`).toEqual(b);
          hits += b.length;
        }
      // queryMany: every query of a type in one batch, the same hits as one query each (from brute force).
      for (const type of new Set(queries.map((q) => q.type))) {
        const values = queries.filter((q) => q.type === type).map((q) => q.value);
        for (const radius of HASH_RADII(type)) {
          const want = await Promise.all(values.map((v) => brute.query(type, v, radius)));
          for (const [name, idx] of all) expect(await idx.queryMany(type, values, radius), `${name} queryMany ${type} r=${radius}`).toEqual(want);
        }
      }
      return hits;
    };
    expect(await check()).toBeGreaterThan(queries.length);

    // Retract a third: the memory indexes drop them, the SQL one sees the status.
    const gone = entries.filter((_, i) => i % 3 === 0);
    for (const e of gone) {
      const h = rows[entries.indexOf(e)];
      await ledger.retract({ at: T + 1, actor: 'tester', hashId: ids.get(h)!, type: h.type, value: h.value, contributor: 'tester' });
    }
    mih.remove(gone);
    split.remove(gone);
    brute.remove(gone);
    await check();
    await database.close();
  });
});

function HASH_RADII(type: SingleHashType): number[] {
  return type === 'md5' || type === 'sha256' ? [0] : [0, 1, 5, 15, 16, 20, 30, 31, 32, 45, 64];
}
