/**
 * Items across federation, through the real apps in process (as test/http/federation.test.ts): an
 * image shared at A is one item there; its batch items carry the item; B pulls it and keeps the
 * item under A's id and origin, matches name it, and A's retraction of the item reaches B.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';
import { patternImage } from '../support/images';

const A_URL = ISSUER;
const B_URL = 'http://b.test';

let a: TestApp;
let b: TestApp;
let peerId: string;
const apps = new Map<string, () => TestApp>();

const route = async (url: string, init: RequestInit): Promise<Response> => {
  const app = apps.get(new URL(url).origin)?.();
  if (!app) throw new TypeError(`fetch failed: no node at ${url}`);
  return app.app.request(url, init);
};

beforeAll(async () => {
  a = await makeTestApp({}, { fetch: route });
  b = await makeTestApp({ PUBLIC_URL: B_URL, TOKEN_AUDIENCES: ISSUER }, { fetch: route });
  apps.set(A_URL, () => a);
  apps.set(B_URL, () => b);
  const client = await (
    await a.request(
      '/v1/admin/clients',
      json('POST', { role: 'peer', name: 'node B', jwksUrl: `${B_URL}/.well-known/jwks.json` }, await a.as('admin', 'admin')),
    )
  ).json();
  const peer = await b.request('/v1/admin/peers', json('POST', { url: A_URL, clientId: client.id, intervalMs: 1000 }, await b.as('admin', 'admin')));
  expect(peer.status).toBe(201);
  peerId = (await peer.json()).id;
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const pull = () => b.rt.puller.pullUntilCaughtUp(peerId);

describe('an item shared at A, pulled by B', () => {
  let image: Buffer;
  let id: string;
  /** How many hashes the share stored: the whole image's four and its regions' (robust enrolment). */
  let stored: number;

  it("is served with its hashes, each batch item naming it with the media's SHA-256", async () => {
    image = await patternImage('png', 320, 240, 3);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'x.png');
    form.set('labels', 'attack-footage');
    const shared = await (await a.request('/v1/hashes/media', { method: 'POST', body: form })).json();
    const sha = createHash('sha256').update(image).digest('hex');
    id = itemId(A_URL, sha);
    expect(shared.item.id).toBe(id);

    const res = await a.request('/v1/federation/feed', { headers: { authorization: `Bearer ${await a.token(await a.client('peer'))}` } });
    const payload = JSON.parse(Buffer.from((await res.json()).batch.split('.')[1], 'base64url').toString());
    stored = shared.items.length;
    expect(stored).toBeGreaterThan(4);
    expect(payload.items).toHaveLength(stored);
    for (const it of payload.items) expect(it.items).toEqual([{ id, variant: expect.any(String), sha256: sha, kind: 'image' }]);
    const whole = payload.items.filter((it: { items: { variant: string }[] }) => it.items[0].variant === 'whole');
    expect(whole.map((it: { type: string }) => it.type)).toEqual(['pdq', 'blockhash', 'md5', 'sha256']);
    // Every other hash is a perceptual hash of a region of the image, never an exact one.
    for (const it of payload.items) if (it.items[0].variant !== 'whole') expect(['pdq', 'blockhash']).toContain(it.type);
  });

  it("keeps the item's id and origin at B, with all its hashes; B's matches and feed name it", async () => {
    expect(await pull()).toBe(stored);
    const res = await b.request(`/v1/items/${id}`);
    expect(res.status).toBe(200);
    const item = await res.json();
    expect(item).toMatchObject({ id, origin: A_URL, kind: 'image', status: 'active', labels: ['attack-footage'], contributors: 1 });
    expect(item.hashes).toHaveLength(stored);
    expect(item.hashes.filter((h: { variant: string }) => h.variant === 'whole').map((h: { type: string }) => h.type)).toEqual([
      'pdq',
      'blockhash',
      'md5',
      'sha256',
    ]);
    const match = await (await b.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } })).json();
    for (const r of match.results)
      expect(r.matches.map((m: { origin: string; item: unknown }) => [m.origin, m.item])).toEqual([[A_URL, { id, variant: 'whole' }]]);
    const feed = await (await b.request('/v1/hashes?limit=100')).json();
    expect(feed.entries.map((e: { hash: { items: unknown } }) => e.hash.items)).toEqual(
      item.hashes.map((h: { variant: string }) => [{ id, variant: h.variant }]),
    );
  });

  it("A's retraction of the item reaches B: every hash retracted there", async () => {
    expect((await a.request(`/v1/items/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await pull()).toBe(stored);
    const item = await (await b.request(`/v1/items/${id}`)).json();
    expect(item).toMatchObject({ status: 'retracted', contributors: 0 });
    for (const h of item.hashes) expect(h.status).toBe('retracted');
    const match = await (await b.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } })).json();
    for (const r of match.results) expect(r.matches).toEqual([]);
  });
});

describe("B's admin retracting an item pulled from A", () => {
  it('takes every hash of it down at B, with an item.retract entry in B’s audit log', async () => {
    const sha = createHash('sha256').update('pulled item, retracted by an admin').digest('hex');
    const item = { sha256: sha, kind: 'image' };
    const hashes = ['pdq', 'blockhash'].map((type) => ({
      type,
      value: createHash('sha256').update(`${type} of the pulled item`).digest('hex'),
      labels: ['manifesto'],
      item,
    }));
    const shared = await a.request('/v1/hashes', json('POST', { items: hashes }));
    expect(shared.status).toBe(201);
    const pulledId = itemId(A_URL, sha);
    expect(await pull()).toBe(2);
    expect(await (await b.request(`/v1/items/${pulledId}`)).json()).toMatchObject({ origin: A_URL, status: 'active' });

    const before = Number((await b.rt.database.client.execute('select coalesce(max(seq), 0) as s from audit_log')).rows[0].s);
    const res = await b.request(`/v1/items/${pulledId}`, { method: 'DELETE', headers: await b.as('admin', 'admin') });
    expect(res.status).toBe(200);
    const after = await res.json();
    expect(after).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    // (A pulled hash's contributors are the origin's count, as stored at the pull.)
    for (const h of after.hashes) expect(h.status).toBe('retracted');
    const match = await (await b.request('/v1/match', json('POST', { hashes: hashes.map(({ type, value }) => ({ type, value })) }))).json();
    for (const r of match.results) expect(r.matches).toEqual([]);
    const entries = await b.rt.database.client.execute({ sql: 'select action, entry from audit_log where seq > ? order by seq', args: [before] });
    expect(entries.rows.map((r) => r.action)).toEqual(['item.retract']);
    expect(JSON.parse(String(entries.rows[0].entry)).content).toEqual({
      sha256: sha,
      contributorsRetracted: [],
      // The peer's pulled contributions, named with their contributor (the origin).
      contributionsRetracted: after.hashes
        .map((h: { id: string }) => h.id)
        .sort()
        .map((hash: string) => ({ contributor: A_URL, hash })),
      hashesRetracted: after.hashes.map((h: { id: string }) => h.id).sort(),
      hashesRelabelled: [],
    });
  });
});

describe('an item retracted at A while another item holds one of its hashes', () => {
  it('is retracted at B too, and B names the hash with the item that stands only', async () => {
    const hex = (s: string) => createHash('sha256').update(s).digest('hex');
    const X = hex('blockhash x, two items at A');
    const media = (name: string) => {
      const item = { sha256: hex(name), kind: 'image' };
      return [
        { type: 'pdq', value: hex(`pdq ${name}`), labels: ['manifesto'], item },
        { type: 'blockhash', value: X, labels: ['manifesto'], item },
      ];
    };
    const m = await a.as('partner', 'two items');
    for (const name of ['two items 1', 'two items 2']) expect((await a.request('/v1/hashes', json('POST', { items: media(name) }, m))).status).toBe(201);
    const [one, two] = ['two items 1', 'two items 2'].map((n) => itemId(A_URL, hex(n)));
    await pull();
    const bx = async () =>
      (await (await b.request('/v1/match', json('POST', { hashes: [{ type: 'blockhash', value: X }], maxDistance: { blockhash: 0 } }))).json()).results[0]
        .matches;
    expect((await bx())[0].items.map((i: { id: string }) => i.id)).toEqual([one, two]);

    // Same labels on both: only the items X names change at A, and so at B.
    expect((await a.request(`/v1/items/${one}`, { method: 'DELETE', headers: m })).status).toBe(200);
    expect(await pull()).toBe(2);
    expect(await (await b.request(`/v1/items/${one}`)).json()).toMatchObject({ status: 'retracted' });
    expect(await (await b.request(`/v1/items/${two}`)).json()).toMatchObject({ status: 'active' });
    const hits = await bx();
    expect(hits).toHaveLength(1);
    expect(hits[0].item).toEqual({ id: two, variant: 'whole' });
    expect(hits[0].items).toBeUndefined();
    // B's feed (its change log) says so too: X's last row names the item that stands.
    const rows = await b.rt.database.client.execute({ sql: "select snapshot from changes where kind = 'update' order by seq desc limit 1", args: [] });
    expect(JSON.parse(String(rows.rows[0].snapshot))).toMatchObject({ value: X, status: 'active', items: [{ id: two, variant: 'whole' }] });

    // A puller that sees the share and the retraction in one batch ends the same.
    const Z = hex('blockhash z, two items at A');
    const mediaZ = (name: string) => media(name).map((h) => (h.type === 'blockhash' ? { ...h, value: Z } : h));
    for (const name of ['late 1', 'late 2']) expect((await a.request('/v1/hashes', json('POST', { items: mediaZ(name) }, m))).status).toBe(201);
    const [late1, late2] = ['late 1', 'late 2'].map((n) => itemId(A_URL, hex(n)));
    expect((await a.request(`/v1/items/${late1}`, { method: 'DELETE', headers: m })).status).toBe(200);
    await pull();
    expect(await (await b.request(`/v1/items/${late1}`)).json()).toMatchObject({ status: 'retracted' });
    const bz = (await (await b.request('/v1/match', json('POST', { hashes: [{ type: 'blockhash', value: Z }], maxDistance: { blockhash: 0 } }))).json())
      .results[0].matches;
    expect(bz.map((h: { item: unknown; items?: unknown }) => [h.item, h.items])).toEqual([[{ id: late2, variant: 'whole' }, undefined]]);

    // Shared again at A, the item stands at B again.
    expect((await a.request('/v1/hashes', json('POST', { items: media('two items 1') }, m))).status).toBe(201);
    await pull();
    expect(await (await b.request(`/v1/items/${one}`)).json()).toMatchObject({ status: 'active' });
    // In A's order (first shared first), as A names them: the first item is the same at both.
    const ax = (await (await a.request('/v1/match', json('POST', { hashes: [{ type: 'blockhash', value: X }], maxDistance: { blockhash: 0 } }, m))).json())
      .results[0].matches;
    expect(ax[0]).toMatchObject({ item: { id: one, variant: 'whole' }, items: [{ id: one }, { id: two }] });
    expect((await bx())[0]).toMatchObject({ item: { id: one, variant: 'whole' }, items: [{ id: one }, { id: two }] });
    // B's feed row for X names them so too.
    const last = await b.rt.database.client.execute("select snapshot from changes where kind = 'update' order by seq desc limit 1");
    expect(JSON.parse(String(last.rows[0].snapshot))).toMatchObject({ value: X, items: [{ id: one }, { id: two }] });
  });
});
