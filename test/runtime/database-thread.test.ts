/**
 * The embedded database's connections on their threads (runtime/node/database: open.ts and
 * db-thread.mjs, which drives the `libsql` driver itself): what a statement gives back (values as
 * @libsql/client gives them, rows by index and by column name), errors coded as the client codes
 * them with nothing of a failed batch written, prepared statements reused across calls, and the
 * writer's durability settings (decisions.md, "Durability").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDb } from '../../src/runtime/node/database';

const dir = mkdtempSync(join(tmpdir(), 'mhn-db-thread-'));
const opened: OpenDb[] = [];
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function open(name: string, synchronous?: 'full' | 'normal', checkpointPages?: number): Promise<OpenDb> {
  const db = await openDatabase(`file:${join(dir, name)}`, { ...(synchronous ? { synchronous } : {}), ...(checkpointPages ? { checkpointPages } : {}) });
  opened.push(db);
  return db;
}

describe('the database thread', () => {
  it('gives values as @libsql/client does: integers as numbers, reals, text, null, blobs as ArrayBuffers; rows by index and by name', async () => {
    const { client } = await open('values.db');
    await client.execute('create table t (i integer, r real, s text, n text, b blob)');
    const ins = await client.execute({ sql: 'insert into t values (?, ?, ?, ?, ?)', args: [42, 1.5, 'é ✓', null, new Uint8Array([1, 2, 255]).buffer] });
    expect(ins.rowsAffected).toBe(1);
    expect(ins.lastInsertRowid).toBe(1n);
    const r = await client.execute('select i, r, s, n, b from t');
    expect(r.columns).toEqual(['i', 'r', 's', 'n', 'b']);
    const row = r.rows[0];
    expect([row[0], row[1], row[2], row[3]]).toEqual([42, 1.5, 'é ✓', null]);
    expect([row.i, row.r, row.s, row.n]).toEqual([42, 1.5, 'é ✓', null]);
    expect(row.b).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(row.b as ArrayBuffer)]).toEqual([1, 2, 255]);
    // Booleans are bound as 1 and 0; an integer beyond 2^53 is refused rather than rounded.
    expect((await client.execute({ sql: 'select ? as yes, ? as no', args: [true, false] })).rows[0]).toMatchObject({ yes: 1, no: 0 });
    await expect(client.execute('select 9007199254740993 as big')).rejects.toThrow(/cannot be safely represented/);
    // A statement returning rows reports no changes, as the client's did.
    const returning = await client.execute({ sql: 'insert into t (i) values (?) returning i', args: [7] });
    expect(returning.rows.map((x) => x.i)).toEqual([7]);
    expect(returning.rowsAffected).toBe(0);
  });

  it('reuses prepared statements: the same text with other arguments, many times, and after the table changes', async () => {
    const { client } = await open('reuse.db');
    await client.execute('create table k (id integer primary key, v text)');
    for (let i = 0; i < 300; i++) await client.execute({ sql: 'insert into k (id, v) values (?, ?)', args: [i, `v${i}`] });
    for (const i of [0, 299, 150, 7])
      expect((await client.execute({ sql: 'select v from k where id = ?', args: [i] })).rows.map((r) => r.v)).toEqual([`v${i}`]);
    const all = 'select * from k where id < ? order by id';
    expect((await client.execute({ sql: all, args: [2] })).columns).toEqual(['id', 'v']);
    await client.execute("alter table k add column w text default 'x'");
    const after = await client.execute({ sql: all, args: [2] });
    expect(after.columns).toEqual(['id', 'v', 'w']);
    expect(after.rows.map((r) => [r.id, r.v, r.w])).toEqual([
      [0, 'v0', 'x'],
      [1, 'v1', 'x'],
    ]);
  });

  it('codes errors as the client does, writes nothing of a failed batch, and goes on working after it', async () => {
    const { client } = await open('errors.db');
    await client.execute('create table u (v text primary key)');
    await client.batch([{ sql: 'insert into u values (?)', args: ['a'] }]);
    const failed = client.batch([
      { sql: 'insert into u values (?)', args: ['b'] },
      { sql: 'insert into u values (?)', args: ['a'] },
    ]);
    await expect(failed).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT',
      message: expect.stringMatching(/^SQLITE_CONSTRAINT: UNIQUE constraint failed: u\.v/),
    });
    await expect(client.execute('select nonsense from u')).rejects.toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringMatching(/^SQLITE_ERROR: no such column/),
    });
    expect((await client.execute('select v from u order by v')).rows.map((r) => r.v)).toEqual(['a']);
    // The same statements again, now valid: the failed ones were not kept half way.
    await client.batch([{ sql: 'insert into u values (?)', args: ['b'] }]);
    expect((await client.execute('select v from u order by v')).rows.map((r) => r.v)).toEqual(['a', 'b']);
  });

  it('syncs every commit by default and checkpoints the WAL every 65,536 pages (256 MB); DATABASE_SYNCHRONOUS=normal syncs at checkpoints, every 8192 pages (32 MB); DATABASE_CHECKPOINT_PAGES sets it', async () => {
    const full = await open('full.db');
    const normal = await open('normal.db', 'normal');
    const small = await open('small.db', 'full', 64);
    const pragma = async (db: OpenDb, name: string) => Number((await db.client.execute(`pragma ${name}`)).rows[0][0]);
    expect(await pragma(full, 'synchronous')).toBe(2); // FULL
    expect(await pragma(normal, 'synchronous')).toBe(1); // NORMAL
    expect(await pragma(full, 'wal_autocheckpoint')).toBe(65_536);
    expect(await pragma(normal, 'wal_autocheckpoint')).toBe(8192);
    expect(await pragma(small, 'wal_autocheckpoint')).toBe(64);
    expect((await full.client.execute('pragma journal_mode')).rows[0][0]).toBe('wal');
  });
});
