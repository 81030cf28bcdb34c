/** Sharing, matching, retracting, feedback and the delta feed, through the real app and database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
let A: Record<string, string>;
let B: Record<string, string>;
let C: Record<string, string>;
let ADMIN: Record<string, string>;
beforeAll(async () => {
  t = await makeTestApp();
  A = await t.as('partner', 'partner-a');
  B = await t.as('partner', 'partner-b');
  C = await t.as('partner', 'partner-c');
  ADMIN = await t.as('admin', 'admin-1');
});
afterAll(() => t.close());

/** A 256-bit hex value with `flips` bits flipped from `base`. */
function flip(base: string, bits: number[]): string {
  const b = Buffer.from(base, 'hex');
  for (const i of bits) b[i >> 3] ^= 0x80 >> (i & 7);
  return b.toString('hex');
}
const P1 = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const P2 = '0'.repeat(64);

async function share(items: unknown[], headers: Record<string, string> = A) {
  const res = await t.request('/v1/hashes', json('POST', { items }, headers));
  return { status: res.status, body: await res.json() };
}
async function match(hashes: unknown[], extra: Record<string, unknown> = {}, headers: Record<string, string> = A) {
  const res = await t.request('/v1/match', json('POST', { hashes, ...extra }, headers));
  expect(res.status).toBe(200);
  return (await res.json()).results as {
    query: unknown;
    matches: { id: string; distance: number; labels: string[]; contributors: number; feedback: { confirm: number; dispute: number } }[];
  }[];
}
async function feed(cursor?: string, limit?: number) {
  const q = new URLSearchParams();
  if (cursor) q.set('cursor', cursor);
  if (limit) q.set('limit', String(limit));
  const res = await t.request(`/v1/hashes?${q}`, { headers: A });
  expect(res.status).toBe(200);
  return res.json();
}
/** The cursor at the current end of the feed. */
async function feedEnd(): Promise<string> {
  let page = await feed(undefined, 1000);
  while (page.hasMore) page = await feed(page.nextCursor, 1000);
  return page.nextCursor;
}

