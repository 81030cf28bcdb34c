/**
 * D1 refuses a statement with more than 100 bound parameters. The reads that take a list of ids are
 * cut into chunks (storage/db.ts chunkRows), each leaving room for the statement's own parameters:
 * here every such read is made with 250 ids through drizzle's sqlite-proxy driver, which hands each
 * statement's SQL and parameters to a callback instead of a database; each statement must bind at
 * most 100, and every id must be sent.
 */
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import { describe, expect, it } from 'vitest';
import { SqlBucketIndex } from '../../src/storage/bucket-index';
import type { AppDb } from '../../src/storage/db';
import { SqlHashStore } from '../../src/storage/hash-store';
import * as schema from '../../src/storage/schema';

/** A database that answers every statement with the rows `rows` gives, recording what each bound. */
function recordingDb(rows: (sql: string, params: unknown[]) => unknown[][] = () => []) {
  const statements: { sql: string; params: unknown[] }[] = [];
  const db = drizzle(
    async (sql, params) => {
      statements.push({ sql, params });
      return { rows: rows(sql, params) };
    },
    async (queries) => queries.map((q) => (statements.push({ sql: q.sql, params: q.params }), { rows: rows(q.sql, q.params) })),
    { schema },
  ) as unknown as AppDb;
  return { db, statements };
}

const ids = Array.from({ length: 250 }, (_, i) => `id-${String(i).padStart(3, '0')}`);
/** The ids among a statement's parameters. */
const idsIn = (params: unknown[]) => params.filter((p) => typeof p === 'string' && p.startsWith('id-'));

describe('reads of many ids stay within D1’s 100 parameters a statement', () => {
  const reads: [string, (store: SqlHashStore) => Promise<unknown>][] = [
    ['getBySeqs', (s) => s.getBySeqs(ids.map((_, i) => i + 1))],
    ['activeOfItems', (s) => s.activeOfItems(ids, 'pdq')],
    ['frameCounts', (s) => s.frameCounts(ids)],
    ['framesOfMany', (s) => s.framesOfMany(ids)],
    ['indexedFramesOf', (s) => s.indexedFramesOf(ids)],
  ];
  for (const [name, read] of reads)
    it(`${name}: every statement binds at most 100, every id is sent`, async () => {
      const { db, statements } = recordingDb();
      await read(new SqlHashStore(db));
      expect(statements.length).toBeGreaterThan(1);
      for (const s of statements) expect(s.params.length, s.sql).toBeLessThanOrEqual(100);
      const sent = statements.flatMap((s) => (name === 'getBySeqs' ? s.params.filter((p) => typeof p === 'number') : idsIn(s.params)));
      expect(new Set(sent).size).toBe(250);
    });

  it('framesBySeqs: its frames, then their videos’ counts of indexed frames, within 100 each', async () => {
    // The frames read first name 250 videos (seq, hash id, frame, timestamp, the hash's seq and type).
    const { db, statements } = recordingDb((sql, params) =>
      sql.includes('count(') ? [] : params.filter((p) => typeof p === 'number').map((seq) => [seq, ids[(seq as number) - 1], 0, 0, seq, 'vpdq']),
    );
    await new SqlHashStore(db).framesBySeqs(ids.map((_, i) => i + 1));
    const counts = statements.filter((s) => s.sql.includes('count('));
    expect(counts.length).toBeGreaterThan(1);
    for (const s of statements) expect(s.params.length, s.sql).toBeLessThanOrEqual(100);
    expect(new Set(counts.flatMap((s) => idsIn(s.params))).size).toBe(250);
  });

  it("the bucket index's read of 250 candidates (Workers)", async () => {
    // Every bucket lookup finds the 250 candidates; then their values are read, in chunks.
    const { db, statements } = recordingDb((sql) => (sql.includes('hash_buckets') ? ids.map((_, i) => [i + 1]) : []));
    const store = new SqlHashStore(db);
    await new SqlBucketIndex(db, store).query('pdq', 'f'.repeat(64), 31);
    const reads = statements.filter((s) => !s.sql.includes('hash_buckets'));
    expect(reads.length).toBeGreaterThan(1);
    for (const s of statements) expect(s.params.length, s.sql).toBeLessThanOrEqual(100);
    expect(new Set(reads.flatMap((s) => s.params.filter((p) => typeof p === 'number'))).size).toBe(250);
  });
});
