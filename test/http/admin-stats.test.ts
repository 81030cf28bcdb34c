/** GET /v1/admin/stats: the dashboard's figures, counted from what partners really shared and asked. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const hex = (n: number) => randomBytes(n).toString('hex');
const as =
  (h: Record<string, string>) =>
  (path: string, init: RequestInit = {}) =>
    t.app.request(`${ISSUER}${path}`, { ...init, headers: { ...h, ...(init.headers as Record<string, string>) } });

describe('admin stats', () => {
  it('counts hashes by type, label and member, match queries by day, and shows the latest audit entries', async () => {
    const admin = as(await t.as('admin', 'stats-admin'));
    const a = as(await t.as('partner', 'stats-a'));
    const b = as(await t.as('partner', 'stats-b'));
    const pdq = [hex(32), hex(32), hex(32)];
    const sha = hex(32);
    let r = await a(
      '/v1/hashes',
      json('POST', {
        items: [...pdq.map((value) => ({ type: 'pdq', value, labels: ['recruitment'] })), { type: 'sha256', value: sha, labels: ['manifesto'] }],
      }),
    );
    expect(r.status).toBe(201);
    // b shares one of a's hashes with another label, and one of its own, then retracts its own.
    const own = hex(32);
    r = await b(
      '/v1/hashes',
      json('POST', {
        items: [
          { type: 'pdq', value: pdq[0], labels: ['glorification'] },
          { type: 'pdq', value: own, labels: ['recruitment'] },
        ],
      }),
    );
    expect(r.status).toBe(201);
    const ownId = (await r.json()).items[1].id;
    expect((await b(`/v1/hashes/${ownId}`, { method: 'DELETE' })).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect(
        (
          await a(
            '/v1/match',
            json('POST', {
              hashes: [
                { type: 'pdq', value: pdq[1] },
                { type: 'sha256', value: sha },
              ],
            }),
          )
        ).status,
      ).toBe(200);
    await t.rt.deps.matchCounter.flush();

    const res = await admin('/v1/admin/stats');
    expect(res.status).toBe(200);
    const s = await res.json();
    const ids = Object.fromEntries((await (await admin('/v1/admin/clients')).json()).clients.map((c: { id: string; name: string }) => [c.name, c.id]));
    expect(s.byType).toEqual([
      { type: 'pdq', status: 'active', count: 3 },
      { type: 'pdq', status: 'retracted', count: 1 },
      { type: 'sha256', status: 'active', count: 1 },
    ]);
    expect(s.byLabel).toEqual([
      { label: 'recruitment', count: 3 },
      { label: 'glorification', count: 1 },
      { label: 'manifesto', count: 1 },
    ]);
    expect(s.byMember).toEqual([
      { member: ids['stats-a'], standing: 4, retracted: 0 },
      { member: ids['stats-b'], standing: 1, retracted: 1 },
    ]);
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    expect(s.matchesByDay).toEqual([{ day: today, queries: 3, hashes: 6 }]);
    expect(s.auditSize).toBeGreaterThan(3);
    expect(s.recentAudit[0].index).toBe(s.auditSize - 1);
    expect(s.recentAudit.map((e: { action: string }) => e.action)).toContain('hash.retract');
    expect(Date.parse(s.countedAt)).toBe(t.clock.now());
  });

  it('keeps the counts while nothing changes, recounts after a change at most every 5 s; only admins read them', async () => {
    const admin = as(await t.as('admin', 'stats-admin'));
    const first = await (await admin('/v1/admin/stats')).json();
    t.clock.advance(600_000);
    const still = await (await admin('/v1/admin/stats')).json();
    expect(still.countedAt).toBe(first.countedAt); // nothing changed: no recount
    const a = as(await t.as('partner', 'stats-a'));
    expect((await a('/v1/hashes', json('POST', { items: [{ type: 'md5', value: hex(16), labels: ['recruitment'] }] }))).status).toBe(201);
    const fresh = await (await admin('/v1/admin/stats')).json();
    expect(fresh.byType).toContainEqual({ type: 'md5', status: 'active', count: 1 });
    expect(fresh.auditSize).toBe(first.auditSize + 1);
    expect((await a('/v1/hashes', json('POST', { items: [{ type: 'md5', value: hex(16), labels: ['recruitment'] }] }))).status).toBe(201);
    const kept = await (await admin('/v1/admin/stats')).json();
    expect(kept.byType).toEqual(fresh.byType); // counted less than 5 s ago
    expect(kept.auditSize).toBe(first.auditSize + 2); // the audit entries are read fresh
    t.clock.advance(5_001);
    const again = await (await admin('/v1/admin/stats')).json();
    expect(again.byType).toContainEqual({ type: 'md5', status: 'active', count: 2 });
    expect((await a('/v1/admin/stats')).status).toBe(403);
    expect((await as(await t.as('auditor', 'stats-auditor'))('/v1/admin/stats')).status).toBe(403);
    expect((await t.app.request(`${ISSUER}/v1/admin/stats`)).status).toBe(401);
  });
});