describe('sharing and matching', () => {
  let id: string;

  it('shares a hash: 201 with its id; the same share again is idempotent', async () => {
    const first = await share([{ type: 'pdq', value: P1, labels: ['attack-footage'] }]);
    expect(first.status).toBe(201);
    expect(first.body.items[0]).toMatchObject({ type: 'pdq', value: P1, created: true, outcome: 'created' });
    id = first.body.items[0].id;
    const again = await share([{ type: 'pdq', value: P1.toUpperCase(), labels: ['attack-footage'] }]);
    expect(again.body.items[0]).toMatchObject({ id, created: false, outcome: 'unchanged' });
    const f = await feed();
    expect(f.entries.filter((e: { hash: { id: string } }) => e.hash.id === id)).toHaveLength(1);
  });

  it('matches within the default PDQ threshold (31) and not beyond it', async () => {
    const near = flip(
      P1,
      Array.from({ length: 31 }, (_, i) => i * 8),
    );
    const far = flip(
      P1,
      Array.from({ length: 32 }, (_, i) => i * 8),
    );
    const [r1, r2, r3] = await match([
      { type: 'pdq', value: P1 },
      { type: 'pdq', value: near },
      { type: 'pdq', value: far },
    ]);
    expect(r1.matches).toEqual([
      { id, type: 'pdq', value: P1, distance: 0, labels: ['attack-footage'], contributors: 1, feedback: { confirm: 0, dispute: 0 } },
    ]);
    expect(r2.matches.map((m) => m.distance)).toEqual([31]);
    expect(r3.matches).toEqual([]);
  });

  it('a request may override the threshold per type', async () => {
    const d10 = flip(P1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await match([{ type: 'pdq', value: d10 }], { maxDistance: { pdq: 9 } }))[0].matches).toEqual([]);
    expect((await match([{ type: 'pdq', value: d10 }], { maxDistance: { pdq: 10 } }))[0].matches).toHaveLength(1);
  });

  it('a second member joining adds a contributor; labels are the union', async () => {
    const r = await share([{ type: 'pdq', value: P1, labels: ['glorification'] }], B);
    expect(r.body.items[0]).toMatchObject({ id, created: false, outcome: 'added' });
    const [m] = await match([{ type: 'pdq', value: P1 }]);
    expect(m.matches[0]).toMatchObject({ contributors: 2, labels: ['attack-footage', 'glorification'] });
  });

  it('changing your labels is a label change in the feed', async () => {
    const before = await feedEnd();
    const r = await share([{ type: 'pdq', value: P1, labels: ['attack-footage', 'recruitment'] }]);
    expect(r.body.items[0].outcome).toBe('updated');
    const after = await feed(before);
    expect(after.entries).toEqual([
      {
        kind: 'update',
        at: expect.any(String),
        hash: expect.objectContaining({ id, labels: ['attack-footage', 'glorification', 'recruitment'], contributors: 2 }),
      },
    ]);
  });

  it('exact hashes match by equality only', async () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    await share([{ type: 'md5', value: md5, labels: ['manifesto'] }]);
    const [hit, miss] = await match([
      { type: 'md5', value: md5 },
      { type: 'md5', value: md5.slice(0, 31) + 'f' },
    ]);
    expect(hit.matches).toHaveLength(1);
    expect(miss.matches).toEqual([]);
  });

  it('a batch of 1000 shares in one request, all in order', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ type: 'sha256', value: i.toString(16).padStart(64, '0'), labels: ['branded-publication'] }));
    const r = await share(items);
    expect(r.status).toBe(201);
    expect(r.body.items).toHaveLength(1000);
    expect(r.body.items.map((x: { value: string }) => x.value)).toEqual(items.map((x) => x.value));
    const results = await match(items.slice(0, 1000).map(({ type, value }) => ({ type, value })));
    expect(results.every((res) => res.matches.length === 1)).toBe(true);
  });
});

describe('feedback', () => {
  it('one standing verdict per member; a new one replaces it', async () => {
    const { body } = await share([{ type: 'blockhash', value: P2, labels: ['recruitment'] }]);
    const id = body.items[0].id;
    const give = (verdict: string, h: Record<string, string> = A) =>
      t.request(`/v1/hashes/${id}/feedback`, json('POST', { verdict, reason: 'checked by a reviewer' }, h));
    expect((await (await give('confirm')).json()).feedback).toEqual({ confirm: 1, dispute: 0 });
    expect((await (await give('confirm')).json()).feedback).toEqual({ confirm: 1, dispute: 0 });
    expect((await (await give('dispute', B)).json()).feedback).toEqual({ confirm: 1, dispute: 1 });
    expect((await (await give('dispute')).json()).feedback).toEqual({ confirm: 0, dispute: 2 });
    const [m] = await match([{ type: 'blockhash', value: P2 }]);
    expect(m.matches[0].feedback).toEqual({ confirm: 0, dispute: 2 });
  });

  it('feedback on an unknown hash -> 404; a bad verdict -> 400', async () => {
    expect((await t.request('/v1/hashes/nope/feedback', json('POST', { verdict: 'confirm' }))).status).toBe(404);
    const { body } = await share([{ type: 'md5', value: 'a'.repeat(32), labels: ['recruitment'] }]);
    const res = await t.request(`/v1/hashes/${body.items[0].id}/feedback`, json('POST', { verdict: 'maybe' }));
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].path).toBe('verdict');
  });
});

