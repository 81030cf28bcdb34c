/**
 * The shared security suite, run against every protected route listed in /openapi.json: no token,
 * garbage, bad signature, alg none, HS256 keyed with the node's public key, expired, not yet valid,
 * wrong issuer or audience, unknown kid, missing scope, suspended client, revoked key. The scopes a
 * route lists in its OpenAPI `security` entry are the ones it enforces.
 */
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../src/core/auth';
import { ISSUER, makeTestApp, type TestApp, type TestClient } from '../support/app';

let t: TestApp;
let routes: { method: string; path: string; scopes: string[] }[];
const tokens: Record<string, string> = {};
let partner: TestClient;

beforeAll(async () => {
  t = await makeTestApp();
  const doc = await (await t.app.request('/openapi.json')).json();
  routes = Object.entries(doc.paths as Record<string, Record<string, { security?: { bearer: string[] }[] }>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.security?.length)
      .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x'), scopes: op.security![0].bearer })),
  );
  for (const role of ['partner', 'admin', 'auditor', 'peer'] as const) tokens[role] = await t.token(await t.client(role));
  partner = await t.client('partner');
  tokens.valid = await t.token(partner);
});
afterAll(() => t.close());

/** A token with the node's real current key but the claims and header given. */
async function forged(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, key } = await t.rt.deps.keyring.signingKey();
  const now = Math.floor(t.clock.now() / 1000);
  const payload = {
    iss: ISSUER,
    aud: ISSUER,
    sub: partner.id,
    iat: now,
    exp: now + 600,
    scope: ROLE_SCOPES.partner.join(' '),
    role: 'partner',
    ckid: partner.kid,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...header } as { alg: string }).sign(key);
}

const call = (r: { method: string; path: string }, authorization?: string) =>
  t.app.request(`${ISSUER}${r.path}`, { method: r.method, headers: authorization ? { authorization } : {} });

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  expect((await res.json()).code).toBe(code);
  if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="media-hash-node"/);
}

