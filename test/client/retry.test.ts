/** The client's retry policy and batching, with a scripted fetch and a fake clock. */
import { describe, expect, it } from 'vitest';
import { batches } from '../../src/client/batch';
import { NodeClient, NodeUnreachableError, parseRetryAfter } from '../../src/client';
import { retryDelayMs, retryingFetch } from '../../src/client/retry';

function scripted(statuses: (number | Error)[], headers: Record<string, string> = {}) {
  const seen: { url: string; body: string; auth: string | null }[] = [];
  const fetch = async (req: Request) => {
    seen.push({ url: req.url, body: await req.text(), auth: req.headers.get('authorization') });
    const s = statuses.shift() ?? 200;
    if (s instanceof Error) throw s;
    return new Response(JSON.stringify({ n: seen.length }), { status: s, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { seen, fetch };
}

const env = (waits: number[], random = () => 0.5) => ({ sleep: async (ms: number) => void waits.push(ms), random, now: () => Date.UTC(2026, 0, 1) });

describe('Retry-After and backoff', () => {
  it('parses seconds and HTTP dates; ignores junk', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('exponential with full jitter, capped; Retry-After plus at most 10 %', () => {
    const o = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, undefined, o, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelayMs(3, undefined, o, () => 0)).toBe(0);
    expect(retryDelayMs(1, 0.5, o, () => 0)).toBe(500);
    expect(retryDelayMs(1, 0.5, o, () => 1)).toBe(550);
    expect(retryDelayMs(1, 60, o, () => 0)).toBe(1000);
  });

  it('408, 429 and 503 are sent again with the same body, then the answer is returned; other statuses at once', async () => {
    const waits: number[] = [];
    const s = scripted([429, 503, 408, 201], { 'retry-after': '2' });
    const f = retryingFetch(s.fetch, {}, env(waits));
    const res = await f(new Request('http://n.test/v1/hashes', { method: 'POST', body: '{"items":[1]}' }));
    expect(res.status).toBe(201);
    expect(s.seen.map((x) => x.body)).toEqual(['{"items":[1]}', '{"items":[1]}', '{"items":[1]}', '{"items":[1]}']);
    expect(waits).toEqual([2100, 2100, 2100]);
    const t = scripted([400, 200]);
    expect((await retryingFetch(t.fetch, {}, env([]))(new Request('http://n.test/x'))).status).toBe(400);
  });

  it('gives up after `retries` and returns the last refusal', async () => {
    const waits: number[] = [];
    const s = scripted([503, 503, 503, 503]);
    const res = await retryingFetch(
      s.fetch,
      { retries: 2, baseDelayMs: 100 },
      env(waits, () => 1),
    )(new Request('http://n.test/x'));
    expect(res.status).toBe(503);
    expect(s.seen).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('no answer at all: NodeUnreachableError with the URL and the cause', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    const e = await retryingFetch(scripted([refused]).fetch, {}, env([]))(new Request('http://127.0.0.1:9/v1/x')).catch((x) => x);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect(e.message).toBe(
      'cannot reach the node at http://127.0.0.1:9: connection refused (is the node running, and on this port?) [connect ECONNREFUSED 127.0.0.1:9]',
    );
  });
});

describe('a token the node stops taking', () => {
  it('a 401 on a kept token buys a new one and sends once more', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    let tokens = 0;
    const seenAuth: (string | null)[] = [];
    const fetch = async (req: Request) => {
      const path = new URL(req.url).pathname;
      if (path === '/.well-known/oauth-authorization-server') return Response.json({ issuer: 'http://n.test', token_endpoint: 'http://n.test/v1/oauth/token' });
      if (path === '/v1/oauth/token') return Response.json({ access_token: `t${++tokens}`, expires_in: 600 });
      seenAuth.push(req.headers.get('authorization'));
      return seenAuth.length === 2 ? new Response('{}', { status: 401 }) : Response.json({ labels: [] });
    };
    const c = new NodeClient({ node: 'http://n.test', clientId: 'c', key: { ...(await exportJWK(privateKey)), alg: 'EdDSA' }, fetch });
    await c.labels();
    await c.labels();
    expect(seenAuth).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
  });
});

describe('errors from a custom fetch', () => {
  async function client(answer: (req: Request) => Response) {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    let calls = 0;
    const fetch = async (req: Request) => {
      const path = new URL(req.url).pathname;
      if (path === '/.well-known/oauth-authorization-server') return Response.json({ issuer: 'http://n.test', token_endpoint: 'http://n.test/v1/oauth/token' });
      if (path === '/v1/oauth/token') return Response.json({ access_token: 't', expires_in: 600 });
      calls++;
      return answer(req);
    };
    return {
      c: new NodeClient({ node: 'http://n.test', clientId: 'c', key: { ...(await exportJWK(privateKey)), alg: 'EdDSA' }, fetch, sleep: async () => undefined }),
      calls: () => calls,
    };
  }

  it('a problem answered by a fetch whose Response has no url still names the request', async () => {
    const { c } = await client(
      () =>
        new Response(JSON.stringify({ status: 403, code: 'insufficient_scope', detail: 'this operation needs the scope "match"' }), {
          status: 403,
          headers: { 'content-type': 'application/problem+json' },
        }),
    );
    const e = await c.match([{ type: 'md5', value: '0'.repeat(32) }]).catch((x) => x);
    expect(e.message).toBe('POST /v1/match: 403 insufficient_scope: this operation needs the scope "match"');
    expect(e).toMatchObject({ status: 403, code: 'insufficient_scope', problem: { detail: 'this operation needs the scope "match"' } });
  });

  it('health: a 503 is an answer (not ready), given at once', async () => {
    const { c, calls } = await client(() => Response.json({ status: 'starting' }, { status: 503, headers: { 'retry-after': '1' } }));
    expect(await c.health()).toEqual({ ready: false, body: { status: 'starting' } });
    expect(calls()).toBe(1);
  });
});

describe('batches', () => {
  const limits = { maxItems: 3, maxBytes: 60, maxFrames: 4 };
  const env = (items: unknown[]) => ({ items });
  /** An item as batches() sees one: anything, with frames or without. */
  type Item = { v?: number | string; frames?: number[] };
  it('splits by count, by bytes and by frames, keeping the order', () => {
    const small: Item[] = Array.from({ length: 7 }, (_, i) => ({ v: i }));
    expect(batches(small, limits, env, 'item').map((b) => b.map((x) => x.v))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    // '{"items":[]}' is 12 bytes; each '{"v":"xxxxxxxxxxxxxxxxxxxx"}' 28, plus a comma.
    const wide: Item[] = Array.from({ length: 3 }, () => ({ v: 'x'.repeat(20) }));
    expect(batches(wide, limits, env, 'item').map((b) => b.length)).toEqual([1, 1, 1]);
    const frames = [{ frames: [1, 2, 3] }, { frames: [4] }, { frames: [5, 6] }];
    expect(batches(frames, { ...limits, maxBytes: 1000 }, env, 'item').map((b) => b.length)).toEqual([2, 1]);
  });
  it('an item over a limit alone is refused', () => {
    expect(() => batches<Item>([{ v: 'x'.repeat(100) }], limits, env, 'item')).toThrow(/item 0 alone is 120 bytes of JSON, more than the 60/);
    expect(() => batches([{ frames: [1, 2, 3, 4, 5] }], { ...limits, maxBytes: 1000 }, env, 'item')).toThrow(/item 0 has 5 frames, more than the 4/);
  });
});
