/**
 * NodeClient against the real app served on a loopback port: real keys, real tokens (audience from
 * the node's RFC 8414 metadata), a token kept and bought again before it expires, large shares and
 * matches split by count, bytes and frames, a real 429 waited out, the admin and feed calls, and a
 * node that is down named with its URL and the cause. Imported by the package name, as a member's
 * code would.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generateClientKey, NodeApiError, NodeClient, NodeClientUsageError, NodeUnreachableError, type ShareItem } from 'media-hash-node/client';
import { freePort } from '../support/node-process';
import { serveTestApp, type ServedApp } from '../support/served-app';

let node: ServedApp;
let partner: { id: string; jwk: Record<string, unknown> };
let admin: { id: string; jwk: Record<string, unknown> };

/** globalThis.fetch, recording what was asked and answered. */
function recorder() {
  const calls: { method: string; path: string; status: number; bytes: number; auth: string | null; body?: string }[] = [];
  const fetch = async (req: Request) => {
    const body = req.method === 'GET' ? undefined : await req.clone().text();
    const res = await globalThis.fetch(req);
    calls.push({
      method: req.method,
      path: new URL(req.url).pathname,
      status: res.status,
      bytes: body?.length ?? 0,
      auth: req.headers.get('authorization'),
      body,
    });
    return res;
  };
  return { calls, fetch };
}

/** n hex digits, a different value for each seed. */
const hex = (n: number, seed: number) => createHash('sha256').update(String(seed)).digest('hex').slice(0, n);

beforeAll(async () => {
  node = await serveTestApp();
  partner = await node.member('partner', 'client partner');
  admin = await node.member('admin', 'client admin');
});
afterAll(() => node?.close());

describe('signing in', () => {
  it('buys a token with an assertion for the issuer the node publishes, keeps it, and buys the next before expiry', async () => {
    const r = recorder();
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk, fetch: r.fetch, refreshMarginS: 599 });
    expect(await client.serverMetadata()).toMatchObject({ issuer: node.base, token_endpoint: `${node.base}/v1/oauth/token` });
    const first = await client.token();
    expect(await client.token()).toBe(first);
    const tokenCalls = () => r.calls.filter((c) => c.path === '/v1/oauth/token');
    expect(tokenCalls()).toHaveLength(1);
    const assertion = new URLSearchParams(tokenCalls()[0].body).get('client_assertion')!;
    expect(decodeJwt(assertion)).toMatchObject({ iss: partner.id, sub: partner.id, aud: node.base, jti: expect.any(String) });
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'EdDSA', kid: partner.jwk.kid });
    expect(decodeJwt(first)).toMatchObject({ sub: partner.id, scope: expect.stringContaining('hashes:write') });

    // 600 s tokens, refreshed 599 s early: after a second the next call buys a new one, with a new jti.
    await new Promise((res) => setTimeout(res, 1100));
    await client.labels();
    const second = r.calls.filter((c) => c.path === '/v1/labels')[0].auth;
    expect(second).not.toBe(`Bearer ${first}`);
    expect(tokenCalls()).toHaveLength(2);
    const jtis = tokenCalls().map((c) => decodeJwt(new URLSearchParams(c.body).get('client_assertion')!).jti);
    expect(new Set(jtis).size).toBe(2);
    // Concurrent callers share one token request.
    const fresh = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk, fetch: r.fetch });
    const before = tokenCalls().length;
    await Promise.all([fresh.labels(), fresh.labels(), fresh.labels()]);
    expect(tokenCalls().length - before).toBe(1);
  });

  it('a refused sign-in throws the OAuth error; a call without credentials says what is missing', async () => {
    const client = new NodeClient({ node: node.base, clientId: 'nobody', key: partner.jwk });
    const e = await client.token().catch((x) => x);
    expect(e).toBeInstanceOf(NodeApiError);
    expect(e).toMatchObject({ status: 401, code: 'invalid_client' });
    await expect(new NodeClient({ node: node.base }).labels()).rejects.toThrow(NodeClientUsageError);
    // The public calls need no credentials.
    expect((await new NodeClient({ node: node.base }).serverMetadata())?.issuer).toBe(node.base);
    expect((await new NodeClient({ node: node.base }).health()).ready).toBe(true);
    await expect(new NodeClient({ node: node.base, clientId: partner.id, key: { ...partner.jwk, d: undefined } }).token()).rejects.toThrow(/not a private key/);
  });

  it('a node that is down: the error names the URL and the cause, not only "fetch failed"', async () => {
    const port = await freePort();
    const client = new NodeClient({ node: `http://127.0.0.1:${port}`, clientId: partner.id, key: partner.jwk });
    const e = await client.labels().catch((x) => x);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect(e.message).toMatch(new RegExp(`^cannot reach the node at http://127\\.0\\.0\\.1:${port}: connection refused`));
    expect(e.reason).toBe('ECONNREFUSED');
    expect((await new NodeClient({ node: 'http://no-such-host.invalid' }).health().catch((x) => x)).message).toMatch(
      /cannot reach the node at http:\/\/no-such-host\.invalid: .*(no such host|could not be looked up)/,
    );
  });
});

