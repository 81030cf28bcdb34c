/**
 * Items that share a hash (two pieces of media with one blockhash), through the real app: a
 * retracted item is retracted (its status derived from the members' shares still standing) and no
 * match names it, while the shared hash keeps matching through the other item; relabelling one item
 * leaves the other item's labels alone (a member's labels on a hash are the union of its standing
 * items' holding it and of its own share of the hash alone); the feed and the audit log show it.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t?.close();
});

const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');

/** An image's hashes as a member computes them: its own pdq and sha256, and the blockhash `shared`. */
function mediaHashes(media: string, shared: string, labels: string[]) {
  const item = { sha256: hex(media), kind: 'image' };
  return [
    { type: 'pdq', value: hex(`pdq ${media}`), labels, item },
    { type: 'blockhash', value: shared, labels, item },
    { type: 'sha256', value: hex(media), labels, item },
  ];
}

interface HashView {
  id: string;
  value: string;
  status: string;
  labels: string[];
  contributors: number;
}

async function getItem(id: string, headers: Record<string, string>) {
  const res = await t.request(`/v1/items/${id}`, { headers });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ status: string; labels: string[]; contributors: number; hashes: HashView[] }>;
}

async function matchBlockhash(value: string, headers: Record<string, string>) {
  const res = await t.request('/v1/match', json('POST', { hashes: [{ type: 'blockhash', value }], maxDistance: { blockhash: 0 } }, headers));
  expect(res.status).toBe(200);
  return (await res.json()).results[0].matches as { value: string; labels: string[]; contributors: number; item?: { id: string }; items?: { id: string }[] }[];
}

async function share(items: unknown[], headers: Record<string, string>) {
  const res = await t.request('/v1/hashes', json('POST', { items }, headers));
  expect(res.status).toBe(201);
  return res.json();
}

