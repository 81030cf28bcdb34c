/**
 * The verified-token cache belongs to one app's authenticator, not to the process: two apps built
 * in one process (two nodes under the same public URL, each with its own database and signing
 * key) never take a token the other verified as verified. Through the real apps, with real keys and
 * tokens from their token endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';

let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  [a, b] = await Promise.all([makeTestApp(), makeTestApp()]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

const labels = (t: TestApp, token: string) => t.request('/v1/labels', { headers: { authorization: `Bearer ${token}` } });

describe('two apps in one process', () => {
  it('a token one app verified (and cached) is still checked by the other, which refuses its signature', async () => {
    const token = await a.token(await a.client('partner'));
    // Verified by A twice: the second time from A's cache.
    for (let i = 0; i < 2; i++) expect((await labels(a, token)).status).toBe(200);
    const res = await labels(b, token);
    expect(res.status).toBe(401);
    // Had B found the token in a shared cache, it would have gone on to look for A's client in
    // its own database ("no longer exists"); it verifies the signature and finds no such key.
    expect(await res.json()).toMatchObject({ code: 'invalid_token', detail: 'the access token is signed by an unknown key' });
    // And the other way round, with a token B verified first.
    const fromB = await b.token(await b.client('partner'));
    expect((await labels(b, fromB)).status).toBe(200);
    expect(await (await labels(a, fromB)).json()).toMatchObject({ code: 'invalid_token', detail: 'the access token is signed by an unknown key' });
    // Each app still accepts its own.
    expect((await labels(a, token)).status).toBe(200);
  });
});
