/** The worker entry inside workerd, on D1 migrated from drizzle/: health, sharing and JSON matching. */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const worker = (exports as any).default as { fetch(input: string, init?: RequestInit): Promise<Response> };
const URL_BASE = 'https://node.example';
const P1 = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

const post = (path: string, body: unknown) =>
  worker.fetch(`${URL_BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Dev partner-edge' }, body: JSON.stringify(body) });

describe('worker entry in workerd with D1', () => {
  it('GET /health answers 200 with the database state', async () => {
    const res = await worker.fetch(`${URL_BASE}/health`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({ status: 'ok', node: { runtime: 'worker' }, checks: { database: { ok: true }, index: { ok: true } } });
  });

  it('shares a hash into D1 and matches it with a JSON /v1/match', async () => {
    const shared = await post('/v1/hashes', { items: [{ type: 'pdq', value: P1, labels: ['attack-footage'] }] });
    expect(shared.status).toBe(201);
    const near = P1.slice(0, 63) + (P1[63] === '2' ? '3' : '2');
    const res = await post('/v1/match', { hashes: [{ type: 'pdq', value: near }, { type: 'pdq', value: '0'.repeat(64) }] });
    expect(res.status).toBe(200);
    const { results }: any = await res.json();
    expect(results[0].matches).toEqual([expect.objectContaining({ value: P1, distance: 1, labels: ['attack-footage'], contributors: 1 })]);
    expect(results[1].matches).toEqual([]);
  });

  it('bad input is a 400 problem+json on the edge too', async () => {
    const res = await post('/v1/match', { hashes: [{ type: 'pdq', value: 'xyz' }] });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('says clearly that it cannot decode images here', async () => {
    const res = await worker.fetch(`${URL_BASE}/v1/hash`, { method: 'POST', headers: { 'content-type': 'image/png', authorization: 'Dev partner-edge' }, body: new Uint8Array([137, 80, 78, 71]) });
    expect(res.status).toBe(501);
    expect(((await res.json()) as any).detail).toContain('compute the hashes on your side');
  });
});
