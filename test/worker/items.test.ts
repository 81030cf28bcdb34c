/**
 * Items on the edge (workerd, D1): hashes shared naming their media form one item; the worker reads
 * it, its matches (from the SQL buckets) name it, and relabelling and retracting it act on all its
 * hashes in one D1 batch.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { admit, BASE, worker } from './partner';

const P1 = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const SHA = 'ab'.repeat(32);
const ID = itemId(BASE, SHA);
let a: Record<string, string>;
let b: Record<string, string>;

beforeAll(async () => {
  a = { authorization: `Bearer ${await admit('partner', 'edge items a')}` };
  b = { authorization: `Bearer ${await admit('partner', 'edge items b')}` };
});

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  worker.fetch(`${BASE}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const share = (headers: Record<string, string>, labels: string[]) =>
  call('POST', '/v1/hashes', headers, {
    items: [
      { type: 'pdq', value: P1, labels, item: { sha256: SHA, kind: 'image' } },
      { type: 'sha256', value: SHA, labels, item: { sha256: SHA, kind: 'image' } },
    ],
  });

describe('items on D1', () => {
  it('two members share the same media: one item with its two hashes; a match names it', async () => {
    const first = await share(a, ['attack-footage']);
    expect(first.status).toBe(201);
    expect(((await first.json()) as any).media).toEqual([{ id: ID, sha256: SHA, outcome: 'created' }]);
    expect(((await (await share(b, ['manifesto'])).json()) as any).media).toEqual([{ id: ID, sha256: SHA, outcome: 'added' }]);
    const item: any = await (await call('GET', `/v1/items/${ID}`, a)).json();
    expect(item).toMatchObject({ id: ID, sha256: SHA, kind: 'image', status: 'active', labels: ['attack-footage', 'manifesto'], contributors: 2 });
    expect(item.hashes.map((h: any) => [h.type, h.variant, h.contributors])).toEqual([
      ['pdq', 'whole', 2],
      ['sha256', 'whole', 2],
    ]);
    const near = P1.slice(0, 63) + (P1[63] === '2' ? '3' : '2');
    const { results }: any = await (await call('POST', '/v1/match', a, { hashes: [{ type: 'pdq', value: near }] })).json();
    expect(results[0].matches).toEqual([expect.objectContaining({ value: P1, distance: 1, item: { id: ID, variant: 'whole' } })]);
  });

  it('relabel and retract act on every hash of the item', async () => {
    const relabelled: any = await (await call('PUT', `/v1/items/${ID}/labels`, a, { labels: ['recruitment'] })).json();
    expect(relabelled.labels).toEqual(['manifesto', 'recruitment']);
    expect((await call('DELETE', `/v1/items/${ID}`, a)).status).toBe(200);
    const last: any = await (await call('DELETE', `/v1/items/${ID}`, b)).json();
    expect(last).toMatchObject({ status: 'retracted', contributors: 0 });
    for (const h of last.hashes) expect(h.status).toBe('retracted');
    const { results }: any = await (await call('POST', '/v1/match', a, { hashes: [{ type: 'pdq', value: P1 }] })).json();
    expect(results[0].matches).toEqual([]);
    expect((await call('GET', '/v1/items/not-an-id', a)).status).toBe(400);
    expect((await call('GET', `/v1/items/${itemId(BASE, 'cd'.repeat(32))}`, a)).status).toBe(404);
  });
});

/** An image's hashes naming it: its own pdq and the blockhash `blockhash` (shared with another image). */
const imageHashes = (blockhash: string) => (sha: string, pdq: string, labels: string[]) => [
  { type: 'pdq', value: pdq, labels, item: { sha256: sha, kind: 'image' } },
  { type: 'blockhash', value: blockhash, labels, item: { sha256: sha, kind: 'image' } },
];

/** The matches of the blockhash `value` exactly. */
const matchBlockhash = async (value: string, headers: Record<string, string>) =>
  ((await (await call('POST', '/v1/match', headers, { hashes: [{ type: 'blockhash', value }], maxDistance: { blockhash: 0 } })).json()) as any).results[0]
    .matches;