describe('a retracted item is retracted, and matches name only the items that stand', () => {
  const X = hex('blockhash x, retract');
  const A = itemId(ISSUER, hex('retract a'));
  const B = itemId(ISSUER, hex('retract b'));

  it('A retracted: status retracted, no contributors, no labels; X matches through B alone', async () => {
    const m = await t.as('partner', 'retract-member');
    await share(mediaHashes('retract a', X, ['manifesto']), m);
    await share(mediaHashes('retract b', X, ['recruitment']), m);
    const res = await t.request(`/v1/items/${A}`, { method: 'DELETE', headers: m });
    expect(res.status).toBe(200);
    const reply = await res.json();
    expect(reply).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect(await getItem(A, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    // A's own pdq and sha256 are gone; X stands through B, with B's labels only.
    const byValue = new Map(reply.hashes.map((h: HashView) => [h.value, h]));
    expect(byValue.get(X)).toMatchObject({ status: 'active', contributors: 1, labels: ['recruitment'] });
    expect(byValue.get(hex('pdq retract a'))).toMatchObject({ status: 'retracted', contributors: 0 });
    expect(await getItem(B, m)).toMatchObject({ status: 'active', contributors: 1, labels: ['recruitment'] });

    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0].item).toEqual({ id: B, variant: 'whole' });
    expect(hits[0].items).toBeUndefined();
    expect(hits[0].labels).toEqual(['recruitment']);
  });

  it('a hash of a retracted item shared again alone does not bring the item back', async () => {
    const m = await t.as('partner', 'retract-member');
    // B goes too: every hash of both items is retracted.
    expect((await t.request(`/v1/items/${B}`, { method: 'DELETE', headers: m })).status).toBe(200);
    expect((await matchBlockhash(X, m)).length).toBe(0);
    await share([{ type: 'blockhash', value: X, labels: ['glorification'] }], m);
    for (const id of [A, B]) expect(await getItem(id, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification'], contributors: 1 });
    expect(hits[0].item).toBeUndefined();
    expect(hits[0].items).toBeUndefined();
    // Shared again, A stands again and X names it.
    await share(mediaHashes('retract a', X, ['manifesto']), m);
    expect(await getItem(A, m)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
    const again = await matchBlockhash(X, m);
    expect(again[0]).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 1, item: { id: A, variant: 'whole' } });
  });
});

describe("relabelling one item leaves another item's hashes alone", () => {
  const X = hex('blockhash x, relabel');
  const A = itemId(ISSUER, hex('relabel a'));
  const B = itemId(ISSUER, hex('relabel b'));

  it('the shared hash carries the union of the standing items’ labels; each item’s own hashes its own', async () => {
    const m = await t.as('partner', 'relabel-member');
    await share(mediaHashes('relabel a', X, ['attack-footage']), m);
    await share(mediaHashes('relabel b', X, ['recruitment']), m);
    // Sharing B did not overwrite A's labels on X: X carries both.
    let a = await getItem(A, m);
    expect(a.labels).toEqual(['attack-footage']);
    expect(a.hashes.find((h) => h.value === X)?.labels).toEqual(['attack-footage', 'recruitment']);
    expect(a.hashes.find((h) => h.value === hex('pdq relabel a'))?.labels).toEqual(['attack-footage']);

    const res = await t.request(`/v1/items/${A}/labels`, json('PUT', { labels: ['manifesto'] }, m));
    expect(res.status).toBe(200);
    a = await res.json();
    expect(a.labels).toEqual(['manifesto']);
    expect(a.hashes.find((h) => h.value === X)?.labels).toEqual(['manifesto', 'recruitment']);
    expect(a.hashes.find((h) => h.value === hex('pdq relabel a'))?.labels).toEqual(['manifesto']);
    const b = await getItem(B, m);
    expect(b.labels).toEqual(['recruitment']);
    expect(b.hashes.find((h) => h.value === hex('pdq relabel b'))?.labels).toEqual(['recruitment']);
    expect(b.hashes.find((h) => h.value === X)?.labels).toEqual(['manifesto', 'recruitment']);

    // Retracting A takes its labels off X; B's stay.
    expect((await t.request(`/v1/items/${A}`, { method: 'DELETE', headers: m })).status).toBe(200);
    const after = await getItem(B, m);
    expect(after.hashes.find((h) => h.value === X)).toMatchObject({ status: 'active', contributors: 1, labels: ['recruitment'] });
  });

  it("a member's share of a hash alone stands beside its items, and keeps its labels", async () => {
    const m = await t.as('partner', 'relabel-alone');
    const Y = hex('blockhash y, alone');
    const C = itemId(ISSUER, hex('alone c'));
    await share([{ type: 'blockhash', value: Y, labels: ['glorification'] }], m);
    await share(mediaHashes('alone c', Y, ['manifesto']), m);
    expect((await matchBlockhash(Y, m))[0]).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 1 });
    await t.request(`/v1/items/${C}/labels`, json('PUT', { labels: ['recruitment'] }, m));
    expect((await matchBlockhash(Y, m))[0]).toMatchObject({ labels: ['glorification', 'recruitment'], contributors: 1 });
    // Retracting the item leaves the share of Y alone standing, with its own labels.
    expect((await t.request(`/v1/items/${C}`, { method: 'DELETE', headers: m })).status).toBe(200);
    const hits = await matchBlockhash(Y, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification'], contributors: 1 });
    expect(hits[0].item).toBeUndefined();
  });
});

describe('the feed and the audit log show each changed hash once', () => {
  it('one change-log row per hash whose state changed, naming the standing items; one item.retract entry naming them', async () => {
    const member = await t.client('partner', 'feed-member');
    const m = { authorization: `Bearer ${await t.token(member)}` };
    const X = hex('blockhash x, feed');
    const A = itemId(ISSUER, hex('feed a'));
    const B = itemId(ISSUER, hex('feed b'));
    await share(mediaHashes('feed a', X, ['manifesto']), m);
    await share(mediaHashes('feed b', X, ['recruitment']), m);
    const before = await t.rt.database.client.execute('select coalesce(max(seq), 0) as s from changes');
    const from = Number(before.rows[0].s);
    expect((await t.request(`/v1/items/${A}`, { method: 'DELETE', headers: m })).status).toBe(200);
    const rows = await t.rt.database.client.execute({ sql: 'select kind, snapshot from changes where seq > ? order by seq', args: [from] });
    const got = rows.rows.map((r) => {
      const s = JSON.parse(String(r.snapshot));
      return [r.kind, s.value, s.status, s.labels, s.contributors, s.items?.map((i: { id: string }) => i.id)];
    });
    expect(got).toEqual([
      ['retract', hex('pdq feed a'), 'retracted', [], 0, [A]],
      ['update', X, 'active', ['recruitment'], 1, [B]],
      ['retract', hex('feed a'), 'retracted', [], 0, [A]],
    ]);
    // One item.retract entry: the member's share left, A's own hashes retracted, X relabelled.
    const entries = await t.rt.database.client.execute('select action, entry from audit_log order by seq');
    const last = entries.rows.at(-1);
    expect(last?.action).toBe('item.retract');
    const entry = JSON.parse(String(last?.entry));
    const ids = new Map(rows.rows.map((r) => [JSON.parse(String(r.snapshot)).value, JSON.parse(String(r.snapshot)).id]));
    expect(entry.content).toEqual({
      sha256: hex('feed a'),
      contributorsRetracted: [member.id],
      contributionsRetracted: [ids.get(hex('pdq feed a')), ids.get(hex('feed a'))].sort().map((hash) => ({ contributor: member.id, hash })),
      hashesRetracted: [ids.get(hex('pdq feed a')), ids.get(hex('feed a'))].sort(),
      hashesRelabelled: [ids.get(X)],
    });
  });
});

