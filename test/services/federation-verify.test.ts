/**
 * verifyBatch and RemoteJwks with real Ed25519 keys: the header rules, the signature against the
 * JWKS a peer publishes (fetched again, once, for an unknown kid: a rotation needs no admin), a
 * forged or changed batch, and the limits on fetching a JWKS (size, redirects, time, http(s) only).
 */
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { RemoteJwks, verifyBatch, type FetchLike } from '../../src/services/federation';

const ORIGIN = 'https://a.example';
const JWKS_URL = `${ORIGIN}/.well-known/jwks.json`;
const hex = (n: number) => n.toString(16).padStart(64, '0');

async function nodeKey() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return { kid, privateKey, jwk: { ...pub, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A JWKS server whose key set a test changes, counting fetches. */
function jwksServer(keys: Record<string, unknown>[]) {
  const state = { keys, fetches: 0 };
  const fetch: FetchLike = async (url) => {
    state.fetches++;
    if (url !== JWKS_URL) throw new TypeError('fetch failed');
    return Response.json({ keys: state.keys });
  };
  return { state, fetch };
}

const payload = (over: Record<string, unknown> = {}) => ({
  origin: ORIGIN,
  from: '',
  to: 'c1',
  issuedAt: new Date().toISOString(),
  items: [{ op: 'add', type: 'pdq', value: hex(1), labels: ['manifesto'], contributors: 1 }],
  ...over,
});
const sign = (p: unknown, key: CryptoKey, header: Record<string, unknown>) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(p)))
    .setProtectedHeader({ alg: 'EdDSA', typ: 'hash-batch+jws', ...header } as { alg: string })
    .sign(key);
const expect0 = { origin: ORIGIN, from: '', jwksUrl: JWKS_URL };

describe('verifyBatch', () => {
  it('takes a batch signed by a key the peer publishes, and names the SHA-256 of the JWS', async () => {
    const k = await nodeKey();
    const { fetch } = jwksServer([k.jwk]);
    const jws = await sign(payload(), k.privateKey, { kid: k.kid });
    const r = await verifyBatch(jws, expect0, new RemoteJwks({ fetch, now: Date.now }));
    expect(r).toMatchObject({ ok: true, kid: k.kid, jwsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.ok && r.items).toHaveLength(1);
  });

  it('a new key of the peer is found by fetching its JWKS again, once (its rotation needs no admin)', async () => {
    const old = await nodeKey();
    const rotated = await nodeKey();
    let t = 0;
    const server = jwksServer([old.jwk]);
    const jwks = new RemoteJwks({ fetch: server.fetch, now: () => t, minRefetchMs: 10_000 });
    expect((await verifyBatch(await sign(payload(), old.privateKey, { kid: old.kid }), expect0, jwks)).ok).toBe(true);
    expect(server.state.fetches).toBe(1);
    server.state.keys = [rotated.jwk, old.jwk];
    t += 10_000;
    expect((await verifyBatch(await sign(payload(), rotated.privateKey, { kid: rotated.kid }), expect0, jwks)).ok).toBe(true);
    expect(server.state.fetches).toBe(2);
    // Cached since: no more fetches for known kids.
    await verifyBatch(await sign(payload(), rotated.privateKey, { kid: rotated.kid }), expect0, jwks);
    expect(server.state.fetches).toBe(2);
  });

  it('an unknown kid makes at most one fetch per interval (a flood of forged kids cannot make it hammer the URL)', async () => {
    const k = await nodeKey();
    const forger = await nodeKey();
    const server = jwksServer([k.jwk]);
    const jwks = new RemoteJwks({ fetch: server.fetch, now: () => 0, minRefetchMs: 10_000 });
    for (let i = 0; i < 20; i++) {
      const r = await verifyBatch(await sign(payload(), forger.privateKey, { kid: `${forger.kid}${i}` }), expect0, jwks);
      expect(r).toMatchObject({ ok: false, problem: expect.stringMatching(/does not publish/) });
    }
    expect(server.state.fetches).toBe(1);
  });

  it('refuses a changed payload, a forged signature under a published kid, and wrong headers', async () => {
    const k = await nodeKey();
    const forger = await nodeKey();
    const { fetch } = jwksServer([k.jwk]);
    const jwks = new RemoteJwks({ fetch, now: Date.now });
    const good = await sign(payload(), k.privateKey, { kid: k.kid });
    const [h, p, s] = good.split('.');
    const changed = Buffer.from(p, 'base64url');
    changed[20] ^= 1;
    const cases: [string, string, RegExp][] = [
      ['one byte of the payload', `${h}.${changed.toString('base64url')}.${s}`, /signature does not verify|not JSON/],
      ['the signature of another key under the published kid', await sign(payload(), forger.privateKey, { kid: k.kid }), /signature does not verify/],
      ['another typ', await sign(payload(), k.privateKey, { kid: k.kid, typ: 'JWT' }), /typ/],
      ['no kid', await sign(payload(), k.privateKey, {}), /names no key/],
      ['not a JWS', 'a.b', /not a compact JWS/],
      ['a gap in the cursor chain', await sign(payload({ from: 'c0' }), k.privateKey, { kid: k.kid }), /gap or an overlap/],
      ['another origin', await sign(payload({ origin: 'https://b.example' }), k.privateKey, { kid: k.kid }), /not this peer's URL/],
    ];
    for (const [what, jws, problem] of cases) {
      const r = await verifyBatch(jws, expect0, jwks);
      expect(r.ok, what).toBe(false);
      if (!r.ok) expect(r.problem, what).toMatch(problem);
    }
    // HS256 under the published kid is refused before any key is tried.
    const hs = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'HS256', typ: 'hash-batch+jws', kid: k.kid })
      .sign(new Uint8Array(32));
    expect(await verifyBatch(hs, expect0, jwks)).toMatchObject({ ok: false, problem: expect.stringMatching(/only EdDSA/) });
  });
});