describe('sharing and matching', () => {
  it('2,500 hashes are shared in three requests and matched in three, results in order', async () => {
    const r = recorder();
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk, fetch: r.fetch });
    const items: ShareItem[] = Array.from({ length: 2500 }, (_, i) => ({ type: 'sha256', value: hex(64, i), labels: ['attack-footage'] }));
    const progress: number[] = [];
    const shared = await client.share(items, { onProgress: (p) => progress.push(p.items) });
    expect(shared.items.map((s) => s.value)).toEqual(items.map((i) => i.value));
    expect(shared.items.every((s) => s.outcome === 'created')).toBe(true);
    expect(r.calls.filter((c) => c.path === '/v1/hashes').map((c) => c.status)).toEqual([201, 201, 201]);
    expect(progress).toEqual([1000, 2000, 2500]);

    const queries = [...items.slice(0, 2200).map((i) => ({ type: 'sha256' as const, value: i.value! })), { type: 'sha256' as const, value: hex(64, 99_999) }];
    const { results } = await client.match(queries);
    expect(results).toHaveLength(2201);
    expect(results.slice(0, 2200).every((res, i) => res.query.value === queries[i].value && res.matches[0]?.value === queries[i].value)).toBe(true);
    expect(results[2200].matches).toEqual([]);
    expect(r.calls.filter((c) => c.path === '/v1/match')).toHaveLength(3);
  });

  it('videos with thousands of frames are split by bytes (share) and by frames (match); one too large for any request is refused before sending', async () => {
    const r = recorder();
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk, fetch: r.fetch });
    const video = (v: number) => Array.from({ length: 3000 }, (_, i) => ({ index: i * 30, timestamp: i, hash: hex(64, v * 100_000 + i), quality: 90 }));
    // Six videos of 3000 frames: ~2.2 MB of JSON, over the node's 2 MiB for one request.
    const videos = Array.from({ length: 6 }, (_, v) => video(v));
    const items: ShareItem[] = videos.map((frames) => ({ type: 'vpdq', frames, labels: ['attack-footage'] }));
    const shared = await client.share(items);
    expect(shared.items).toHaveLength(6);
    const shares = r.calls.filter((c) => c.path === '/v1/hashes');
    expect(shares.length).toBe(2);
    expect(shares.every((c) => c.status === 201 && c.bytes <= 2 * 1024 * 1024)).toBe(true);

    // Matching: at most 3600 frames a request (VIDEO_MAX_FRAMES), so one video a request.
    const { results } = await client.match(videos.slice(0, 3).map((frames) => ({ type: 'vpdq' as const, frames })));
    expect(results.map((res) => res.matches.find((m) => m.type === 'vpdq')?.id)).toEqual(shared.items.slice(0, 3).map((s) => s.id));
    expect(r.calls.filter((c) => c.path === '/v1/match').map((c) => c.status)).toEqual([200, 200, 200]);

    const small = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk, fetch: r.fetch, limits: { maxRequestBytes: 100_000 } });
    const before = r.calls.length;
    await expect(small.share(items.slice(0, 1))).rejects.toThrow(/item 0 alone is \d+ bytes of JSON, more than the 100000 a request may hold \(3000 frames\)/);
    expect(r.calls.length).toBe(before);
  });

  it('media: hashed by the node, shared from the bytes, matched from the bytes', async () => {
    const { readFileSync } = await import('node:fs');
    const { conformancePath } = await import('../support/conformance');
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk });
    const jpeg = new Uint8Array(readFileSync(conformancePath('blockhash', 'clipper_ship.jpg')));
    const hashed = await client.hash(jpeg);
    expect(hashed).toMatchObject({ kind: 'image', media: { format: 'jpeg' } });
    const shared = await client.shareMedia(jpeg, { labels: ['glorification'], filename: 'clipper_ship.jpg' });
    // The whole image's pdq and blockhash first, its exact hashes once, and its regions' perceptual hashes (robust enrolment).
    const types = shared.items.map((i) => i.type);
    expect(types.slice(0, 2)).toEqual(['pdq', 'blockhash']);
    expect(types.filter((t) => t === 'md5' || t === 'sha256')).toEqual(['md5', 'sha256']);
    expect(types.filter((t) => t !== 'pdq' && t !== 'blockhash' && t !== 'md5' && t !== 'sha256')).toEqual([]);
    const matched = await client.matchMedia(new Blob([jpeg], { type: 'image/jpeg' }), { dihedral: true });
    expect(matched.results[0].matches[0]).toMatchObject({ type: 'pdq', distance: 0, labels: ['glorification'] });
    const e = await client.hash(new Uint8Array([1, 2, 3, 4])).catch((x) => x);
    expect(e).toBeInstanceOf(NodeApiError);
    expect(e.status).toBe(415);
  });
});