describe('every protected route', () => {
  it('the suite covers the routes of DESIGN §5 that need a token', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /v1/hash',
        'POST /v1/match',
        'POST /v1/match/media',
        'POST /v1/hashes',
        'GET /v1/hashes',
        'DELETE /v1/hashes/x',
        'POST /v1/hashes/x/feedback',
        'GET /v1/labels',
        'POST /v1/admin/clients',
        'POST /v1/admin/keys/rotate',
      ]),
    );
    expect(routes.length).toBeGreaterThanOrEqual(17);
  });

  it('no token -> 401 unauthenticated with WWW-Authenticate', async () => {
    for (const r of routes) await expectProblem(await call(r), 401, 'unauthenticated');
  });

  it('garbage -> 401 invalid_token', async () => {
    for (const r of routes) {
      await expectProblem(await call(r, 'Bearer not.a.jwt'), 401, 'invalid_token');
      await expectProblem(await call(r, 'Basic dXNlcjpwYXNz'), 401, 'invalid_token');
    }
  });

  it('a bad signature -> 401', async () => {
    const [h, p, s] = tokens.valid.split('.');
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    for (const r of routes) await expectProblem(await call(r, `Bearer ${flipped}`), 401, 'invalid_token');
  });

  it('alg none -> 401', async () => {
    const [, p] = tokens.valid.split('.');
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${p}.`;
    for (const r of routes) await expectProblem(await call(r, `Bearer ${none}`), 401, 'invalid_token');
  });

  it("HS256 keyed with the node's public key -> 401", async () => {
    const jwks = await (await t.app.request('/.well-known/jwks.json')).json();
    const secret = base64url.decode(jwks.keys[0].x);
    const now = Math.floor(t.clock.now() / 1000);
    const hs = await new SignJWT({ scope: 'hash match hashes:read hashes:write feedback admin', ckid: partner.kid })
      .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setSubject(partner.id)
      .setExpirationTime(now + 600)
      .sign(secret);
    for (const r of routes) await expectProblem(await call(r, `Bearer ${hs}`), 401, 'invalid_token');
  });

  it('expired (past the 60 s of skew) -> 401; within the skew it still works', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    const expired = await forged({ exp: now - 61 });
    const justExpired = await forged({ exp: now - 30 });
    for (const r of routes) await expectProblem(await call(r, `Bearer ${expired}`), 401, 'invalid_token');
    const labels = routes.find((r) => r.path === '/v1/labels')!;
    expect((await call(labels, `Bearer ${justExpired}`)).status).toBe(200);
  });

  it('not yet valid -> 401', async () => {
    const early = await forged({ nbf: Math.floor(t.clock.now() / 1000) + 120 });
    for (const r of routes) await expectProblem(await call(r, `Bearer ${early}`), 401, 'invalid_token');
  });

  it('wrong issuer or audience -> 401', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    const { kid, key } = await t.rt.deps.keyring.signingKey();
    const make = (iss: string, aud: string) =>
      new SignJWT({ scope: 'hash match', ckid: partner.kid })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(iss)
        .setAudience(aud)
        .setSubject(partner.id)
        .setExpirationTime(now + 600)
        .sign(key);
    const wrongIss = await make('https://other-node.example', ISSUER);
    const wrongAud = await make(ISSUER, 'https://other-node.example');
    for (const r of routes) {
      await expectProblem(await call(r, `Bearer ${wrongIss}`), 401, 'invalid_token');
      await expectProblem(await call(r, `Bearer ${wrongAud}`), 401, 'invalid_token');
    }
  });

  it('an unknown kid (a key not in the JWKS) -> 401', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const now = Math.floor(t.clock.now() / 1000);
    const tok = await new SignJWT({ scope: 'hash match admin', ckid: partner.kid })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-node-key', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setSubject(partner.id)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    for (const r of routes) await expectProblem(await call(r, `Bearer ${tok}`), 401, 'invalid_token');
  });

  it('a client assertion is not an access token (typ) -> 401', async () => {
    const assertion = await t.assertion(partner);
    for (const r of routes) await expectProblem(await call(r, `Bearer ${assertion}`), 401, 'invalid_token');
  });

  it('missing scope -> 403; the scope the route lists lets the caller past authorization', async () => {
    for (const r of routes) {
      if (r.scopes.length === 0) continue;
      const lacking = (Object.keys(ROLE_SCOPES) as (keyof typeof ROLE_SCOPES)[]).find((role) => !ROLE_SCOPES[role].some((s) => r.scopes.includes(s)))!;
      const res = await call(r, `Bearer ${tokens[lacking]}`);
      await expectProblem(res, 403, 'insufficient_scope');
      const holding = (Object.keys(ROLE_SCOPES) as (keyof typeof ROLE_SCOPES)[]).find((role) => ROLE_SCOPES[role].some((s) => r.scopes.includes(s)))!;
      const ok = await call(r, `Bearer ${tokens[holding]}`);
      expect([401, 403], `${r.method} ${r.path} refused a ${holding} token`).not.toContain(ok.status);
    }
  });

  it('a token for a suspended client -> 403 at once; reactivated, it works again', async () => {
    const victim = await t.client('partner');
    const tok = `Bearer ${await t.token(victim)}`;
    const admin = await t.as('admin', 'security-admin');
    expect((await t.app.request(`${ISSUER}/v1/admin/clients/${victim.id}/suspend`, { method: 'POST', headers: admin })).status).toBe(200);
    for (const r of routes) await expectProblem(await call(r, tok), 403, 'client_suspended');
    await t.app.request(`${ISSUER}/v1/admin/clients/${victim.id}/reactivate`, { method: 'POST', headers: admin });
    expect((await call(routes.find((r) => r.path === '/v1/labels')!, tok)).status).toBe(200);
  });

  it('a token obtained with a key revoked since -> 401 at once', async () => {
    const victim = await t.client('partner');
    const tok = `Bearer ${await t.token(victim)}`;
    const admin = await t.as('admin', 'security-admin');
    const res = await t.app.request(`${ISSUER}/v1/admin/clients/${victim.id}/keys/${victim.kid}`, { method: 'DELETE', headers: admin });
    expect(res.status).toBe(200);
    for (const r of routes) await expectProblem(await call(r, tok), 401, 'invalid_token');
  });
});

describe('node keys', () => {
  it('JWKS publishes the current key; rotation keeps old tokens valid until expiry, then drops the old key', async () => {
    const local = await makeTestApp();
    try {
      const before = await (await local.app.request('/.well-known/jwks.json')).json();
      expect(before.keys).toHaveLength(1);
      expect(before.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(before.keys[0].d).toBeUndefined();
      const old = await local.as('partner', 'p');
      const admin = await local.as('admin', 'a');
      const rot = await local.app.request(`${ISSUER}/v1/admin/keys/rotate`, { method: 'POST', headers: admin });
      expect(rot.status).toBe(200);
      const { kid } = await rot.json();
      const after = await (await local.app.request('/.well-known/jwks.json')).json();
      expect(after.keys.map((k: { kid: string }) => k.kid)).toEqual([kid, before.keys[0].kid]);
      // The old token still works; new tokens carry the new kid.
      expect((await local.request('/v1/labels', { headers: old })).status).toBe(200);
      const fresh = await local.token(await local.client('partner'));
      expect(JSON.parse(atob(fresh.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'))).kid).toBe(kid);
      // Past the token lifetime plus skew the old key leaves the JWKS.
      local.clock.advance(11 * 60 * 1000);
      const later = await (await local.app.request('/.well-known/jwks.json')).json();
      expect(later.keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
      expect((await local.request('/v1/labels', { headers: old })).status).toBe(401);
    } finally {
      local.close();
    }
  });

  it('the private keys are sealed in the database, not stored in clear', async () => {
    const rows = await t.rt.deps.auth.nodeKeys();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.privateJwk).toMatch(/^v1\./);
      expect(r.privateJwk).not.toContain('"d"');
    }
  });
});

describe('rate limits', () => {
  it('past the per-client budget -> 429 with Retry-After; other clients are not affected; time refills it', async () => {
    const local = await makeTestApp({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
    try {
      const a = await local.as('partner', 'a');
      const b = await local.as('partner', 'b');
      for (let i = 0; i < 3; i++) expect((await local.request('/v1/labels', { headers: a })).status).toBe(200);
      const limited = await local.request('/v1/labels', { headers: a });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect((await limited.json()).code).toBe('rate_limited');
      expect((await local.request('/v1/labels', { headers: b })).status).toBe(200);
      local.clock.advance(1000);
      expect((await local.request('/v1/labels', { headers: a })).status).toBe(200);
    } finally {
      local.close();
    }
  });
});