describe('items that share a hash, on D1', () => {
  const hex = (n: number) => n.toString(16).padStart(64, '0');
  const X = hex(0xb10c);
  const media = imageHashes(X);
  const matchX = (headers: Record<string, string>) => matchBlockhash(X, headers);
  const [SHA_A, SHA_B] = ['a1'.repeat(32), 'b2'.repeat(32)];
  const [A, B] = [itemId(BASE, SHA_A), itemId(BASE, SHA_B)];
  // Far apart from each other and from P1 (no match within the default distance).
  const [PDQ_A, PDQ_B] = ['0f'.repeat(32), 'f0'.repeat(32)];

  it("a member's retraction of item A leaves X standing through B, naming B alone; relabelling B leaves A's hashes alone", async () => {
    expect((await call('POST', '/v1/hashes', a, { items: media(SHA_A, PDQ_A, ['manifesto']) })).status).toBe(201);
    expect((await call('POST', '/v1/hashes', a, { items: media(SHA_B, PDQ_B, ['recruitment']) })).status).toBe(201);
    expect((await matchX(a))[0]).toMatchObject({ labels: ['manifesto', 'recruitment'], items: [{ id: A }, { id: B }] });
    const relabelled: any = await (await call('PUT', `/v1/items/${B}/labels`, a, { labels: ['glorification'] })).json();
    expect(relabelled.hashes.map((h: any) => h.labels)).toEqual([['glorification'], ['glorification', 'manifesto']]);
    const gone: any = await (await call('DELETE', `/v1/items/${A}`, a)).json();
    expect(gone).toMatchObject({ status: 'retracted', contributors: 0, kept: [gone.hashes[1].id] });
    const hits = await matchX(a);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification'], item: { id: B, variant: 'whole' } });
  });

  it("an admin's retraction of B takes X down, with another member's share of it alone", async () => {
    expect((await call('POST', '/v1/hashes', b, { items: [{ type: 'blockhash', value: X, labels: ['attack-footage'] }] })).status).toBe(201);
    const admin = { authorization: `Bearer ${await admit('admin', 'edge items admin')}` };
    const res: any = await (await call('DELETE', `/v1/items/${B}`, admin)).json();
    expect(res).toMatchObject({ status: 'retracted', contributors: 0 });
    for (const h of res.hashes) expect(h).toMatchObject({ status: 'retracted', contributors: 0 });
    expect(await matchX(b)).toEqual([]);
  });

  it('an item whose hashes are retracted one by one is retracted; shared again, it stands', async () => {
    const body: any = await (await call('POST', '/v1/hashes', a, { items: media(SHA_A, PDQ_A, ['manifesto']) })).json();
    expect(((await (await call('GET', `/v1/items/${A}`, a)).json()) as any).status).toBe('active');
    for (const h of body.items) expect((await call('DELETE', `/v1/hashes/${h.id}`, a)).status).toBe(200);
    expect(((await (await call('GET', `/v1/items/${A}`, a)).json()) as any).status).toBe('retracted');
    expect((await call('POST', '/v1/hashes', a, { items: media(SHA_A, PDQ_A, ['manifesto']) })).status).toBe(201);
    expect(((await (await call('GET', `/v1/items/${A}`, a)).json()) as any).status).toBe('active');
  });
});

describe('an item retracted hash by hash, on D1', () => {
  const Y = (0xb10d).toString(16).padStart(64, '0');
  const [SHA_C, SHA_D] = ['c3'.repeat(32), 'd4'.repeat(32)];
  const D = itemId(BASE, SHA_D);
  const media = imageHashes(Y);
  const matchY = (headers: Record<string, string>) => matchBlockhash(Y, headers);

  it("is no source of labels, and an admin's retraction of another item holding its hash takes the hash down", async () => {
    const c = { authorization: `Bearer ${await admit('partner', 'edge items c')}` };
    const body: any = await (await call('POST', '/v1/hashes', c, { items: media(SHA_C, '3c'.repeat(32), ['recruitment']) })).json();
    for (const h of body.items) expect((await call('DELETE', `/v1/hashes/${h.id}`, c)).status).toBe(200);
    expect((await call('POST', '/v1/hashes', c, { items: media(SHA_D, 'c3'.repeat(32), ['manifesto']) })).status).toBe(201);
    expect((await matchY(c))[0]).toMatchObject({ labels: ['manifesto'], item: { id: D, variant: 'whole' } });
    const admin = { authorization: `Bearer ${await admit('admin', 'edge items admin 2')}` };
    const gone: any = await (await call('DELETE', `/v1/items/${D}`, admin)).json();
    expect(await matchY(c)).toEqual([]);
    // The entry names each contribution withdrawn with its contributor (JSON objects, built in D1's SQL).
    const row = await (env as any).DB.prepare("select entry from audit_log where action = 'item.retract' order by seq desc limit 1").first();
    const ids = gone.hashes.map((h: any) => h.id).sort();
    expect(JSON.parse(row.entry).content.contributionsRetracted).toEqual(ids.map((hash: string) => ({ contributor: expect.any(String), hash })));
  });
});

