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
