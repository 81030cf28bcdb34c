/** POST /v1/oauth/token: client credentials with private_key_jwt (RFC 7523), and what it refuses. */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config';
import { loadConfig } from '../../src/runtime/node/config';
import { ISSUER, makeTestApp, tokenRequest, TOKEN_URL, type TestApp, type TestClient } from '../support/app';

let t: TestApp;
let c: TestClient;
let admin: Record<string, string>;
beforeAll(async () => {
  t = await makeTestApp();
  c = await t.client('partner', 'acme');
  admin = await t.as('admin', 'admin');
});
afterAll(() => t.close());

const ask = (assertion: string, extra: Record<string, string> = {}) => t.app.request(TOKEN_URL, tokenRequest(assertion, extra));

async function refused(res: Response, status: number, error: string, detail?: RegExp) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body.error).toBe(error);
  if (detail) expect(body.error_description).toMatch(detail);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('token endpoint', () => {
  it("trades a valid EdDSA assertion for a 10-minute Bearer token with the role's scopes", async () => {
    const res = await ask(await t.assertion(c));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'hash match hashes:read hashes:write feedback' });
    const [h, p] = body.access_token
      .split('.')
      .slice(0, 2)
      .map((x: string) => JSON.parse(new TextDecoder().decode(base64url.decode(x))));
    expect(h).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(p).toMatchObject({ iss: ISSUER, aud: ISSUER, sub: c.id, scope: body.scope });
    expect(p.exp - p.iat).toBe(600);
    expect((await t.app.request(`${ISSUER}/v1/labels`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(200);
  });

  it('accepts P-256 (ES256) client keys', async () => {
    const ec = await t.client('auditor', 'auditor-ec', 'ES256');
    const res = await ask(await t.assertion(ec));
    expect(res.status).toBe(200);
    expect((await res.json()).scope).toBe('audit:read');
  });

  it("accepts an assertion without kid, trying the client's active keys", async () => {
    expect((await ask(await t.assertion(c, {}, { kid: null }))).status).toBe(200);
  });

  it('grants a requested subset of scopes, refuses scopes beyond the role', async () => {
    const res = await ask(await t.assertion(c), { scope: 'match' });
    expect((await res.json()).scope).toBe('match');
    await refused(await ask(await t.assertion(c), { scope: 'match admin' }), 400, 'invalid_scope', /admin/);
  });

  it('refuses a replayed jti', async () => {
    const a = await t.assertion(c, { jti: 'once-only' });
    expect((await ask(a)).status).toBe(200);
    await refused(await ask(a), 401, 'invalid_client', /replay/);
  });

  it('refuses an assertion living longer than 5 minutes', async () => {
    await refused(await ask(await t.assertion(c, {}, { lifetimeS: 301 })), 401, 'invalid_client', /too long/);
    expect((await ask(await t.assertion(c, {}, { lifetimeS: 300 }))).status).toBe(200);
  });

  it('tolerates 60 s of clock skew, not more', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    expect((await ask(await t.assertion(c, { iat: now - 200, exp: now - 30 }))).status).toBe(200);
    await refused(await ask(await t.assertion(c, { iat: now - 200, exp: now - 61 })), 401, 'invalid_client', /expired/);
    expect((await ask(await t.assertion(c, { iat: now + 50, exp: now + 200, nbf: now + 50 }))).status).toBe(200);
    await refused(await ask(await t.assertion(c, { iat: now + 90, exp: now + 200, nbf: now + 90 })), 401, 'invalid_client');
  });

  it('refuses a wrong audience', async () => {
    await refused(await ask(await t.assertion(c, {}, { aud: 'https://another-node.example/v1/oauth/token' })), 401, 'invalid_client', /aud/);
  });

  it('refuses an unknown client', async () => {
    const ghost = { ...c, id: 'no-such-client' };
    await refused(await ask(await t.assertion(ghost)), 401, 'invalid_client', /unknown client/);
  });

  it('refuses a key of another client', async () => {
    const other = await t.client('partner');
    const impostor = { ...other, id: c.id }; // signs as acme with its own key
    await refused(await ask(await t.assertion(impostor)), 401, 'invalid_client');
  });

  it('refuses alg none and HMAC algorithms', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    const claims = { iss: c.id, sub: c.id, aud: TOKEN_URL, exp: now + 60, jti: 'x1' };
    const none = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    await refused(await ask(none), 401, 'invalid_client', /alg/);
    const hs = await new SignJWT({ ...claims, jti: 'x2' })
      .setProtectedHeader({ alg: 'HS256', kid: c.kid })
      .sign(new TextEncoder().encode('a shared secret of enough length!!'));
    await refused(await ask(hs), 401, 'invalid_client', /alg/);
  });

  it('refuses a revoked key and a suspended client', async () => {
    const s = await t.client('partner');
    await t.app.request(`${ISSUER}/v1/admin/clients/${s.id}/suspend`, { method: 'POST', headers: admin });
    await refused(await ask(await t.assertion(s)), 401, 'invalid_client', /suspended/);
    const r = await t.client('partner');
    await t.app.request(`${ISSUER}/v1/admin/clients/${r.id}/keys/${r.kid}`, { method: 'DELETE', headers: admin });
    await refused(await ask(await t.assertion(r)), 401, 'invalid_client', /revoked/);
  });

  it('answers malformed requests with OAuth errors', async () => {
    await refused(await ask(await t.assertion(c), { grant_type: 'password' }), 400, 'unsupported_grant_type');
    await refused(await ask(await t.assertion(c), { client_assertion_type: 'urn:other' }), 400, 'invalid_request');
    await refused(await ask('not-a-jwt'), 401, 'invalid_client');
    const json = await t.app.request(TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    await refused(json, 400, 'invalid_request', /x-www-form-urlencoded/);
    const empty = await t.app.request(TOKEN_URL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    await refused(empty, 400, 'invalid_request');
  });
});

describe('what a token request may not hold', () => {
  const form = (body: string) => t.app.request(TOKEN_URL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const description = async (res: Response) => ((await res.json()) as { error_description: string }).error_description;

  it('a parameter sent twice is 400 invalid_request naming it (RFC 6749 §3.2), and spends neither assertion', async () => {
    const [a, b] = [await t.assertion(c), await t.assertion(c)];
    const twice = `${new URLSearchParams(tokenRequest(a).body as string)}&client_assertion=${encodeURIComponent(b)}`;
    await refused(await form(twice), 400, 'invalid_request', /^parameter "client_assertion" is sent 2 times; send each parameter once/);
    const grant = `grant_type=client_credentials&${new URLSearchParams(tokenRequest(a).body as string)}`;
    await refused(await form(grant), 400, 'invalid_request', /^parameter "grant_type" is sent 2 times/);
    expect((await ask(a)).status).toBe(200);
    expect((await ask(b)).status).toBe(200);
  });

  it('a parameter the endpoint does not read may repeat (RFC 6749 §3.2 ignores it; RFC 8707 resource)', async () => {
    const a = await t.assertion(c);
    const res = await form(`${new URLSearchParams(tokenRequest(a).body as string)}&resource=https://a.example&resource=https://b.example&x[]=1`);
    expect(res.status).toBe(200);
  });

  it('jti must be a string of 1 to 256 characters: a number 5 is refused and does not spend "5"', async () => {
    await refused(
      await ask(await t.assertion(c, { jti: 5 })),
      401,
      'invalid_client',
      /^the assertion's jti must be a string of 1 to 256 characters \(a UUID\), got 5$/,
    );
    expect((await ask(await t.assertion(c, { jti: '5' }))).status).toBe(200);
    await refused(await ask(await t.assertion(c, { jti: { id: 1 } })), 401, 'invalid_client', /jti must be a string .*, got an object$/);
    await refused(await ask(await t.assertion(c, { jti: '' })), 401, 'invalid_client', /got 0 characters$/);
    await refused(await ask(await t.assertion(c, { jti: 'j'.repeat(257) })), 401, 'invalid_client', /got 257 characters$/);
    expect((await ask(await t.assertion(c, { jti: 'j'.repeat(256) }))).status).toBe(200);
  });

  it('an iat more than 60 s ahead of the clock is refused (within 60 s it is skew)', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    await refused(
      await ask(await t.assertion(c, { iat: now + 120, exp: now + 200 })),
      401,
      'invalid_client',
      /^client assertion issued in the future: its iat is 120 s ahead of this node's clock \(at most 60 s of skew\)$/,
    );
    expect((await ask(await t.assertion(c, { iat: now + 60, exp: now + 200 }))).status).toBe(200);
  });

  it('a scope of spaces only is taken as left out, as an empty one is: every scope of the role', async () => {
    for (const scope of ['   ', '']) {
      const res = await ask(await t.assertion(c), { scope });
      expect(res.status, JSON.stringify(scope)).toBe(200);
      expect((await res.json()).scope).toBe('hash match hashes:read hashes:write feedback');
    }
    const twice = await ask(await t.assertion(c), { scope: ' match  match ' });
    expect((await twice.json()).scope).toBe('match');
  });

  it('a kid or a scope is quoted cut at 64 characters, its control characters escaped', async () => {
    const kid = `${'k'.repeat(5000)}\u0000\u001b[31m`;
    const byKid = await ask(await t.assertion(c, {}, { kid }));
    expect(byKid.status).toBe(401);
    expect(await description(byKid)).toMatch(new RegExp(`^key "${'k'.repeat(64)}…" is not an active key of client ".+": unknown to it or revoked`));
    const scope = `match ad\u0001min\u0085 ${'x'.repeat(100_000)}`;
    const byScope = await ask(await t.assertion(c), { scope });
    expect(byScope.status).toBe(400);
    const said = await description(byScope);
    expect(said).toBe(`scope "ad\\u0001min\\u0085 ${'x'.repeat(56)}…" is not granted to role partner`);
    await refused(
      await ask(await t.assertion(c, {}, { kid: 'bad\u0007kid' })),
      401,
      'invalid_client',
      /^key "bad\\u0007kid" is not an active key of client ".+": unknown to it or revoked \(is the client id the one this key was admitted under\?\)$/,
    );
  });
});

describe('assertion audience and client_id', () => {
  it('accepts the issuer identifier as audience (what standard OAuth clients send), with or without a trailing slash', async () => {
    expect((await ask(await t.assertion(c, {}, { aud: ISSUER }))).status).toBe(200);
    expect((await ask(await t.assertion(c, {}, { aud: `${ISSUER}/` }))).status).toBe(200);
    expect((await ask(await t.assertion(c, {}, { aud: [ISSUER, 'https://elsewhere.example'] } as never))).status).toBe(200);
  });

  it("refuses an assertion made for another node sent with that node's Host header, naming the audiences it takes", async () => {
    // Through a real HTTP server: the Node adapter builds the request URL from the Host header.
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const aud of ['http://other-node.example/v1/oauth/token', 'http://other-node.example']) {
        const body = String(tokenRequest(await t.assertion(c, {}, { aud })).body);
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/v1/oauth/token',
              method: 'POST',
              headers: { host: 'other-node.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
            },
            (r) => {
              let text = '';
              r.on('data', (d) => (text += d)).on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        expect(res.status, aud).toBe(401);
        const err = JSON.parse(res.body);
        expect(err.error).toBe('invalid_client');
        expect(err.error_description).toContain('"aud"');
        expect(err.error_description).toContain(ISSUER);
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a client_id form field must name the client the assertion names', async () => {
    const other = await t.client('partner', 'someone-else');
    await refused(await ask(await t.assertion(c), { client_id: other.id }), 401, 'invalid_client', /client_id .* does not match .* iss/);
    expect((await ask(await t.assertion(c), { client_id: c.id })).status).toBe(200);
  });

  it('TOKEN_AUDIENCES adds other names of the node (each as an issuer and with the token path), and nothing else', async () => {
    const multi = await makeTestApp({ TOKEN_AUDIENCES: 'https://hashes.example.net, https://hashes.example.org/' });
    try {
      const m = await multi.client('partner', 'multi');
      const askMulti = async (aud: string) => multi.app.request(TOKEN_URL, tokenRequest(await multi.assertion(m, {}, { aud })));
      for (const aud of [
        ISSUER,
        TOKEN_URL,
        'https://hashes.example.net',
        'https://hashes.example.net/v1/oauth/token',
        'https://hashes.example.org',
        'https://hashes.example.org/v1/oauth/token',
      ]) {
        expect((await askMulti(aud)).status, aud).toBe(200);
      }
      for (const aud of ['https://hashes.example.com', 'https://hashes.example.net/other', 'http://hashes.example.net']) {
        await refused(await askMulti(aud), 401, 'invalid_client', /aud/);
      }
    } finally {
      multi.close();
    }
  });

  it('TOKEN_AUDIENCES must be absolute http(s) URLs', () => {
    expect(() => loadConfig({ TOKEN_AUDIENCES: 'hashes.example.net' })).toThrow(ConfigError);
    expect(() => loadConfig({ TOKEN_AUDIENCES: 'https://hashes.example.net?x=1' })).toThrow(/TOKEN_AUDIENCES/);
    expect(loadConfig({ TOKEN_AUDIENCES: 'https://a.example/, https://b.example' }).TOKEN_AUDIENCES).toEqual(['https://a.example', 'https://b.example']);
  });
});
