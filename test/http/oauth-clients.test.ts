/**
 * Standard OAuth clients get tokens from the node: oauth4webapi and openid-client (the most used
 * JavaScript OAuth clients), client credentials with private_key_jwt, configured by hand with the
 * token endpoint, and by discovery from the node's RFC 8414 metadata. Their requests go into the real app;
 * what they send is recorded, so the test shows the node accepts their audience (the issuer) and
 * their client_id field.
 */
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, makeTestApp, TOKEN_URL, type TestApp, type TestClient } from '../support/app';

let t: TestApp;
const sent: URLSearchParams[] = [];
/** The libraries' fetch, routed into the app; records each token request's form. */
const intoApp = async (url: string, init: { body?: unknown; headers?: unknown; method?: string }) => {
  if (typeof init.body === 'string' || init.body instanceof URLSearchParams) sent.push(new URLSearchParams(init.body as string));
  return t.app.request(url, init as RequestInit);
};

beforeAll(async () => {
  t = await makeTestApp();
  t.clock.t = Date.now(); // the libraries date their assertions by the real clock
});
afterAll(() => t.close());

async function canUse(accessToken: string) {
  const res = await t.app.request(`${ISSUER}/v1/labels`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(200);
}

function lastAssertion() {
  const form = sent.at(-1)!;
  return { form, claims: decodeJwt(form.get('client_assertion')!) };
}

describe('standard OAuth clients', () => {
  it.each(['EdDSA', 'ES256'] as const)('oauth4webapi: client credentials with private_key_jwt (%s)', async (alg) => {
    const c: TestClient = await t.client('partner', `oauth4webapi-${alg}`, alg);
    const as: oauth.AuthorizationServer = { issuer: ISSUER, token_endpoint: TOKEN_URL };
    const client: oauth.Client = { client_id: c.id };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt({ key: c.privateKey, kid: c.kid }),
      { scope: 'hash match' },
      {
        [oauth.customFetch]: intoApp,
        [oauth.allowInsecureRequests]: true,
      },
    );
    const token = await oauth.processClientCredentialsResponse(as, client, res);
    expect(token).toMatchObject({ token_type: 'bearer', expires_in: 600, scope: 'hash match' });
    const { form, claims } = lastAssertion();
    expect(claims).toMatchObject({ aud: ISSUER, iss: c.id, sub: c.id });
    expect(form.get('client_id')).toBe(c.id);
    await canUse(token.access_token);
  });

  it('openid-client: client credentials with private_key_jwt', async () => {
    const c = await t.client('auditor', 'openid-client');
    const config = new openid.Configuration(
      { issuer: ISSUER, token_endpoint: TOKEN_URL },
      c.id,
      undefined,
      openid.PrivateKeyJwt({ key: c.privateKey, kid: c.kid }),
    );
    config[openid.customFetch] = intoApp;
    openid.allowInsecureRequests(config);
    const token = await openid.clientCredentialsGrant(config);
    expect(token.scope).toBe('audit:read');
    expect(lastAssertion().claims).toMatchObject({ aud: ISSUER, iss: c.id });
    const res = await t.app.request(`${ISSUER}/v1/audit/tree-head`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(res.status).toBe(200);
  });

  it("openid-client configures itself from the node's metadata (RFC 8414) and gets a token, with nothing else given", async () => {
    const c = await t.client('partner', 'discovering');
    const config = await openid.discovery(new URL(ISSUER), c.id, undefined, openid.PrivateKeyJwt({ key: c.privateKey, kid: c.kid }), {
      [openid.customFetch]: intoApp,
      execute: [openid.allowInsecureRequests],
      algorithm: 'oauth2',
    });
    const meta = config.serverMetadata();
    expect(meta).toMatchObject({
      issuer: ISSUER,
      token_endpoint: TOKEN_URL,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    });
    const token = await openid.clientCredentialsGrant(config);
    expect(lastAssertion().claims).toMatchObject({ aud: ISSUER, iss: c.id });
    await canUse(token.access_token);
  });

  it("the libraries see the node's refusal as an OAuth error", async () => {
    const c = await t.client('partner', 'suspended-one');
    await t.app.request(`${ISSUER}/v1/admin/clients/${c.id}/suspend`, { method: 'POST', headers: await t.as('admin', 'admin') });
    const config = new openid.Configuration(
      { issuer: ISSUER, token_endpoint: TOKEN_URL },
      c.id,
      undefined,
      openid.PrivateKeyJwt({ key: c.privateKey, kid: c.kid }),
    );
    config[openid.customFetch] = intoApp;
    openid.allowInsecureRequests(config);
    await expect(openid.clientCredentialsGrant(config)).rejects.toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringContaining('suspended'),
    });
  });
});
