/**
 * Items through the real app (issue 14 item 5): a media share makes one item of its hashes, named
 * by the node and the media's SHA-256; GET /v1/items/{id} shows it; a match names the item; DELETE
 * and PUT labels act on all its hashes in one commit; bad ids and unknown items get problem+json;
 * sixteen members sharing the same image at once, through two instances on one SQLite file, make
 * one item with 16 shares, and sixteen concurrent retractions leave one tombstone per hash.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';
import { noiseImage, patternImage } from '../support/images';

let t: TestApp;
let second: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  second = await makeTestApp({}, { sameDatabaseAs: t });
  await second.rt.indexLoaded;
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});

function mediaForm(image: Buffer, labels: string): FormData {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'x.png');
  form.set('labels', labels);
  return form;
}

async function shareImage(app: TestApp, image: Buffer, labels: string, headers: Record<string, string>) {
  const res = await app.request('/v1/hashes/media', { method: 'POST', body: mediaForm(image, labels), headers });
  return { status: res.status, body: await res.json() };
}

async function problem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, detail: expect.any(String) });
  return body;
}

/** Every feed entry from the start. */
async function feed(): Promise<
  { kind: string; hash: { id: string; type: string; status: string; contributors: number; labels: string[]; items?: { id: string; variant: string }[] } }[]
