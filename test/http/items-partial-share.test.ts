/**
 * A share that names an item with other labels, through the real app (real keys, a libsql file):
 * a member that shared an image (its item: whole, regions, crops, md5, sha256) and then shares one of
 * its hashes by value naming the item with other labels has relabelled its share of the item, and
 * every hash of the item it holds carries the new labels, as PUT /v1/items/{id}/labels would leave
 * them (decisions.md, "A share naming an item relabels the member's share of it"): the other
 * member's labels stay; a match of the upload shows one set of labels on every hash; the feed
 * replayed equals the final state; the audit log verifies, its item.relabel entry naming the hashes
 * the share relabelled beside the one it named. And the variant a hash is named with: one the node
 * does not store is 400 naming it; a known one is stored as given, or, for a hash the item already
 * holds, the answer says which variant it keeps.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { ROBUST_DEFAULTS } from '../../src/core/robust';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';
import { verifyLog, type Target } from '../support/concurrency';
import { patternImage } from '../support/images';

let t: TestApp;
let alice: Record<string, string>;
let bob: Record<string, string>;
let target: Target;

beforeAll(async () => {
  t = await makeTestApp();
  alice = await t.as('partner', 'alice');
  bob = await t.as('partner', 'bob');
  const auditor = await t.as('auditor', 'auditor');
  target = {
    member: (_m, path, init) => t.request(path, { ...init, headers: { ...(init?.headers as Record<string, string>), ...alice } }),
    auditor: (path) => t.request(path, { headers: auditor }),
  };
});
afterAll(async () => {
  await t?.close();
});

function mediaForm(image: Buffer, labels: string): FormData {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'b.jpg');
  form.set('labels', labels);
  return form;
}

interface ItemHash {
  id: string;
  type: string;
  value: string;
  variant: string;
  status: string;
  labels: string[];
  contributors: number;
}

async function getItem(id: string) {
  const res = await t.request(`/v1/items/${id}`, { headers: alice });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; labels: string[]; contributors: number; hashes: ItemHash[] };
}

/** Each member's labels on the hash (its standing contributions), by client id. */
async function labelsByMember(hashId: string): Promise<Record<string, string[]>> {
  const d = await t.rt.deps.hashes.getById(hashId);
  return Object.fromEntries((d?.contributions ?? []).filter((c) => c.retractedAt === null).map((c) => [c.contributor, c.labels]));
}