describe('retraction', () => {
  it('a member retracts only its own contribution; the hash keeps matching while others stand', async () => {
    const value = flip(
      P1,
      [
        100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129,
        130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
      ],
    );
    const { body } = await share([{ type: 'pdq', value, labels: ['instruction'] }]);
    const id = body.items[0].id;
    await share([{ type: 'pdq', value, labels: ['manifesto'] }], B);
    expect((await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: C })).status).toBe(403);

    const r1 = await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: A });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ id, status: 'active', contributors: 1 });
    const [m] = await match([{ type: 'pdq', value }], { maxDistance: { pdq: 0 } });
    expect(m.matches[0]).toMatchObject({ id, contributors: 1, labels: ['manifesto'] });
  });

  it('retracted hashes never match, and the feed carries a tombstone, not a hole', async () => {
    const value = 'b'.repeat(64);
    const { body } = await share([{ type: 'sha256', value, labels: ['attack-footage'] }]);
    const id = body.items[0].id;
    const before = await feedEnd();
    expect((await match([{ type: 'sha256', value }]))[0].matches).toHaveLength(1);
    const res = await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: A });
    expect(await res.json()).toEqual({ id, status: 'retracted', contributors: 0 });
    expect((await match([{ type: 'sha256', value }]))[0].matches).toEqual([]);
    const after = await feed(before);
    expect(after.entries).toEqual([
      { kind: 'retract', at: expect.any(String), hash: { id, type: 'sha256', value, status: 'retracted', labels: [], contributors: 0 } },
    ]);
    // Retracting again changes nothing; the record is still there.
    expect((await (await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: A })).json()).status).toBe('retracted');
  });

  it('an admin retracts every contribution', async () => {
    const value = 'c'.repeat(64);
    const { body } = await share([{ type: 'sha256', value, labels: ['attack-footage'] }]);
    await share([{ type: 'sha256', value, labels: ['attack-footage'] }], B);
    const res = await t.request(`/v1/hashes/${body.items[0].id}`, { method: 'DELETE', headers: ADMIN });
    expect(await res.json()).toMatchObject({ status: 'retracted', contributors: 0 });
  });

  it('sharing a retracted hash again brings it back', async () => {
    const value = 'd'.repeat(64);
    const { body } = await share([{ type: 'sha256', value, labels: ['attack-footage'] }]);
    await t.request(`/v1/hashes/${body.items[0].id}`, { method: 'DELETE', headers: A });
    const again = await share([{ type: 'sha256', value, labels: ['attack-footage'] }]);
    expect(again.body.items[0]).toMatchObject({ id: body.items[0].id, outcome: 'added' });
    expect((await match([{ type: 'sha256', value }]))[0].matches).toHaveLength(1);
  });

  it('retracting an unknown id -> 404', async () => {
    expect((await t.request('/v1/hashes/unknown-id', { method: 'DELETE', headers: A })).status).toBe(404);
  });
});

describe('the delta feed', () => {
  it('pages through every change in order with an opaque cursor, and survives a restart of the app', async () => {
    const all: { kind: string; hash: { id: string } }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await feed(cursor, 100);
      all.push(...page.entries);
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    expect(all.length).toBeGreaterThan(1000);
    const tail = await feed(cursor);
    expect(tail).toEqual({ entries: [], nextCursor: cursor, hasMore: false });
    // A new change after the end shows up from the same cursor.
    await share([{ type: 'md5', value: 'e'.repeat(32), labels: ['manifesto'] }]);
    const next = await feed(cursor);
    expect(next.entries).toHaveLength(1);
    expect(next.entries[0]).toMatchObject({ kind: 'add', hash: { type: 'md5', value: 'e'.repeat(32) } });
  });

  it('GET /v1/labels lists the vocabulary', async () => {
    const res = await t.request('/v1/labels', { headers: A });
    const { labels } = await res.json();
    expect(labels.map((l: { id: string }) => l.id)).toEqual(
      expect.arrayContaining([
        'graphic-violence-defenceless',
        'glorification',
        'recruitment',
        'instruction',
        'imminent-credible-threat',
        'attack-footage',
        'manifesto',
        'branded-publication',
      ]),
    );
    for (const l of labels) expect(l.description.length).toBeGreaterThan(20);
  });
});