/** The node's change-log end, and the audit log's. */
async function logEnds() {
  const c = await t.rt.database.client.execute('select (select coalesce(max(seq), 0) from changes) as c, (select coalesce(max(seq), 0) from audit_log) as a');
  return { changes: Number(c.rows[0].c), audit: Number(c.rows[0].a) };
}

async function changesSince(from: number) {
  const rows = await t.rt.database.client.execute({
    sql: "select kind, snapshot from changes where seq > ? and kind in ('add', 'update', 'retract') order by seq",
    args: [from],
  });
  return rows.rows.map((r) => {
    const s = JSON.parse(String(r.snapshot));
    return [r.kind, s.value, s.status, s.labels, s.contributors, s.items?.map((i: { id: string }) => i.id)];
  });
}

async function auditSince(from: number) {
  const rows = await t.rt.database.client.execute({ sql: 'select action, entry from audit_log where seq > ? order by seq', args: [from] });
  return rows.rows.map((r) => ({ action: String(r.action), entry: JSON.parse(String(r.entry)) }));
}

async function retract(id: string, headers: Record<string, string>) {
  const res = await t.request(`/v1/items/${id}`, { method: 'DELETE', headers });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ status: string; contributors: number; labels: string[]; hashes: HashView[]; kept?: string[] }>;
}

