/**
 * The database's write lock held past the busy timeout (another process writing a long batch, a
 * backup): the node answers 503 `busy` with Retry-After, writes nothing, and works again once the
 * lock is released.
 */
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ DATABASE_BUSY_TIMEOUT_MS: '200' });
});
afterAll(() => t.close());

const item = { type: 'pdq', value: 'e3'.repeat(32), labels: ['recruitment'] };

describe('a database locked by another writer', () => {
  it('answers 503 busy with Retry-After, writes nothing, and shares once the lock is gone', async () => {
    await t.request('/v1/labels'); // the default partner made before the lock
    const other = createClient({ url: `file:${t.dbFile}` });
    const tx = await other.transaction('write');
    await tx.execute("insert into match_counts (client_id, day, queries, hashes) values ('other-process', '2026-01-01', 1, 1)");
    try {
      const res = await t.request('/v1/hashes', json('POST', { items: [item] }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = await res.json();
      expect(body).toMatchObject({ code: 'busy', detail: expect.stringMatching(/database is busy/) });
    } finally {
      await tx.rollback();
      other.close();
    }
    const again = await t.request('/v1/hashes', json('POST', { items: [item] }));
    expect(again.status, await again.clone().text()).toBe(201);
    expect((await again.json()).items[0].outcome).toBe('created');
  });
});
