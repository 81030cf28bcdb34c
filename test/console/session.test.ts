/**
 * The console's sign-in (src/console/app/lib/session.ts) against the real app, in Node (same
 * WebCrypto and fetch APIs as the browser): the assertion it signs is accepted for Ed25519 and P-256
 * keys, the token is renewed with a new assertion a minute before it expires, API calls carry it,
 * and a suspension ends the session on the next renewal with the node's own words.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../src/console/app/lib/api';
import { importSigningKey } from '../../src/console/app/lib/keys';
import { currentSession, endedBecause, signIn, signOut } from '../../src/console/app/lib/session';
import { createClient, setClientStatus } from '../../src/services/clients';
import { ISSUER, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
const tokenRequests: string[] = [];

beforeAll(async () => {
  t = await makeTestApp({}, { realTime: true });
  vi.stubGlobal('location', { href: `${ISSUER}/console` });
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const url = new URL(input, `${ISSUER}/console`);
    if (url.pathname === '/v1/oauth/token') tokenRequests.push(String(init?.body));
    return t.app.request(url.toString(), init);
  });
});
afterEach(() => {
  signOut();
  vi.useRealTimers();
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await t.close();
});

/** Lets the app's real I/O (the database thread) run while the timers stay frozen. */
async function until(done: () => boolean): Promise<void> {
  const end = performance.now() + 10_000; // performance.now is not faked
  while (!done() && performance.now() < end) await new Promise((r) => setImmediate(r));
}

async function member(alg: 'EdDSA' | 'ES256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const view = await createClient(t.rt.deps, 'test-setup', { role: 'partner', name: `console ${alg}`, jwk: await exportJWK(publicKey) });
  const signer = await importSigningKey({ ...(await exportJWK(privateKey)), kid: view.keys[0].kid });
  expect(signer.key.extractable).toBe(false);
  return { id: view.id, signer: { clientId: view.id, ...signer } };
}

describe("the console signs in with the member's own key", () => {
  it.each(['EdDSA', 'ES256'] as const)('%s: the assertion is accepted; calls carry the token', async (alg) => {
    const m = await member(alg);
    const s = await signIn(m.signer);
    expect(s).toMatchObject({ issuer: ISSUER, clientId: m.id, role: 'partner' });
    expect(s.scopes).toContain('match');
    const labels = await call<{ labels: unknown[] }>('GET', '/v1/labels');
    expect(labels.labels.length).toBeGreaterThan(0);
  });

  it("renews the token a minute before it expires; a suspension ends the session in the node's words", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const m = await member('EdDSA');
    tokenRequests.length = 0;
    const first = await signIn(m.signer);
    expect(tokenRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(530_000);
    expect(tokenRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(15_000);
    // The renewal signs with WebCrypto (real time) before it asks.
    await until(() => tokenRequests.length === 2);
    expect(tokenRequests).toHaveLength(2);
    await until(() => currentSession()!.expiresAt > first.expiresAt);
    expect(currentSession()!.expiresAt).toBeGreaterThan(first.expiresAt);
    // Two assertions, two jti.
    const jti = tokenRequests.map(
      (b) => JSON.parse(atob(new URLSearchParams(b).get('client_assertion')!.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti,
    );
    expect(new Set(jti).size).toBe(2);

    await setClientStatus(t.rt.deps, 'test-setup', m.id, 'suspended');
    await vi.advanceTimersByTimeAsync(545_000);
    await until(() => currentSession() === undefined);
    expect(currentSession()).toBeUndefined();
    expect(endedBecause).toMatch(/suspended/);
    await expect(call('GET', '/v1/labels')).rejects.toThrow(/signed out/);
  });
});