describe("an admin's retraction of an item takes its hashes down for everyone", () => {
  it("another member's share of one of its hashes alone goes with it", async () => {
    const m = await t.as('partner', 'admin-case-1-m');
    const p2 = await t.client('partner', 'admin-case-1-p2');
    const p2h = { authorization: `Bearer ${await t.token(p2)}` };
    const X = hex('blockhash x, admin 1');
    const A = itemId(ISSUER, hex('admin 1 a'));
    await share(mediaHashes('admin 1 a', X, ['manifesto']), m);
    await share([{ type: 'blockhash', value: X, labels: ['recruitment'] }], p2h);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ contributors: 2, labels: ['manifesto', 'recruitment'] });
    const admin = await t.as('admin', 'admin');
    const from = await logEnds();
    const reply = await retract(A, admin);
    expect(reply).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect(reply.kept).toBeUndefined();
    for (const h of reply.hashes) expect(h).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect(await matchBlockhash(X, p2h)).toEqual([]);
    expect(await changesSince(from.changes)).toEqual(reply.hashes.map((h) => ['retract', h.value, 'retracted', [], 0, [A]]));
    const entries = await auditSince(from.audit);
    expect(entries.map((e) => e.action)).toEqual(['item.retract']);
    // Each contribution withdrawn is named with its contributor: p2's share of X alone as well as m's.
    const x = reply.hashes.find((h) => h.value === X)?.id;
    const mId = entries[0].entry.content.contributorsRetracted[0];
    expect(entries[0].entry.content).toEqual({
      sha256: hex('admin 1 a'),
      contributorsRetracted: [expect.any(String)],
      contributionsRetracted: reply.hashes
        .flatMap((h) => (h.id === x ? [mId, p2.id].sort().map((contributor) => ({ contributor, hash: h.id })) : [{ contributor: mId, hash: h.id }]))
        .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)),
      hashesRetracted: reply.hashes.map((h) => h.id).sort(),
      hashesRelabelled: [],
    });
  });

  it('a member who shared the hashes alone and then as the item keeps none; another item keeps a hash, with its own labels only', async () => {
    const m = await t.as('partner', 'admin-case-2-m');
    const q = await t.as('partner', 'admin-case-2-q');
    const X = hex('blockhash x, admin 2');
    const A = itemId(ISSUER, hex('admin 2 a'));
    const C = itemId(ISSUER, hex('admin 2 c'));
    // m: A's hashes alone first, then as the item A.
    await share(
      mediaHashes('admin 2 a', X, ['glorification']).map(({ item: _, ...h }) => h),
      m,
    );
    await share(mediaHashes('admin 2 a', X, ['manifesto']), m);
    // q: X alone, and in its item C.
    await share([{ type: 'blockhash', value: X, labels: ['attack-footage'] }], q);
    await share(mediaHashes('admin 2 c', X, ['recruitment']), q);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ contributors: 2, labels: ['attack-footage', 'glorification', 'manifesto', 'recruitment'] });

    const reply = await retract(A, await t.as('admin', 'admin'));
    expect(reply).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    const byValue = new Map(reply.hashes.map((h) => [h.value, h]));
    expect(byValue.get(hex('pdq admin 2 a'))).toMatchObject({ status: 'retracted', contributors: 0 });
    expect(byValue.get(hex('admin 2 a'))).toMatchObject({ status: 'retracted', contributors: 0 });
    // X stands through q's item C alone: q's share of X alone went with A, m's contribution too.
    expect(byValue.get(X)).toMatchObject({ status: 'active', contributors: 1, labels: ['recruitment'] });
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ contributors: 1, labels: ['recruitment'], item: { id: C, variant: 'whole' } });
    expect(hits[0].items).toBeUndefined();
    // q retracting C now takes X down: nothing else of q's holds it.
    const c = await retract(C, q);
    expect(c.kept).toEqual([]);
    expect(await matchBlockhash(X, q)).toEqual([]);
  });

  it('withdrawing only a share of a hash alone (its labels unchanged) is an audit entry, and no change-log row', async () => {
    const m = await t.as('partner', 'admin-case-alone');
    const X = hex('blockhash x, admin alone');
    const A = itemId(ISSUER, hex('admin alone a'));
    const B = itemId(ISSUER, hex('admin alone b'));
    await share(mediaHashes('admin alone a', X, ['manifesto']), m);
    await share(mediaHashes('admin alone b', X, ['manifesto']), m);
    await share([{ type: 'blockhash', value: X, labels: ['manifesto'] }], m);
    const mine = await retract(A, m);
    // X stays, held by B and by the share of X alone.
    const x = mine.hashes.find((h) => h.value === X);
    expect(mine.kept).toEqual([x?.id]);
    const from = await logEnds();
    const reply = await retract(A, await t.as('admin', 'admin'));
    expect(reply.hashes.find((h) => h.value === X)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
    expect(await changesSince(from.changes)).toEqual([]);
    const entries = await auditSince(from.audit);
    expect(entries.map((e) => [e.action, e.entry.content])).toEqual([
      ['item.retract', { sha256: hex('admin alone a'), contributorsRetracted: [], contributionsRetracted: [], hashesRetracted: [], hashesRelabelled: [] }],
    ]);
    // The share of X alone is gone: retracting B takes X down.
    const b = await retract(B, m);
    expect(b.kept).toEqual([]);
    expect(await matchBlockhash(X, m)).toEqual([]);
    // An admin's retraction that changes nothing writes nothing.
    const again = await logEnds();
    await retract(A, await t.as('admin', 'admin'));
    expect(await logEnds()).toEqual(again);
  });
});

