/**
 * A large share does not hold the event loop in one piece (issue 10 item 6): through the real app,
 * a 1000-hash share pauses after its validation, between slices of its preparation in the ledger,
 * and between slices of its index updates; an audit page is hashed in slices. The pauses are counted
 * (the runtime's pause is a turn of the event loop); what they buy in latency is the ledger bench's.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrate } from '../../src/services/audit-log';
import { json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
let pauses = 0;
beforeAll(async () => {
  t = await makeTestApp({}, { pause: () => ((pauses += 1), new Promise<void>((r) => setImmediate(r))) });
});
afterAll(() => t.close());

const pdq = () => randomBytes(32).toString('hex');

describe('large shares run in slices', () => {
  it('a 1000-hash share: one pause after validation, three in the ledger, three in the index updates; every hash matches after it', async () => {
    const values = Array.from({ length: 1000 }, pdq);
    pauses = 0;
    const res = await t.request('/v1/hashes', json('POST', { items: values.map((value) => ({ type: 'pdq', value, labels: ['recruitment'] })) }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items).toHaveLength(1000);
    expect(body.items.every((r: { outcome: string }) => r.outcome === 'created')).toBe(true);
    // 1 (after validation) + 3 (4 slices of 250 prepared) + 3 (4 slices of 250 index entries).
    expect(pauses).toBe(7);
    const m = await t.request('/v1/match', json('POST', { hashes: values.map((value) => ({ type: 'pdq', value })), maxDistance: { pdq: 0 } }));
    const results = (await m.json()).results as { matches: { id: string }[] }[];
    expect(results.map((r, i) => r.matches[0]?.id === body.items[i].id)).toEqual(values.map(() => true));
  });

  it('a small share does not pause', async () => {
    pauses = 0;
    const res = await t.request(
      '/v1/hashes',
      json('POST', { items: Array.from({ length: 200 }, () => ({ type: 'pdq', value: pdq(), labels: ['recruitment'] })) }),
    );
    expect(res.status).toBe(201);
    expect(pauses).toBe(0);
  });

  it('the audit log is integrated into its tree in slices of 100 entries, a pause between two', async () => {
    const before = (await t.rt.deps.log.latestHead())?.treeSize ?? 0;
    const total = await t.rt.deps.log.auditSize();
    pauses = 0;
    const head = await integrate(t.rt.deps);
    expect(head.treeSize).toBe(total);
    // Pages of 500 from `before`; a page of n entries pauses ceil(n / 100) - 1 times.
    let expected = 0;
    for (let at = before; at < total; at += 500) expected += Math.ceil(Math.min(500, total - at) / 100) - 1;
    expect(total - before).toBeGreaterThan(1000);
    expect(pauses).toBe(expected);
  });
});
