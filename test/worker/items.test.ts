/**
 * Items on the edge (workerd, D1): hashes shared naming their media form one item; the worker reads
 * it, its matches (from the SQL buckets) name it, and relabelling and retracting it act on all its
 * hashes in one D1 batch.
 */
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