describe('RemoteJwks fetching limits', () => {
  it('refuses answers over the size cap, redirects, non-200, non-JSON, time-outs and non-http URLs', async () => {
    const k = await nodeKey();
    const big = JSON.stringify({ keys: [k.jwk], pad: 'x'.repeat(70_000) });
    const answers: Record<string, () => Promise<Response>> = {
      'https://big.example/jwks': async () => new Response(big, { headers: { 'content-type': 'application/json' } }),
      'https://chunked.example/jwks': async () => new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) })),
      'https://redirect.example/jwks': async () => {
        throw new TypeError('fetch failed: redirect mode is set to error');
      },
      'https://500.example/jwks': async () => new Response('oops', { status: 500 }),
      'https://html.example/jwks': async () => new Response('<html>'),
      'https://slow.example/jwks': () => new Promise(() => {}),
    };
    const seen: RequestInit[] = [];
    const fetch: FetchLike = (url, init) => {
      seen.push(init);
      const answer = answers[url];
      if (url === 'https://slow.example/jwks') {
        return new Promise((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))),
        );
      }
      return answer();
    };
    const jwks = new RemoteJwks({ fetch, now: Date.now, timeoutMs: 200, maxBytes: 64 * 1024 });
    await expect(jwks.find('https://big.example/jwks', k.kid)).rejects.toThrow(/larger than 65536 bytes/);
    await expect(jwks.find('https://chunked.example/jwks', k.kid)).rejects.toThrow(/larger than 65536 bytes/);
    await expect(jwks.find('https://redirect.example/jwks', k.kid)).rejects.toThrow(/could not be reached \(or it redirected/);
    await expect(jwks.find('https://500.example/jwks', k.kid)).rejects.toThrow(/HTTP 500/);
    await expect(jwks.find('https://html.example/jwks', k.kid)).rejects.toThrow(/not JSON/);
    await expect(jwks.find('https://slow.example/jwks', k.kid)).rejects.toThrow(/no answer within 200 ms/);
    await expect(jwks.find('file:///etc/passwd', k.kid)).rejects.toThrow(/not http/);
    expect(seen.every((i) => i.redirect === 'error' && i.signal)).toBe(true);
  });

  it('passes over private keys and other key types in a JWKS; keeps the last good set while the URL fails; remembers a bounded number of URLs', async () => {
    const k = await nodeKey();
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const priv = { ...(await exportJWK(privateKey)), kid: 'secret' };
    let up = true;
    let t = 0;
    let fetches = 0;
    const fetch: FetchLike = async () => {
      fetches++;
      if (!up) throw new TypeError('fetch failed');
      return Response.json({ keys: [priv, { kty: 'RSA', kid: 'rsa', n: 'x', e: 'AQAB' }, k.jwk] });
    };
    const jwks = new RemoteJwks({ fetch, now: () => t, ttlMs: 1000, staleMs: 5000, maxEntries: 2 });
    expect(await jwks.find(JWKS_URL, 'secret')).toBeUndefined();
    expect(await jwks.find(JWKS_URL, 'rsa')).toBeUndefined();
    expect((await jwks.find(JWKS_URL, k.kid))?.jwk).not.toHaveProperty('d');
    up = false;
    t = 3000; // expired, within the stale allowance
    expect(await jwks.publishes(JWKS_URL, k.kid)).toBe(true);
    t = 10_000; // past it
    await expect(jwks.publishes(JWKS_URL, k.kid)).rejects.toThrow(/could not be fetched/);
    up = true;
    const before = fetches;
    for (const host of ['b', 'c', 'd']) await jwks.find(`https://${host}.example/jwks`, k.kid);
    await jwks.find('https://b.example/jwks', k.kid); // forgotten (bound of 2): fetched again
    expect(fetches - before).toBe(4);
  });
});
