/**
 * Three real node processes on one SQLite file stay in step through the change log: a hash shared
 * through one matches through the others within a second, a retraction stops it matching within a
 * second, a client assertion used at one is refused at another, and a key rotated through one
 * signs the others' tokens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAssertion } from '../../src/cli/oauth';
import { admit, startReadyNode, tokenFor, type Member } from '../support/node-process';

const ISSUER = 'http://node.test';
const dir = mkdtempSync(join(tmpdir(), 'mhn-instances-'));
const DATABASE_URL = `file:${join(dir, 'node.db')}`;
const env = { DATABASE_URL, PUBLIC_URL: ISSUER, NODE_SECRET_FILE: join(dir, 'node.secret'), FOLLOW_INTERVAL_MS: '100', TREE_HEAD_INTERVAL_MS: '0' };
const nodes: Awaited<ReturnType<typeof startReadyNode>>[] = [];
let partner: Member;
let admin: Member;
const tokens: string[] = [];
const adminTokens: string[] = [];

const hex = (i: number) => createHash('sha256').update(`instances ${i}`).digest('hex');

beforeAll(async () => {
  // All three start at once on a database that does not exist yet: they race to create it, migrate
  // it and make the first node key, and all come up with one key.
  nodes.push(...(await Promise.all([startReadyNode(env), startReadyNode(env), startReadyNode(env)])));
  partner = await admit(DATABASE_URL, 'partner', 'partner');
  admin = await admit(DATABASE_URL, 'admin', 'admin');
  for (const n of nodes) {
    tokens.push(await tokenFor(n.base, ISSUER, partner));
    adminTokens.push(await tokenFor(n.base, ISSUER, admin));
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const call = (i: number, path: string, init: RequestInit = {}) =>
  fetch(`${nodes[i].base}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}`, ...init.headers } });

/** Even k: a PDQ hash (the perceptual index, near-duplicates); odd: a SHA-256 (the exact index). */
const typeOf = (value: string) => (value.startsWith('p') ? 'pdq' : 'sha256');

async function matches(i: number, value: string): Promise<number> {
  const type = typeOf(value);
  const res = await call(i, '/v1/match', {
    method: 'POST',
    body: JSON.stringify({ hashes: [{ type, value: value.slice(1) }], maxDistance: type === 'pdq' ? { pdq: 4 } : undefined }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).results[0].matches.length;
}

/** Milliseconds until instance i answers `want` matches for value (fails past `limitMs`). */
async function lag(i: number, value: string, want: number, limitMs = 3000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await matches(i, value)) === want) return performance.now() - start;
    if (performance.now() - start > limitMs) throw new Error(`instance ${i} did not follow within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1];

describe('three processes on one SQLite file', () => {
  it('a hash shared through one instance matches through the others within a second, and a retraction stops it as fast', async () => {
    const shareLags: number[] = [];
    const retractLags: number[] = [];
    for (let k = 0; k < 30; k++) {
      const value = `${k % 2 ? 's' : 'p'}${hex(k)}`;
      const via = k % 3;
      const res = await call(via, '/v1/hashes', {
        method: 'POST',
        body: JSON.stringify({ items: [{ type: typeOf(value), value: value.slice(1), labels: ['recruitment'] }] }),
      });
      expect(res.status).toBe(201);
      const id = (await res.json()).items[0].id;
      // The instance it went through matches at once (it waited for its own follower).
      expect(await matches(via, value)).toBe(1);
      shareLags.push(...(await Promise.all([1, 2].map((d) => lag((via + d) % 3, value, 1)))));
      const gone = await call((via + 1) % 3, `/v1/hashes/${id}`, { method: 'DELETE' });
      expect((await gone.json()).status).toBe('retracted');
      retractLags.push(...(await Promise.all([0, 2].map((d) => lag((via + 1 + d) % 3, value, 0)))));
    }
    expect(p99(shareLags)).toBeLessThan(1000);
    expect(p99(retractLags)).toBeLessThan(1000);
  });

  it('they made one node key between them, and each publishes it', async () => {
    const sets = await Promise.all(
      nodes.map(async (n) => (await (await fetch(`${n.base}/.well-known/jwks.json`)).json()).keys.map((k: { kid: string }) => k.kid)),
    );
    expect(sets[0]).toHaveLength(1);
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);
  });

  it('refuses at one instance a client assertion already used at another', async () => {
    const assertion = await clientAssertion(`${ISSUER}/v1/oauth/token`, partner.id, partner.jwk);
    const form = () =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
    const first = await fetch(`${nodes[0].base}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(),
    });
    expect(first.status).toBe(200);
    for (const n of nodes.slice(1)) {
      const again = await fetch(`${n.base}/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form() });
      expect(again.status).toBe(401);
      expect((await again.json()).error_description).toMatch(/replayed jti/);
    }
  });

  it('a client suspended through one instance is refused by the others at its next request', async () => {
    const other = await admit(DATABASE_URL, 'partner', 'to be suspended');
    const t2 = await tokenFor(nodes[2].base, ISSUER, other);
    const ping = () => fetch(`${nodes[2].base}/v1/labels`, { headers: { authorization: `Bearer ${t2}` } });
    expect((await ping()).status).toBe(200);
    const res = await fetch(`${nodes[0].base}/v1/admin/clients/${other.id}/suspend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminTokens[0]}` },
    });
    expect(res.status).toBe(200);
    const start = performance.now();
    while ((await ping()).status !== 403) {
      if (performance.now() - start > 1500) throw new Error('instance 2 still serves a suspended client');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('a node key rotated through one instance signs the tokens the others issue', async () => {
    const res = await fetch(`${nodes[1].base}/v1/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${adminTokens[1]}` } });
    expect(res.status).toBe(200);
    const kid = (await res.json()).kid;
    const start = performance.now();
    for (const i of [0, 2]) {
      for (;;) {
        const t = await tokenFor(nodes[i].base, ISSUER, partner);
        if (decodeProtectedHeader(t).kid === kid) break;
        if (performance.now() - start > 1500) throw new Error(`instance ${i} still signs with the old key`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    // Tokens from before the rotation still work everywhere (the retired key stays published).
    expect((await call(2, '/v1/labels')).status).toBe(200);
  });
});