describe('the feed, retractions and feedback', () => {
  it('pages reads the feed to its end; retract and feedback act on a hash', async () => {
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk });
    const other = await node.member('partner', 'feedback giver');
    const giver = new NodeClient({ node: node.base, clientId: other.id, key: other.jwk });
    const start = await pagesEnd(client);
    const { items } = await client.share([{ type: 'md5', value: hex(32, 7), labels: ['manifesto'] }]);
    expect(await giver.feedback(items[0].id, 'dispute', 'a news report')).toMatchObject({ id: items[0].id });
    await client.retract(items[0].id);
    const entries = [];
    for await (const page of client.pages({ cursor: start })) entries.push(...page.entries);
    expect(entries[0]).toMatchObject({ kind: 'add', hash: { id: items[0].id, type: 'md5', labels: ['manifesto'] } });
    expect(entries.at(-1)).toMatchObject({ kind: 'retract', hash: { id: items[0].id, status: 'retracted' } });
    expect(await giver.feedback(items[0].id, 'confirm').catch((x) => x)).toMatchObject({ status: 409 });

    // From the start, page by page (limit 500) to the end.
    let count = 0;
    let pages = 0;
    for await (const page of client.pages({ limit: 500 })) {
      count += page.entries.length;
      pages++;
    }
    expect(count).toBeGreaterThan(2500);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(count / 500));
  });

  it('follow polls with the cursor and yields what arrives; the signal stops it', async () => {
    const client = new NodeClient({ node: node.base, clientId: partner.id, key: partner.jwk });
    const cursor = await pagesEnd(client);
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const page of client.pages({ cursor, follow: true, intervalMs: 50, signal: ac.signal })) {
        seen.push(...page.entries.map((e) => e.hash.value));
        if (seen.length) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await client.share([{ type: 'md5', value: hex(32, 8), labels: ['recruitment'] }]);
    await reading;
    expect(seen).toEqual([hex(32, 8)]);
  });
});

describe('admin calls', () => {
  it('admits a member by its public key only; suspension and reactivation act at once; node key rotation is served at once', async () => {
    const a = new NodeClient({ node: node.base, clientId: admin.id, key: admin.jwk });
    const pair = await generateClientKey('ES256');
    const made = await a.admin.createClient({ role: 'partner', name: 'made by the API', jwk: pair.publicJwk as Record<string, unknown> });
    expect(made.keys).toEqual([expect.objectContaining({ kid: pair.kid, alg: 'ES256' })]);
    expect(made.keys[0].jwk.d).toBeUndefined();
    const member = new NodeClient({ node: node.base, clientId: made.id, key: pair.privateJwk });
    expect((await member.labels()).labels.length).toBeGreaterThan(0);

    await a.admin.suspendClient(made.id);
    expect(await member.labels().catch((e) => e)).toMatchObject({ status: 403 });
    await a.admin.reactivateClient(made.id);
    expect((await member.labels()).labels.length).toBeGreaterThan(0);
    expect((await a.admin.listClients()).clients.map((c) => c.id)).toContain(made.id);

    const rotated = await a.admin.rotateNodeKeys();
    expect((await a.jwks()).keys[0]).toMatchObject({ kid: rotated.kid });
    const next = new NodeClient({ node: node.base, clientId: made.id, key: pair.privateJwk });
    expect(decodeProtectedHeader(await next.token()).kid).toBe(rotated.kid);
  });
});

describe('a real 429', () => {
  it('the client waits what Retry-After says and the calls succeed', async () => {
    const limited = await serveTestApp({ RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '2' });
    try {
      const m = await limited.member('partner');
      const r = recorder();
      const waits: number[] = [];
      const client = new NodeClient({ node: limited.base, clientId: m.id, key: m.jwk, fetch: r.fetch, onRetry: (i) => waits.push(i.delayMs) });
      const items: ShareItem[] = Array.from({ length: 5 }, (_, i) => ({ type: 'md5', value: hex(32, 500 + i), labels: ['attack-footage'] }));
      const started = Date.now();
      const out = await client.share(items, {}).then(() =>
        client.match(
          items.map((i) => ({ type: 'md5' as const, value: i.value! })),
          {},
        ),
      );
      await Promise.all([client.labels(), client.labels(), client.labels()]);
      expect(out.results.every((res) => res.matches.length === 1)).toBe(true);
      const statuses = r.calls.filter((c) => c.path !== '/v1/oauth/token' && !c.path.startsWith('/.well-known')).map((c) => c.status);
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s !== 429).length).toBe(5);
      // Retry-After: 1 -> between 1 and 1.1 s each.
      expect(waits.length).toBeGreaterThan(0);
      expect(waits.every((w) => w >= 1000 && w <= 1100)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      await limited.close();
    }
  });
});

/** The cursor at the end of the feed. */
async function pagesEnd(client: NodeClient): Promise<string | undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await client.feed({ cursor, limit: 1000 });
    cursor = page.nextCursor;
    if (!page.hasMore) return cursor;
  }
}