/** The whole feed replayed: each hash as its last row shows it. */
async function replayFeed(): Promise<Map<string, { status: string; labels: string[]; contributors: number }>> {
  const out = new Map<string, { status: string; labels: string[]; contributors: number }>();
  let cursor = '';
  for (;;) {
    const page = await (await t.request(`/v1/hashes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: alice })).json();
    for (const e of page.entries) out.set(e.hash.id, { status: e.hash.status, labels: e.hash.labels, contributors: e.hash.contributors });
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}

async function auditSince(size: number): Promise<Record<string, any>[]> {
  const entries = await t.rt.deps.log.auditEntries(size, await t.rt.deps.log.auditSize());
  return entries.map((e) => {
    expect(canonicalize(JSON.parse(e.entry))).toBe(e.entry);
    return JSON.parse(e.entry);
  });
}

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return res.json();
}

describe('a share naming an item with other labels relabels the member’s share of the item', () => {
  let image: Buffer;
  let sha: string;
  let id: string;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    image = await patternImage('jpeg', 320, 240, 5);
    sha = createHash('sha256').update(image).digest('hex');
    id = itemId(ISSUER, sha);
    const who = async (h: Record<string, string>) =>
      (await (await t.request('/v1/hashes', json('POST', { items: [{ type: 'md5', value: '0'.repeat(31) + '1', labels: ['manifesto'] }] }, h))).json()).items[0]
        .id;
    // The members' client ids, read from the contributions of a throwaway hash.
    const hid = await who(alice);
    await who(bob);
    const cs = (await t.rt.deps.hashes.getById(hid))?.contributions ?? [];
    [aliceId, bobId] = cs.map((c) => c.contributor);
  });

  it('the media share: every hash of the item carries its labels', async () => {
    for (const [h, labels] of [
      [alice, 'attack-footage,recruitment'],
      [bob, 'glorification'],
    ] as const) {
      const res = await t.request('/v1/hashes/media', { method: 'POST', body: mediaForm(image, labels), headers: h });
      expect(res.status).toBe(201);
    }
    const item = await getItem(id);
    expect(item.hashes.length).toBeGreaterThan(10);
    for (const h of item.hashes) expect(await labelsByMember(h.id)).toEqual({ [aliceId]: ['attack-footage', 'recruitment'], [bobId]: ['glorification'] });
  });

  it('the member shares its whole pdq by value with other labels: every hash it holds of the item takes them, in one commit', async () => {
    const before = await getItem(id);
    const pdq = before.hashes.find((h) => h.type === 'pdq' && h.variant === 'whole');
    if (!pdq) throw new Error('the item has no whole pdq');
    const size = await t.rt.deps.log.auditSize();
    t.clock.advance(1000);
    const res = await t.request(
      '/v1/hashes',
      json('POST', { items: [{ type: 'pdq', value: pdq.value, labels: ['manifesto'], item: { sha256: sha, kind: 'image' } }] }, alice),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.media).toEqual([{ id, sha256: sha, outcome: 'updated' }]);
    expect(body.items).toEqual([{ id: pdq.id, type: 'pdq', value: pdq.value, created: false, outcome: 'updated', item: id, variant: 'whole' }]);
    const entries = await auditSince(size);

    // The exact end state of every hash of the item: alice's labels are her item share's, bob's his.
    const item = await getItem(id);
    expect(item).toMatchObject({ status: 'active', labels: ['glorification', 'manifesto'], contributors: 2 });
    expect(item.hashes.map((h) => [h.id, h.variant])).toEqual(before.hashes.map((h) => [h.id, h.variant]));
    for (const h of item.hashes) {
      expect({ status: h.status, labels: h.labels, contributors: h.contributors }, `${h.type} ${h.variant}`).toEqual({
        status: 'active',
        labels: ['glorification', 'manifesto'],
        contributors: 2,
      });
      expect(await labelsByMember(h.id), `${h.type} ${h.variant}`).toEqual({ [aliceId]: ['manifesto'], [bobId]: ['glorification'] });
    }

    // A match of the upload shows the same labels whichever hash it meets.
    const match = await (
      await t.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/jpeg', ...bob } })
    ).json();
    const seen = match.results.flatMap((r: { matches: { labels: string[] }[] }) => r.matches.map((m) => m.labels.join(',')));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['glorification,manifesto']));

    // The feed replayed from the start equals the final state of every hash of the item.
    const feed = await replayFeed();
    for (const h of item.hashes) expect(feed.get(h.id), `${h.type} ${h.variant}`).toEqual({ status: h.status, labels: h.labels, contributors: h.contributors });

    // The audit: the item's relabel names the item's other hashes it relabelled; the named hash its own entry.
    expect(entries.map((e) => [e.action, e.actor, e.subject.id])).toEqual([
      ['item.relabel', aliceId, id],
      ['hash.relabel', aliceId, pdq.id],
    ]);
    expect(entries[0].content).toEqual({
      sha256: sha,
      kind: 'image',
      labels: ['manifesto'],
      hashes: [{ type: 'pdq', value: pdq.value, variant: 'whole' }],
      hashesRelabelled: item.hashes
        .map((h) => h.id)
        .filter((x) => x !== pdq.id)
        .sort(),
    });
    const jwks = await (await t.request('/.well-known/jwks.json')).json();
    const log = await verifyLog(target, jwks);
    expect(log.size).toBe(await t.rt.deps.log.auditSize());
  });

  it('the same share again changes nothing and writes nothing', async () => {
    const pdq = (await getItem(id)).hashes.find((h) => h.type === 'pdq' && h.variant === 'whole');
    const size = await t.rt.deps.log.auditSize();
    const last = await t.rt.deps.hashes.lastChange();
    const res = await t.request(
      '/v1/hashes',
      json('POST', { items: [{ type: 'pdq', value: pdq?.value, labels: ['manifesto'], item: { sha256: sha, kind: 'image' } }] }, alice),
    );
    expect((await res.json()).media).toEqual([{ id, sha256: sha, outcome: 'unchanged' }]);
    expect(await t.rt.deps.log.auditSize()).toBe(size);
    expect(await t.rt.deps.hashes.lastChange()).toBe(last);
  });
});

describe('the variant a hash is named with', () => {
  const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
  const media = hex('variant media');
  const item = { sha256: media, kind: 'image' };
  const shareOne = (it: Record<string, unknown>) => t.request('/v1/hashes', json('POST', { items: [{ labels: ['manifesto'], item, ...it }] }, alice));

  it('a variant the node does not store is 400 naming it and the accepted forms; nothing is written', async () => {
    for (const variant of ['sideways', 'crop-10-tl', 'retrim', 'tilt-1-25', 'Trim']) {
      const body = await problem(await shareOne({ type: 'pdq', value: hex(`pdq ${variant}`), variant }), 400);
      const err = body.errors.find((e: { path: string }) => e.path === 'items/0/variant');
      expect(err?.message, variant).toContain(JSON.stringify(variant));
      expect(err?.message).toMatch(/whole.*trim.*screen.*deskew/);
      expect(err?.message).toContain('crop-tl10');
    }
    expect(await t.rt.deps.hashes.getItem(itemId(ISSUER, media))).toBeNull();
  });

  it('a region or crop is of an image’s pdq or blockhash: on an exact hash or another kind of media, 400', async () => {
    const body = await problem(await shareOne({ type: 'md5', value: hex('md5 trim').slice(0, 32), variant: 'trim' }), 400);
    expect(JSON.stringify(body.errors)).toMatch(/items\/0\/variant.*pdq or blockhash/);
    const video = await problem(
      await t.request(
        '/v1/hashes',
        json(
          'POST',
          { items: [{ type: 'pdq', value: hex('video crop'), labels: ['manifesto'], item: { sha256: hex('a video'), kind: 'video' }, variant: 'crop-c10' }] },
          alice,
        ),
      ),
      400,
    );
    expect(JSON.stringify(video.errors)).toMatch(/items\/0\/variant.*image/);
  });

  it('every variant a media share stores is accepted, and stored as given', async () => {
    const names = ['whole', 'trim', 'screen', 'deskew', ...ROBUST_DEFAULTS.crops.map((c) => c.name)];
    const items = names.map((variant) => ({ type: 'pdq', value: hex(`known ${variant}`), labels: ['manifesto'], item, variant }));
    const res = await t.request('/v1/hashes', json('POST', { items }, alice));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items.map((r: { variant: string }) => r.variant)).toEqual(names);
    const stored = await getItem(itemId(ISSUER, media));
    expect(stored.hashes.map((h) => [h.value, h.variant])).toEqual(items.map((it) => [it.value, it.variant]));
  });

  it('a hash the item holds keeps the variant it was first linked with, and the answer says which', async () => {
    const value = hex('known trim');
    const res = await shareOne({ type: 'pdq', value, variant: 'crop-c10' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items[0]).toMatchObject({ value, item: itemId(ISSUER, media), variant: 'trim' });
    const stored = await getItem(itemId(ISSUER, media));
    expect(stored.hashes.find((h) => h.value === value)?.variant).toBe('trim');
  });
});

describe('a hash of the item shared alone in the same request, its labels leaving it as it was', () => {
  it('gets no change-log row, is not in the entry’s hashesRelabelled, and is answered unchanged', async () => {
    const image = await patternImage('jpeg', 320, 240, 9);
    const sha = createHash('sha256').update(image).digest('hex');
    const id = itemId(ISSUER, sha);
    const res0 = await t.request('/v1/hashes/media', { method: 'POST', body: mediaForm(image, 'attack-footage,recruitment'), headers: alice });
    expect(res0.status).toBe(201);
    const before = await getItem(id);
    const pdq = before.hashes.find((h) => h.type === 'pdq' && h.variant === 'whole');
    const md5 = before.hashes.find((h) => h.type === 'md5');
    if (!pdq || !md5) throw new Error('the item has no whole pdq or no md5');
    const member = Object.keys(await labelsByMember(md5.id))[0];
    const size = await t.rt.deps.log.auditSize();
    const last = await t.rt.deps.hashes.lastChange();
    t.clock.advance(1000);
    // The pdq names the item with one of its labels; the md5 is shared alone with the other: the md5
    // shows both after the commit, as before it.
    const res = await t.request(
      '/v1/hashes',
      json(
        'POST',
        {
          items: [
            { type: 'pdq', value: pdq.value, labels: ['attack-footage'], item: { sha256: sha, kind: 'image' } },
            { type: 'md5', value: md5.value, labels: ['recruitment'] },
          ],
        },
        alice,
      ),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.media).toEqual([{ id, sha256: sha, outcome: 'updated' }]);
    expect(body.items.map((r: { id: string; outcome: string }) => [r.id, r.outcome])).toEqual([
      [pdq.id, 'updated'],
      [md5.id, 'unchanged'],
    ]);
    const item = await getItem(id);
    for (const h of item.hashes)
      expect(await labelsByMember(h.id), `${h.type} ${h.variant}`).toEqual({
        [member]: h.id === md5.id ? ['attack-footage', 'recruitment'] : ['attack-footage'],
      });
    // One row a hash whose labels changed: every one but the md5.
    const feed = await t.rt.deps.hashes.changesSince(last, 1000);
    expect(feed.map((c) => c.hashId).sort()).toEqual(
      item.hashes
        .map((h) => h.id)
        .filter((x) => x !== md5.id)
        .sort(),
    );
    for (const c of feed) expect(c.kind).toBe('update');
    const entries = await auditSince(size);
    expect(entries.map((e) => [e.action, e.subject.id])).toEqual([
      ['item.relabel', id],
      ['hash.relabel', pdq.id],
      ['hash.relabel', md5.id],
    ]);
    expect(entries[0].content.hashesRelabelled).toEqual(
      item.hashes
        .map((h) => h.id)
        .filter((x) => x !== pdq.id && x !== md5.id)
        .sort(),
    );
    const jwks = await (await t.request('/.well-known/jwks.json')).json();
    expect((await verifyLog(target, jwks)).size).toBe(await t.rt.deps.log.auditSize());
  });
});