describe("a member's share withdrawn hash by hash while another member keeps a hash, on D1", () => {
  const Z = (0xb10e).toString(16).padStart(64, '0');
  const SHA_E = 'e5'.repeat(32);
  const E = itemId(BASE, SHA_E);
  const media = imageHashes(Z);

  it('the item is retracted, with no contributors; its withdrawn label does not come back, and relabelling it is refused', async () => {
    const m = { authorization: `Bearer ${await admit('partner', 'edge items m')}` };
    const n = { authorization: `Bearer ${await admit('partner', 'edge items n')}` };
    const body: any = await (await call('POST', '/v1/hashes', m, { items: media(SHA_E, '5e'.repeat(32), ['recruitment']) })).json();
    expect((await call('POST', '/v1/hashes', n, { items: [{ type: 'blockhash', value: Z, labels: ['manifesto'] }] })).status).toBe(201);
    for (const h of body.items) expect((await call('DELETE', `/v1/hashes/${h.id}`, m)).status).toBe(200);
    expect(await (await call('GET', `/v1/items/${E}`, m)).json()).toMatchObject({ status: 'retracted', contributors: 0, labels: [] });
    expect((await call('POST', '/v1/hashes', m, { items: [{ type: 'blockhash', value: Z, labels: ['glorification'] }] })).status).toBe(201);
    const hits = await matchBlockhash(Z, m);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 2 });
    expect(hits[0].item).toBeUndefined();
    expect((await call('PUT', `/v1/items/${E}/labels`, m, { labels: ['attack-footage'] })).status).toBe(409);
    // The feed's last row for Z names E no more.
    const row = await (env as any).DB.prepare('select snapshot from changes where subject = (select id from hashes where value = ?) order by seq desc limit 1')
      .bind(Z)
      .first();
    expect(JSON.parse(row.snapshot)).toMatchObject({ labels: ['glorification', 'manifesto'], contributors: 2 });
    expect(JSON.parse(row.snapshot).items).toBeUndefined();
  });
});

describe('a share naming an item with other labels, on D1', () => {
  const SHA_F = 'f6'.repeat(32);
  const F = itemId(BASE, SHA_F);
  const [PDQ_F, BH_F] = ['6f'.repeat(32), (0xb10f).toString(16).padStart(64, '0')];
  const hashesOf = (labels: string[]) => [
    { type: 'pdq', value: PDQ_F, labels, item: { sha256: SHA_F, kind: 'image' } },
    { type: 'blockhash', value: BH_F, labels, item: { sha256: SHA_F, kind: 'image' }, variant: 'trim' },
    { type: 'sha256', value: SHA_F, labels, item: { sha256: SHA_F, kind: 'image' } },
  ];

  it("relabels the member's share: every hash of the item it holds takes the labels, in one D1 batch, the entry naming them", async () => {
    const f = { authorization: `Bearer ${await admit('partner', 'edge items f')}` };
    expect((await call('POST', '/v1/hashes', f, { items: hashesOf(['attack-footage', 'recruitment']) })).status).toBe(201);
    const res = await call('POST', '/v1/hashes', f, { items: [hashesOf(['manifesto'])[0]] });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body.media).toEqual([{ id: F, sha256: SHA_F, outcome: 'updated' }]);
    expect(body.items[0]).toMatchObject({ outcome: 'updated', item: F, variant: 'whole' });
    const item: any = await (await call('GET', `/v1/items/${F}`, f)).json();
    expect(item.labels).toEqual(['manifesto']);
    expect(item.hashes.map((h: any) => [h.type, h.variant, h.labels])).toEqual([
      ['pdq', 'whole', ['manifesto']],
      ['blockhash', 'trim', ['manifesto']],
      ['sha256', 'whole', ['manifesto']],
    ]);
    const row = await (env as any).DB.prepare("select entry from audit_log where action = 'item.relabel' order by seq desc limit 1").first();
    expect(JSON.parse(row.entry).content.hashesRelabelled).toEqual([item.hashes[1].id, item.hashes[2].id].sort());
    // Each hash's last feed row shows the new labels.
    for (const h of item.hashes) {
      const change = await (env as any).DB.prepare('select snapshot from changes where subject = ? order by seq desc limit 1').bind(h.id).first();
      expect(JSON.parse(change.snapshot).labels, h.type).toEqual(['manifesto']);
    }
  });

  it('a variant the node does not store is refused, one it stores is kept as the item holds it', async () => {
    const f = { authorization: `Bearer ${await admit('partner', 'edge items f2')}` };
    const bad = await call('POST', '/v1/hashes', f, { items: [{ ...hashesOf(['manifesto'])[0], variant: 'sideways' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/unknown variant \\"sideways\\"/);
    const kept: any = await (await call('POST', '/v1/hashes', f, { items: [{ ...hashesOf(['manifesto'])[1], variant: 'crop-c10' }] })).json();
    expect(kept.items[0]).toMatchObject({ item: F, variant: 'trim' });
  });
});
