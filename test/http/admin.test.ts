/** The admin API: clients, their keys, and the audit entries every admin action leaves. */
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/node/config';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
let admin: Record<string, string>;
beforeAll(async () => {
  t = await makeTestApp();
  admin = await t.as('admin', 'first-admin');
});
afterAll(() => t.close());

const req = (path: string, init: RequestInit = {}) =>
  t.app.request(`${ISSUER}${path}`, { ...init, headers: { ...admin, ...(init.headers as Record<string, string>) } });

async function actions(): Promise<string[]> {
  const n = await t.rt.deps.log.auditSize();
  return (await t.rt.deps.log.auditEntries(0, n)).map((e) => e.action);
}

describe('admin API', () => {
  it('creates a partner with its public key, lists and gets it; names appear only here', async () => {
    const { publicKey } = await generateKeyPair('EdDSA');
    const res = await req('/v1/admin/clients', json('POST', { role: 'partner', name: 'Example Video Platform', jwk: await exportJWK(publicKey) }));
    expect(res.status).toBe(201);
    const c = await res.json();
    expect(c).toMatchObject({
      role: 'partner',
      name: 'Example Video Platform',
      status: 'active',
      scopes: ['hash', 'match', 'hashes:read', 'hashes:write', 'feedback'],
    });
    expect(c.keys).toHaveLength(1);
    expect(c.keys[0].jwk.d).toBeUndefined();
    const list = await (await req('/v1/admin/clients')).json();
    expect(list.clients.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await req(`/v1/admin/clients/${c.id}`)).status).toBe(200);
    expect((await req('/v1/admin/clients/nope')).status).toBe(404);
  });

  it('refuses a private key, a bad key, an unknown role', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const priv = await req('/v1/admin/clients', json('POST', { role: 'partner', name: 'x', jwk: await exportJWK(privateKey) }));
    expect(priv.status).toBe(400);
    expect((await priv.json()).detail).toMatch(/private/);
    const rsa = await req('/v1/admin/clients', json('POST', { role: 'partner', name: 'x', jwk: { kty: 'RSA', n: 'abc', e: 'AQAB' } }));
    expect(rsa.status).toBe(400);
    const garbage = await req('/v1/admin/clients', json('POST', { role: 'partner', name: 'x', jwk: { kty: 'OKP', crv: 'Ed25519', x: '!!' } }));
    expect(garbage.status).toBe(400);
    const role = await req('/v1/admin/clients', json('POST', { role: 'superuser', name: 'x' }));
    expect(role.status).toBe(400);
    expect((await role.json()).errors[0].path).toBe('role');
  });

  it('adds and revokes keys; a kid cannot be added twice', async () => {
    const c = await (await req('/v1/admin/clients', json('POST', { role: 'auditor', name: 'Auditor' }))).json();
    expect(c.keys).toEqual([]);
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const added = await req(`/v1/admin/clients/${c.id}/keys`, json('POST', { jwk }));
    expect(added.status).toBe(201);
    const kid = (await added.json()).keys[0].kid;
    expect((await req(`/v1/admin/clients/${c.id}/keys`, json('POST', { jwk }))).status).toBe(409);
    const revoked = await (await req(`/v1/admin/clients/${c.id}/keys/${kid}`, { method: 'DELETE' })).json();
    expect(revoked.keys[0]).toMatchObject({ kid, status: 'revoked' });
    expect((await req(`/v1/admin/clients/${c.id}/keys/nope`, { method: 'DELETE' })).status).toBe(404);
  });

  it('suspends and reactivates; the last active admin cannot be suspended', async () => {
    const c = await (await req('/v1/admin/clients', json('POST', { role: 'peer', name: 'Peer node' }))).json();
    expect((await (await req(`/v1/admin/clients/${c.id}/suspend`, { method: 'POST' })).json()).status).toBe('suspended');
    expect((await (await req(`/v1/admin/clients/${c.id}/reactivate`, { method: 'POST' })).json()).status).toBe('active');
    const list = (await (await req('/v1/admin/clients')).json()).clients as { id: string; role: string; name: string }[];
    const me = list.find((x) => x.name === 'first-admin')!;
    const res = await req(`/v1/admin/clients/${me.id}/suspend`, { method: 'POST' });
    expect(res.status).toBe(409);
  });

  it('records every admin action in the audit log', async () => {
    const a = await actions();
    for (const action of ['client.create', 'client-key.add', 'client-key.revoke', 'client.suspend', 'client.reactivate', 'node-key.rotate'])
      expect(a).toContain(action);
  });
});

describe('development identity', () => {
  it('DEV_AUTH is off by default and refused in production', () => {
    expect(loadConfig({}).DEV_AUTH).toBe(false);
    expect(() => loadConfig({ DEV_AUTH: '1', NODE_ENV: 'production' })).toThrow(/DEV_AUTH/);
  });

  it('with DEV_AUTH off, a "Dev" header gets nowhere', async () => {
    const res = await t.app.request(`${ISSUER}/v1/labels`, { headers: { authorization: 'Dev admin-1 admin' } });
    expect(res.status).toBe(401);
  });

  it('names each bad variable at start-up', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'postgres://x' })).toThrow(
      /^invalid configuration: PORT="eighty": [^\n]*; DATABASE_URL="postgres:\/\/x": must be file:PATH/,
    );
  });
});