describe('an item whose hashes are retracted one by one is retracted', () => {
  it('retracted with its last active hash; a hash shared again alone does not bring it back, the media shared again does', async () => {
    const m = await t.as('partner', 'one-by-one');
    const X = hex('blockhash x, one by one');
    const A = itemId(ISSUER, hex('one by one a'));
    const shared = await share(mediaHashes('one by one a', X, ['manifesto']), m);
    const ids: string[] = shared.items.map((h: { id: string }) => h.id);
    for (const [i, id] of ids.entries()) {
      expect((await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: m })).status).toBe(200);
      expect((await getItem(A, m)).status).toBe(i === ids.length - 1 ? 'retracted' : 'active');
    }
    await share([{ type: 'blockhash', value: X, labels: ['glorification'] }], m);
    expect((await getItem(A, m)).status).toBe('retracted');
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0].item).toBeUndefined();
    await share(mediaHashes('one by one a', X, ['manifesto']), m);
    expect(await getItem(A, m)).toMatchObject({ status: 'active', labels: ['manifesto'] });
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ item: { id: A, variant: 'whole' }, labels: ['glorification', 'manifesto'] });
  });
});

describe('a share that changes no label of a hash writes no change-log row; its share alone is an audit entry', () => {
  it('a hash an item gives the same labels, shared alone: unchanged, one hash.relabel entry; kept when the member retracts the item', async () => {
    const m = await t.as('partner', 'same-labels');
    const X = hex('blockhash x, same labels');
    const A = itemId(ISSUER, hex('same labels a'));
    await share(mediaHashes('same labels a', X, ['manifesto']), m);
    const from = await logEnds();
    const body = await share([{ type: 'blockhash', value: X, labels: ['manifesto'] }], m);
    expect(body.items[0].outcome).toBe('unchanged');
    expect((await logEnds()).changes).toBe(from.changes);
    // The member's statement is in the log: the share of X alone now holds X.
    expect((await auditSince(from.audit)).map((e) => [e.action, e.entry.subject.id, e.entry.content])).toEqual([
      ['hash.relabel', body.items[0].id, { externalId: null, type: 'blockhash', value: X, labels: ['manifesto'] }],
    ]);
    // Shared alone again with the same labels: nothing new.
    const again = await logEnds();
    expect((await share([{ type: 'blockhash', value: X, labels: ['manifesto'] }], m)).items[0].outcome).toBe('unchanged');
    expect(await logEnds()).toEqual(again);
    // The share of X alone holds it once the item is retracted: the answer says so.
    const reply = await retract(A, m);
    expect(reply.status).toBe('retracted');
    expect(reply.kept).toEqual([body.items[0].id]);
    expect(reply.hashes.find((h) => h.value === X)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
  });
});

describe('an item retracted hash by hash is no source of labels and holds no hash (the share withdrawn with its last hash)', () => {
  /** m shares item B (X, recruitment), withdraws its three hashes one by one (B is retracted, m's share of it with its last hash). */
  async function retractedB(name: string, m: Record<string, string>) {
    const X = hex(`blockhash x, ${name}`);
    const B = itemId(ISSUER, hex(`${name} b`));
    const shared = await share(mediaHashes(`${name} b`, X, ['recruitment']), m);
    for (const h of shared.items as { id: string }[]) expect((await t.request(`/v1/hashes/${h.id}`, { method: 'DELETE', headers: m })).status).toBe(200);
    expect(await getItem(B, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    return { X, B };
  }

  it("an admin's retraction of A, which holds B's hash X, takes X down", async () => {
    const m = await t.as('partner', 'b-by-hash-admin');
    const { X } = await retractedB('b by hash admin', m);
    const A = itemId(ISSUER, hex('b by hash admin a'));
    await share(mediaHashes('b by hash admin a', X, ['manifesto']), m);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['manifesto'], contributors: 1, item: { id: A, variant: 'whole' } });
    const reply = await retract(A, await t.as('admin', 'admin'));
    expect(reply.status).toBe('retracted');
    expect(reply.hashes.find((h) => h.value === X)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect(await matchBlockhash(X, m)).toEqual([]);
  });

  it("the member's own retraction of A takes X down", async () => {
    const m = await t.as('partner', 'b-by-hash-member');
    const { X } = await retractedB('b by hash member', m);
    const A = itemId(ISSUER, hex('b by hash member a'));
    await share(mediaHashes('b by hash member a', X, ['manifesto']), m);
    const reply = await retract(A, m);
    expect(reply.kept).toEqual([]);
    expect(reply.hashes.find((h) => h.value === X)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect(await matchBlockhash(X, m)).toEqual([]);
  });

  it("X shared again alone carries that share's labels only; B's media shared again brings B and its labels back", async () => {
    const m = await t.as('partner', 'b-by-hash-alone');
    const { X, B } = await retractedB('b by hash alone', m);
    await share([{ type: 'blockhash', value: X, labels: ['glorification'] }], m);
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification'], contributors: 1 });
    expect(hits[0].item).toBeUndefined();
    await share(mediaHashes('b by hash alone b', X, ['recruitment']), m);
    expect(await getItem(B, m)).toMatchObject({ status: 'active', labels: ['recruitment'] });
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['glorification', 'recruitment'], item: { id: B, variant: 'whole' } });
  });

  it('relabelling the retracted B is refused (409) and changes nothing', async () => {
    const m = await t.as('partner', 'b-by-hash-relabel');
    const { X, B } = await retractedB('b by hash relabel', m);
    await share(mediaHashes('b by hash relabel a', X, ['manifesto']), m);
    const from = await logEnds();
    const res = await t.request(`/v1/items/${B}/labels`, json('PUT', { labels: ['attack-footage'] }, m));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).detail).toContain('retracted');
    expect(await logEnds()).toEqual(from);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['manifesto'], contributors: 1 });
    expect(await getItem(B, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
  });
});