> {
  const out = [];
  let cursor = '';
  for (;;) {
    const res = await t.request(`/v1/hashes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: await t.as('partner', 'reader') });
    const page = await res.json();
    out.push(...page.entries);
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}

describe('a media share is one item', () => {
  let image: Buffer;
  let id: string;
  let hashIds: string[];
  /** Each hash's variant in the item, as the share answered it. */
  let variants: Map<string, string>;

  it("names the item from the node and the media's SHA-256, with its hashes: whole, regions, crops, exact", async () => {
    image = await patternImage('png', 320, 240, 1);
    const alice = await t.as('partner', 'alice');
    const { status, body } = await shareImage(t, image, 'attack-footage', alice);
    expect(status).toBe(201);
    const sha = createHash('sha256').update(image).digest('hex');
    id = itemId(ISSUER, sha);
    expect(body.item).toEqual({ id, sha256: sha, outcome: 'created' });
    hashIds = body.items.map((h: { id: string }) => h.id);
    variants = new Map(body.items.map((h: { id: string; variant?: string }) => [h.id, h.variant ?? 'whole']));

    const res = await t.request(`/v1/items/${id}`, { headers: alice });
    expect(res.status).toBe(200);
    const item = await res.json();
    expect(item).toMatchObject({ id, sha256: sha, kind: 'image', status: 'active', labels: ['attack-footage'], contributors: 1 });
    // Every hash the share answered, in its order, each linked by the region it is of (robust
    // enrolment, issue 14): the whole image's PDQ and blockhash first, md5 and sha256 last.
    const listed = item.hashes.map((h: { id: string; type: string; variant: string; status: string }) => [h.id, h.type, h.variant, h.status]);
    expect(listed).toEqual(body.items.map((h: { id: string; type: string; variant?: string }) => [h.id, h.type, h.variant ?? 'whole', 'active']));
    expect(listed.slice(0, 2).map((h: string[]) => h.slice(1, 3))).toEqual([
      ['pdq', 'whole'],
      ['blockhash', 'whole'],
    ]);
    expect(listed.slice(-2).map((h: string[]) => h.slice(1, 3))).toEqual([
      ['md5', 'whole'],
      ['sha256', 'whole'],
    ]);
    expect(listed.some((h: string[]) => h[2].startsWith('crop-'))).toBe(true);
    // The same bytes shared again by another member: the same item.
    const again = await shareImage(t, image, 'recruitment', await t.as('partner', 'bob'));
    expect(again.body.item).toEqual({ id, sha256: sha, outcome: 'added' });
  });

  it('a match names the item and the variant that matched', async () => {
    const res = await t.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    for (const r of body.results) {
      expect(r.matches).toHaveLength(1);
      expect(r.matches[0].item).toEqual({ id, variant: 'whole' });
      expect(r.matches[0].items).toBeUndefined();
    }
  });

  it("relabels the member's share and its hashes in one call", async () => {
    const alice = await t.as('partner', 'alice');
    const res = await t.request(`/v1/items/${id}/labels`, json('PUT', { labels: ['manifesto', 'glorification'] }, alice));
    expect(res.status).toBe(200);
    const item = await res.json();
    expect(item.labels).toEqual(['glorification', 'manifesto', 'recruitment']);
    for (const h of item.hashes) expect(h.labels).toEqual(['glorification', 'manifesto', 'recruitment']);
    // Bob's own labels stay his.
    const detail = await t.rt.deps.hashes.getById(hashIds[0]);
    expect(detail!.contributions.map((c) => c.labels)).toEqual([['glorification', 'manifesto'], ['recruitment']]);
  });

  it('retracts every hash of the item for that member; the last member leaves tombstones in the feed', async () => {
    const alice = await t.as('partner', 'alice');
    const bob = await t.as('partner', 'bob');
    const first = await (await t.request(`/v1/items/${id}`, json('DELETE', undefined, alice))).json();
    expect(first).toMatchObject({ status: 'active', contributors: 1, labels: ['recruitment'] });
    for (const h of first.hashes) expect(h).toMatchObject({ status: 'active', contributors: 1 });
    // Alice may not relabel a share she withdrew.
    await problem(await t.request(`/v1/items/${id}/labels`, json('PUT', { labels: ['manifesto'] }, alice)), 409, 'conflict');

    const res = await t.request(`/v1/items/${id}`, { method: 'DELETE', headers: bob });
    expect(res.status).toBe(200);
    const last = await res.json();
    expect(last).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    for (const h of last.hashes) expect(h).toMatchObject({ status: 'retracted', contributors: 0 });

    const entries = (await feed()).filter((e) => hashIds.includes(e.hash.id));
    const tombstones = entries.filter((e) => e.kind === 'retract');
    expect(tombstones.map((e) => e.hash.id)).toEqual(hashIds);
    for (const e of entries) expect(e.hash.items).toEqual([{ id, variant: variants.get(e.hash.id) }]);
    // Nothing matches any more.
    const match = await (await t.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } })).json();
    for (const r of match.results) expect(r.matches).toEqual([]);
  });

  it('a single hash is still retracted by DELETE /v1/hashes/{id}; ids in capitals name the same hash and item (UUIDs ignore case)', async () => {
    const carol = await t.as('partner', 'carol');
    const other = await noiseImage('png', 64, 48, 7);
    const { body } = await shareImage(t, other, 'attack-footage', carol);
    const res = await t.request(`/v1/hashes/${body.items[0].id.toUpperCase()}`, { method: 'DELETE', headers: carol });
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(body.items[0].id);
    const upper = await t.request(`/v1/items/${body.item.id.toUpperCase()}`, { headers: carol });
    expect(upper.status).toBe(200);
    expect((await upper.json()).id).toBe(body.item.id);
    const item = await (await t.request(`/v1/items/${body.item.id}`, { headers: carol })).json();
    expect(item.hashes.map((h: { status: string }) => h.status)).toEqual(body.items.map((_: unknown, i: number) => (i === 0 ? 'retracted' : 'active')));
    expect(item.status).toBe('active');
  });
});

describe("hashes shared as JSON (computed on the member's side) name their media", () => {
  const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');

  it('the hashes naming the same media form one item, as a media share of it would', async () => {
    const frank = await t.as('partner', 'frank');
    const a = hex('media a');
    const b = hex('media b');
    const items = [
      { type: 'pdq', value: hex('pdq a'), labels: ['manifesto'], item: { sha256: a, kind: 'image' } },
      { type: 'pdq', value: hex('pdq a trimmed'), labels: ['manifesto'], item: { sha256: a, kind: 'image' }, variant: 'trim' },
      { type: 'sha256', value: a, labels: ['manifesto'], item: { sha256: a, kind: 'image' } },
      { type: 'sha256', value: b, labels: ['recruitment'], item: { sha256: b, kind: 'video' } },
      { type: 'md5', value: hex('alone').slice(0, 32), labels: ['recruitment'] },
    ];
    const res = await t.request('/v1/hashes', json('POST', { items }, frank));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.media).toEqual([
      { id: itemId(ISSUER, a), sha256: a, outcome: 'created' },
      { id: itemId(ISSUER, b), sha256: b, outcome: 'created' },
    ]);
    expect(body.items.map((r: { item?: string }) => r.item)).toEqual([itemId(ISSUER, a), itemId(ISSUER, a), itemId(ISSUER, a), itemId(ISSUER, b), undefined]);
    const item = await (await t.request(`/v1/items/${itemId(ISSUER, a)}`, { headers: frank })).json();
    expect(item).toMatchObject({ kind: 'image', labels: ['manifesto'], contributors: 1 });
    expect(item.hashes.map((h: { type: string; variant: string }) => [h.type, h.variant])).toEqual([
      ['pdq', 'whole'],
      ['pdq', 'trim'],
      ['sha256', 'whole'],
    ]);
    // Without `item`, the response is what it always was.
    const plain = await (await t.request('/v1/hashes', json('POST', { items: [items[4]] }, frank))).json();
    expect(plain).toEqual({ items: [expect.not.objectContaining({ item: expect.anything() })] });
    expect(Object.keys(plain)).toEqual(['items']);
  });

  it('refuses a variant without its item, a bad item, one media named as two kinds: 400 naming the field', async () => {
    const v = hex('bad');
    const cases: [unknown, RegExp][] = [
      [{ type: 'pdq', value: v, labels: ['manifesto'], variant: 'trim' }, /variant is of an item's media/],
      [{ type: 'pdq', value: v, labels: ['manifesto'], item: { sha256: 'abc', kind: 'image' } }, /item.sha256 must be the SHA-256/],
      [{ type: 'pdq', value: v, labels: ['manifesto'], item: { sha256: v, kind: 'audio' } }, /item.kind must be one of image, video, pdf, text/],
      [{ type: 'pdq', value: v, labels: ['manifesto'], item: { sha256: v, kind: 'image' }, variant: 'Not A Variant' }, /unknown variant \\"Not A Variant\\"/],
    ];
    for (const [it, message] of cases) {
      const body = await problem(await t.request('/v1/hashes', json('POST', { items: [it] })), 400, 'invalid_request');
      expect(JSON.stringify(body)).toMatch(message);
    }
    const twoKinds = [
      { type: 'pdq', value: v, labels: ['manifesto'], item: { sha256: v, kind: 'image' } },
      { type: 'md5', value: v.slice(0, 32), labels: ['manifesto'], item: { sha256: v, kind: 'video' } },
    ];
    const body = await problem(await t.request('/v1/hashes', json('POST', { items: twoKinds })), 400, 'invalid_request');
    expect(JSON.stringify(body)).toMatch(/named as image and as video/);
    expect(await t.rt.deps.hashes.getItem(itemId(ISSUER, v))).toBeNull();
  });
});

describe('an item keeps the kind it was first shared as', () => {
  const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
  const share = (app: TestApp, value: string, sha256: string, kind: string, headers: Record<string, string>) =>
    app.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value, labels: ['manifesto'], item: { sha256, kind } }] }, headers));
  const stored = async (values: string[]) =>
    Number(
      (
        await t.rt.database.client.execute({
          sql: `select count(*) as n from hashes where value in (${values.map(() => '?').join(', ')})`,
          args: values,
        })
      ).rows[0].n,
    );

  it('naming stored media as another kind is 409 naming the stored kind, nothing written; a media upload too', async () => {
    const media = hex('kind: first image');
    const first = await share(t, hex('kind: pdq 1'), media, 'image', await t.as('partner', 'kind-1'));
    expect(first.status).toBe(201);
    const other = await t.as('partner', 'kind-2');
    const before = await t.rt.deps.log.auditSize();
    const body = await problem(await share(t, hex('kind: pdq 2'), media, 'video', other), 409, 'conflict');
    const said = `the media ${media} is stored as image; it cannot be shared as video (an item keeps the kind it was first shared as)`;
    expect(body).toMatchObject({ detail: said, errors: [{ path: 'items/0/item/kind', message: said }] });
    expect(await t.rt.deps.log.auditSize()).toBe(before);
    expect(await stored([hex('kind: pdq 2')])).toBe(0);
    const item = await (await t.request(`/v1/items/${itemId(ISSUER, media)}`, { headers: other })).json();
    expect(item).toMatchObject({ kind: 'image', contributors: 1, hashes: [{ value: hex('kind: pdq 1') }] });

    // The bytes of an image whose SHA-256 a member shared as a video's: the upload is refused the same way.
    const image = await noiseImage('png', 64, 48, 21);
    const sha = createHash('sha256').update(image).digest('hex');
    expect((await share(t, hex('kind: pdq 3'), sha, 'video', other)).status).toBe(201);
    const upload = await shareImage(t, image, 'manifesto', other);
    expect(upload.status).toBe(409);
    expect(upload.body).toMatchObject({
      code: 'conflict',
      detail: `the media ${sha} is stored as video; it cannot be shared as image (an item keeps the kind it was first shared as)`,
      errors: [{ path: 'file' }],
    });
    expect((await (await t.request(`/v1/items/${itemId(ISSUER, sha)}`, { headers: other })).json()).hashes).toHaveLength(1);
  });

  it('sixteen members at once, through two instances, half naming the media an image and half a video: the first kind wins, its eight shares stand, the other eight are 409 and leave nothing', async () => {
    const media = hex('kind: raced');
    const id = itemId(ISSUER, media);
    const members = Array.from({ length: 16 }, (_, m) => ({ m, kind: m % 4 < 2 ? 'image' : 'video', value: hex(`kind: raced pdq ${m}`) }));
    const heads = await Promise.all(members.map(({ m }) => t.as('partner', `kind-race-${m}`)));
    const before = await t.rt.deps.log.auditSize();
    const answers = await Promise.all(
      members.map(async ({ m, kind, value }) => {
        const res = await share(m % 2 ? second : t, value, media, kind, heads[m]);
        return { status: res.status, body: await res.json() };
      }),
    );
    const item = await (await t.request(`/v1/items/${id}`, { headers: heads[0] })).json();
    const won = members.filter((x) => x.kind === item.kind);
    const lost = members.filter((x) => x.kind !== item.kind);
    expect(won).toHaveLength(8);
    expect(answers.map((a) => a.status)).toEqual(members.map((x) => (x.kind === item.kind ? 201 : 409)));
    for (const x of lost)
      expect(answers[x.m].body.detail).toBe(
        `the media ${media} is stored as ${item.kind}; it cannot be shared as ${x.kind} (an item keeps the kind it was first shared as)`,
      );
    expect(item.contributors).toBe(8);
    expect(item.hashes.map((h: { value: string }) => h.value).sort()).toEqual(won.map((x) => x.value).sort());
    expect(await stored(lost.map((x) => x.value))).toBe(0);
    // One item.share and one hash.share per winner; nothing of the others.
    const entries = (await t.rt.deps.log.auditEntries(before, await t.rt.deps.log.auditSize())).map((e) => JSON.parse(e.entry));
    expect(entries.filter((e) => e.action === 'item.share').map((e) => e.content.kind)).toEqual(won.map(() => item.kind));
    expect(
      entries
        .filter((e) => e.action === 'hash.share')
        .map((e) => e.content.value)
        .sort(),
    ).toEqual(won.map((x) => x.value).sort());
    expect(entries).toHaveLength(16);
  });
});

describe('bad input', () => {
  it('an unknown item is 404, a malformed id 400, an empty label list 400, problem+json each', async () => {
    const unknown = itemId(ISSUER, '0'.repeat(64));
    const body = await problem(await t.request(`/v1/items/${unknown}`), 404, 'not_found');
    expect(body.detail).toContain(unknown);
    await problem(await t.request(`/v1/items/${unknown}`, { method: 'DELETE' }), 404, 'not_found');
    await problem(await t.request(`/v1/items/${unknown}/labels`, json('PUT', { labels: ['manifesto'] })), 404, 'not_found');
    const bad = await problem(await t.request('/v1/items/not-an-id'), 400, 'invalid_request');
    expect(bad.detail).toMatch(/item id/);
    await problem(await t.request('/v1/items/not-an-id', { method: 'DELETE' }), 400, 'invalid_request');
    const { body: shared } = await shareImage(t, await noiseImage('png', 64, 48, 9), 'manifesto', await t.as('partner', 'dave'));
    await problem(await t.request(`/v1/items/${shared.item.id}/labels`, json('PUT', { labels: [] }, await t.as('partner', 'dave'))), 400, 'invalid_request');
    await problem(
      await t.request(`/v1/items/${shared.item.id}/labels`, json('PUT', { labels: ['no-such-label'] }, await t.as('partner', 'dave'))),
      400,
      'invalid_request',
    );
  });

  it('a member cannot retract or relabel an item it never shared', async () => {
    const { body } = await shareImage(t, await noiseImage('png', 64, 48, 11), 'manifesto', await t.as('partner', 'erin'));
    const mallory = await t.as('partner', 'mallory');
    await problem(await t.request(`/v1/items/${body.item.id}`, { method: 'DELETE', headers: mallory }), 403, 'forbidden');
    await problem(await t.request(`/v1/items/${body.item.id}/labels`, json('PUT', { labels: ['manifesto'] }, mallory)), 403, 'forbidden');
    // An admin withdraws every member's share.
    const admin = await t.as('admin', 'admin');
    const res = await t.request(`/v1/items/${body.item.id}`, { method: 'DELETE', headers: admin });
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('retracted');
  });
});

describe('sixteen members at once, through two instances on one SQLite file', () => {
  const MEMBERS = 16;
  let image: Buffer;
  let id: string;
  let heads: Record<string, string>[];
  /** How many hashes the image's item holds (its whole, regions, crops and exact hashes). */
  let links: number;

  beforeAll(async () => {
    image = await patternImage('png', 320, 240, 2);
    id = itemId(ISSUER, createHash('sha256').update(image).digest('hex'));
    heads = await Promise.all(Array.from({ length: MEMBERS }, (_, m) => t.as('partner', `crowd-${m}`)));
  });

  const itemCounts = async () => {
    const rows = await t.rt.database.client.execute({
      sql: `select (select count(*) from items where id = ?) as items, (select count(*) from item_hashes where item_id = ?) as links,
          (select count(*) from item_contributions where item_id = ? and retracted_at is null) as shares,
          (select count(*) from audit_log where action = 'item.share' and entry like '%' || ? || '%') as shareEntries,
          (select count(*) from audit_log where action = 'item.retract' and entry like '%' || ? || '%') as retractEntries`,
      args: [id, id, id, id, id],
    });
    return Object.fromEntries(rows.columns.map((c) => [c, Number(rows.rows[0][c])]));
  };

  it('sharing the same image: one item, its hashes, sixteen shares and sixteen contributions each', async () => {
    const results = await Promise.all(heads.map((h, m) => shareImage(m % 2 ? second : t, image, m % 3 ? 'attack-footage' : 'recruitment', h)));
    expect(results.map((r) => r.status)).toEqual(heads.map(() => 201));
    expect(results.filter((r) => r.body.item.outcome === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.item.id))).toEqual(new Set([id]));
    // Every share answered the same hashes (the same bytes, the same robust enrolment), each linked once.
    links = new Set(results.flatMap((r) => r.body.items.map((h: { id: string }) => h.id))).size;
    for (const r of results) expect(r.body.items).toHaveLength(links);
    expect(await itemCounts()).toEqual({ items: 1, links, shares: MEMBERS, shareEntries: MEMBERS, retractEntries: 0 });
    const item = await (await t.request(`/v1/items/${id}`)).json();
    expect(item).toMatchObject({ status: 'active', contributors: MEMBERS, labels: ['attack-footage', 'recruitment'] });
    for (const h of item.hashes) expect(h.contributors).toBe(MEMBERS);
    const dupes = await t.rt.database.client.execute('select type, value, count(*) as n from hashes group by type, value having n > 1');
    expect(dupes.rows).toEqual([]);
  });

  it('sixteen retractions at once: every hash retracted, one tombstone each, sixteen item.retract entries', async () => {
    const before = (await feed()).length;
    const statuses = await Promise.all(
      heads.map(async (h, m) => (await (m % 2 ? second : t).request(`/v1/items/${id}`, { method: 'DELETE', headers: h })).status),
    );
    expect(statuses).toEqual(heads.map(() => 200));
    expect(await itemCounts()).toEqual({ items: 1, links, shares: 0, shareEntries: MEMBERS, retractEntries: MEMBERS });
    const item = await (await t.request(`/v1/items/${id}`)).json();
    expect(item).toMatchObject({ status: 'retracted', contributors: 0 });
    const ids = item.hashes.map((h: { id: string }) => h.id);
    const entries = (await feed()).slice(before).filter((e) => ids.includes(e.hash.id));
    const tombstones = entries.filter((e) => e.kind === 'retract');
    expect(tombstones.map((e) => e.hash.id).sort()).toEqual([...ids].sort());
    // Fifteen updates per hash before its tombstone (one per member leaving but the last).
    expect(entries.filter((e) => e.kind === 'update')).toHaveLength(links * (MEMBERS - 1));
    // Neither instance matches the image any more (within a second for the other one).
    for (const app of [t, second]) {
      const deadline = Date.now() + 1000;
      for (;;) {
        const match = await (
          await app.request('/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } })
        ).json();
        if (match.results.every((r: { matches: unknown[] }) => r.matches.length === 0)) break;
        if (Date.now() > deadline) throw new Error('an instance still matches the retracted item');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