describe("a member's share of an item is withdrawn with its last hash of the item, whoever else keeps a hash active", () => {
  /**
   * M shares item B = (pdq, X, sha256) with recruitment; N shares X alone with manifesto; M withdraws
   * its three hashes one by one. N keeps X, so B has an active hash, but M stands behind nothing of B.
   */
  async function withdrawnB(name: string) {
    const m = await t.as('partner', `${name} m`);
    const n = await t.as('partner', `${name} n`);
    const X = hex(`blockhash x, ${name}`);
    const B = itemId(ISSUER, hex(`${name} b`));
    const shared = await share(mediaHashes(`${name} b`, X, ['recruitment']), m);
    await share([{ type: 'blockhash', value: X, labels: ['manifesto'] }], n);
    for (const h of shared.items as { id: string }[]) expect((await t.request(`/v1/hashes/${h.id}`, { method: 'DELETE', headers: m })).status).toBe(200);
    return { m, n, X, B, ids: (shared.items as { id: string }[]).map((h) => h.id) };
  }

  it('(a) the item is retracted, with no contributors and no labels; X stands for N alone', async () => {
    const { m, X, B } = await withdrawnB('member withdrawn a');
    expect(await getItem(B, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['manifesto'], contributors: 1 });
    expect(hits[0].item).toBeUndefined();
  });

  it("(b) X shared again alone by M carries that share's labels and N's, not B's", async () => {
    const { m, X } = await withdrawnB('member withdrawn b');
    await share([{ type: 'blockhash', value: X, labels: ['glorification'] }], m);
    const hits = await matchBlockhash(X, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 2 });
  });

  it('(c) relabelling B by M is refused (409) and changes nothing', async () => {
    const { m, X, B } = await withdrawnB('member withdrawn c');
    await share([{ type: 'blockhash', value: X, labels: ['glorification'] }], m);
    const from = await logEnds();
    const res = await t.request(`/v1/items/${B}/labels`, json('PUT', { labels: ['attack-footage'] }, m));
    expect(res.status).toBe(409);
    expect(await logEnds()).toEqual(from);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 2 });
  });

  it("(d) M's retraction of another item A holding X keeps nothing for B", async () => {
    const { m, X } = await withdrawnB('member withdrawn d');
    const A = itemId(ISSUER, hex('member withdrawn d a'));
    await share(mediaHashes('member withdrawn d a', X, ['attack-footage']), m);
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['attack-footage', 'manifesto'], contributors: 2 });
    const reply = await retract(A, m);
    expect(reply.kept).toEqual([]);
    expect(reply.hashes.find((h) => h.value === X)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
    expect((await matchBlockhash(X, m))[0]).toMatchObject({ labels: ['manifesto'], contributors: 1 });
  });

  it('the feed names B no more on X, in the commit that withdrew it; the audit log and the replayed feed agree', async () => {
    const m = await t.as('partner', 'member withdrawn feed m');
    const n = await t.as('partner', 'member withdrawn feed n');
    const X = hex('blockhash x, member withdrawn feed');
    const B = itemId(ISSUER, hex('member withdrawn feed b'));
    const shared = await share(mediaHashes('member withdrawn feed b', X, ['recruitment']), m);
    await share([{ type: 'blockhash', value: X, labels: ['manifesto'] }], n);
    const byValue = new Map((shared.items as { id: string; value: string }[]).map((h) => [h.value, h.id]));
    // X first: M's contribution to it goes, B stands through its pdq and sha256.
    const from = await logEnds();
    expect((await t.request(`/v1/hashes/${byValue.get(X)}`, { method: 'DELETE', headers: m })).status).toBe(200);
    expect(await changesSince(from.changes)).toEqual([['update', X, 'active', ['manifesto'], 1, [B]]]);
    expect((await getItem(B, m)).status).toBe('active');
    await t.request(`/v1/hashes/${byValue.get(hex('pdq member withdrawn feed b'))}`, { method: 'DELETE', headers: m });
    const last = await logEnds();
    expect((await t.request(`/v1/hashes/${byValue.get(hex('member withdrawn feed b'))}`, { method: 'DELETE', headers: m })).status).toBe(200);
    // The sha256's tombstone, then X, which names B no more.
    expect(await changesSince(last.changes)).toEqual([
      ['retract', hex('member withdrawn feed b'), 'retracted', [], 0, [B]],
      ['update', X, 'active', ['manifesto'], 1, undefined],
    ]);
    expect((await auditSince(last.audit)).map((e) => e.action)).toEqual(['hash.retract']);
  });

  it("an admin's retraction of a hash withdraws every contributor's share of its items held by nothing else", async () => {
    const m = await t.as('partner', 'member withdrawn admin m');
    const n = await t.as('partner', 'member withdrawn admin n');
    const X = hex('blockhash x, member withdrawn admin');
    const B = itemId(ISSUER, hex('member withdrawn admin b'));
    const C = itemId(ISSUER, hex('member withdrawn admin c'));
    // B is M's (pdq, X, sha256); C is N's, holding X only beside its own pdq and sha256.
    const shared = await share(mediaHashes('member withdrawn admin b', X, ['recruitment']), m);
    await share(mediaHashes('member withdrawn admin c', X, ['manifesto']), n);
    const admin = await t.as('admin', 'admin');
    for (const h of shared.items as { id: string; value: string }[]) {
      if (h.value === X) continue;
      expect((await t.request(`/v1/hashes/${h.id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    }
    // M stands behind X still: B stands.
    expect(await getItem(B, m)).toMatchObject({ status: 'active', contributors: 1 });
    const x = (shared.items as { id: string; value: string }[]).find((h) => h.value === X);
    expect((await t.request(`/v1/hashes/${x?.id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    expect(await getItem(B, m)).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    // N stands behind C's pdq and sha256 still.
    expect(await getItem(C, n)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
  });
});

describe("an item that stands again gives every member's standing share its labels back", () => {
  it('an identical repeated share changes nothing', async () => {
    const m = await t.as('partner', 'revival m');
    const n = await t.as('partner', 'revival n');
    const X = hex('blockhash x, revival');
    const B = itemId(ISSUER, hex('revival b'));
    const mine = await share(mediaHashes('revival b', X, ['recruitment']), m);
    await share(mediaHashes('revival b', X, ['manifesto']), n);
    // M withdraws its three hashes; N then withdraws X alone (N's share of B stands through pdq and sha256).
    for (const h of mine.items as { id: string }[]) expect((await t.request(`/v1/hashes/${h.id}`, { method: 'DELETE', headers: m })).status).toBe(200);
    expect(await getItem(B, n)).toMatchObject({ status: 'active', contributors: 1, labels: ['manifesto'] });
    // M shares the media again: B has both shares, and every hash of it both members' labels.
    await share(mediaHashes('revival b', X, ['recruitment']), m);
    const b = await getItem(B, m);
    expect(b).toMatchObject({ status: 'active', contributors: 2 });
    for (const h of b.hashes) expect(h).toMatchObject({ status: 'active', contributors: 2, labels: ['manifesto', 'recruitment'] });
    const from = await logEnds();
    const again = await share(mediaHashes('revival b', X, ['recruitment']), m);
    expect(again.items.map((h: { outcome: string }) => h.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(await logEnds()).toEqual(from);
  });
});
