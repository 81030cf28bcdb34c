/**
 * The node's log, from a real process (`node dist/main.node.js`) through a whole working session:
 * the first admin (made on the node's database, as `admin init` does) admits a partner and an
 * auditor through the API; the partner shares an image, matches it as bytes and as hashes, reads
 * the feed, gives feedback and retracts; credentials are refused in each way a client meets
 * (no token, a forged one, a wrong scope, a replayed assertion, an unknown client, a suspended
 * client); the admin suspends, reactivates and rotates the node's key; then SIGTERM.
 *
 * Then the log is read as an operator would: JSON lines only, one `request` line per request with
 * its request id (the client's, echoed back, or one made by the node), client id, route template,
 * status and duration; an `auth_failure` line with the reason for each refusal; an `admin_action`
 * line for each admin write; start and stop. And it is searched for everything that must never be
 * in it: every access token and client assertion, each member's private key, the node's secret and
 * its signing keys (sealed and opened), and the image's bytes in hex and base64.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@libsql/client';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAssertion } from '../../src/cli/oauth';
import { SecretBox } from '../../src/services/secret-box';
import { noiseImage } from '../support/images';
import { admit, freePort, logLines, startReadyNode, type Member } from '../support/node-process';

type Node = Awaited<ReturnType<typeof startReadyNode>>;
const NODE_SECRET = `log-test-secret-${randomUUID()}-${randomUUID()}`;

let node: Node;
let image: Buffer;
/** Every request sent: the id it carried and what the log line must say about it. */
const sent: { reqId: string; method: string; route: string; status: number; clientId?: string }[] = [];
/** Strings that must never appear in the log. */
const secrets: { what: string; value: string }[] = [{ what: 'NODE_SECRET', value: NODE_SECRET }];

function keep(what: string, value: string | undefined) {
  if (value) secrets.push({ what, value });
}

/** A request with a fresh X-Request-Id, recorded with the route template the log must name. */
async function call(route: string, path: string, init: RequestInit & { expect: number; clientId?: string }): Promise<Response> {
  const reqId = `t-${randomUUID()}`;
  const headers = new Headers(init.headers);
  headers.set('x-request-id', reqId);
  const res = await fetch(`${node.base}${path}`, { ...init, headers });
  expect(res.status, `${init.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(init.expect);
  expect(res.headers.get('x-request-id')).toBe(reqId);
  sent.push({ reqId, method: init.method ?? 'GET', route, status: init.expect, clientId: init.clientId });
  return res;
}

async function assertionOf(m: Member): Promise<string> {
  const a = await clientAssertion(`${node.base}/v1/oauth/token`, m.id, m.jwk);
  keep(`assertion of ${m.id}`, a);
  return a;
}

async function token(m: Member, expectStatus = 200, assertion?: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion ?? (await assertionOf(m)),
  });
  const res = await call('/v1/oauth/token', '/v1/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    expect: expectStatus,
  });
  const body = (await res.json()) as { access_token?: string };
  keep(`access token of ${m.id}`, body.access_token);
  return body.access_token ?? '';
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const json = (t: string) => ({ ...bearer(t), 'content-type': 'application/json' });

function keepKey(who: string, jwk: JWK) {
  keep(`${who} private key d`, jwk.d);
}

async function newKeyPair(): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

let admin: Member;
let partner: Member;
let auditor: Member;

beforeAll(async () => {
  const port = await freePort();
  node = await startReadyNode({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    NODE_SECRET,
    TREE_HEAD_INTERVAL_MS: '0',
    RATE_LIMIT_PER_SECOND: '0',
  });
  image = await noiseImage('jpeg', 256, 192, 17);
}, 60_000);

afterAll(async () => {
  await node?.stop('SIGKILL');
});

describe('a working session against a real node', () => {
  it('the session runs: admin, partner, auditor, refusals, suspension, key rotation', async () => {
    admin = await admit(`file:${node.dir}/node.db`, 'admin', 'Consortium admin');
    keepKey('admin', admin.jwk);
    const adminToken = await token(admin);

    // The admin admits a partner and an auditor from public keys made on their side.
    const p = await newKeyPair();
    keepKey('partner', p.privateJwk);
    const created = await call('/v1/admin/clients', '/v1/admin/clients', {
      method: 'POST',
      headers: json(adminToken),
      body: JSON.stringify({ role: 'partner', name: 'Example Video', jwk: p.publicJwk }),
      expect: 201,
      clientId: admin.id,
    });
    const partnerView = (await created.json()) as { id: string; keys: { kid: string }[] };
    partner = { id: partnerView.id, jwk: { ...p.privateJwk, kid: partnerView.keys[0].kid, alg: 'EdDSA' } };
    const a = await newKeyPair();
    keepKey('auditor', a.privateJwk);
    const auditorView = (await (
      await call('/v1/admin/clients', '/v1/admin/clients', {
        method: 'POST',
        headers: json(adminToken),
        body: JSON.stringify({ role: 'auditor', name: 'Auditor', jwk: a.publicJwk }),
        expect: 201,
        clientId: admin.id,
      })
    ).json()) as { id: string; keys: { kid: string }[] };
    auditor = { id: auditorView.id, jwk: { ...a.privateJwk, kid: auditorView.keys[0].kid, alg: 'EdDSA' } };

    // The partner's day: share an image, match it as bytes and as hashes, feed, feedback, retract.
    const pt = await token(partner);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'found.jpg');
    form.set('labels', 'attack-footage');
    const shared = (await (
      await call('/v1/hashes/media', '/v1/hashes/media', { method: 'POST', headers: bearer(pt), body: form, expect: 201, clientId: partner.id })
    ).json()) as { items: { id: string; type: string; value: string }[] };
    const pdq = shared.items.find((i) => i.type === 'pdq')!;
    const matched = (await (
      await call('/v1/match/media', '/v1/match/media', {
        method: 'POST',
        headers: { ...bearer(pt), 'content-type': 'image/jpeg' },
        body: new Uint8Array(image),
        expect: 200,
        clientId: partner.id,
      })
    ).json()) as { results: { matches: unknown[] }[] };
    expect(matched.results.some((r) => r.matches.length > 0)).toBe(true);
    await call('/v1/match', '/v1/match', {
      method: 'POST',
      headers: json(pt),
      body: JSON.stringify({ hashes: [{ type: 'pdq', value: pdq.value }] }),
      expect: 200,
      clientId: partner.id,
    });
    await call('/v1/hashes', '/v1/hashes?limit=10', { headers: bearer(pt), expect: 200, clientId: partner.id });
    await call('/v1/hashes/:id/feedback', `/v1/hashes/${pdq.id}/feedback`, {
      method: 'POST',
      headers: json(pt),
      body: JSON.stringify({ verdict: 'confirm' }),
      expect: 200,
      clientId: partner.id,
    });
    await call('/v1/hashes/:id', `/v1/hashes/${pdq.id}`, { method: 'DELETE', headers: bearer(pt), expect: 200, clientId: partner.id });

    // Refusals.
    await call('/v1/match', '/v1/match', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hashes":[]}', expect: 401 });
    const { privateKey: stranger } = await generateKeyPair('EdDSA');
    const forged = await new SignJWT({ scope: 'match' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'nope' })
      .setSubject(partner.id)
      .setIssuer(node.base)
      .setAudience(node.base)
      .setExpirationTime('5m')
      .sign(stranger);
    keep('forged token', forged);
    await call('/v1/match', '/v1/match', { method: 'POST', headers: json(forged), body: '{"hashes":[]}', expect: 401 });
    const at = await token(auditor);
    await call('/v1/match', '/v1/match', { method: 'POST', headers: json(at), body: '{"hashes":[]}', expect: 403 });
    const used = await assertionOf(partner);
    await token(partner, 200, used);
    await token(partner, 401, used); // replayed
    const unknown = { id: randomUUID(), jwk: { ...p.privateJwk, kid: 'x', alg: 'EdDSA' } };
    await token(unknown, 401);

    // Admin actions: suspend the partner (its token stops at once), reactivate, rotate the node's key.
    await call('/v1/admin/clients/:id/suspend', `/v1/admin/clients/${partner.id}/suspend`, {
      method: 'POST',
      headers: bearer(adminToken),
      expect: 200,
      clientId: admin.id,
    });
    await call('/v1/hashes', '/v1/hashes', { headers: bearer(pt), expect: 403 });
    await call('/v1/admin/clients/:id/reactivate', `/v1/admin/clients/${partner.id}/reactivate`, {
      method: 'POST',
      headers: bearer(adminToken),
      expect: 200,
      clientId: admin.id,
    });
    await call('/v1/admin/keys/rotate', '/v1/admin/keys/rotate', { method: 'POST', headers: bearer(adminToken), expect: 200, clientId: admin.id });
    await call('/v1/audit/tree-head', '/v1/audit/tree-head?fresh=true', { headers: bearer(at), expect: 200, clientId: auditor.id });

    // A request id that is not a plain short token is replaced by one of the node's.
    const long = await fetch(`${node.base}/health`, { headers: { 'x-request-id': `${'a'.repeat(65)}` } });
    const made = long.headers.get('x-request-id')!;
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    sent.push({ reqId: made, method: 'GET', route: '/health', status: long.status });
    const spaced = await fetch(`${node.base}/v1/nowhere/${randomUUID()}`, { headers: { 'x-request-id': 'has spaces' } });
    sent.push({ reqId: spaced.headers.get('x-request-id')!, method: 'GET', route: '(unmatched)', status: 404 });

    await node.stop('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });

    // The node's own signing keys (both, after the rotation): sealed in the database, and opened.
    const db = createClient({ url: `file:${node.dir}/node.db` });
    const rows = (await db.execute('SELECT kid, private_jwk FROM node_keys')).rows;
    db.close();
    expect(rows).toHaveLength(2);
    const box = new SecretBox(NODE_SECRET);
    for (const r of rows) {
      keep(`node key ${r.kid} sealed`, String(r.private_jwk));
      keep(`node key ${r.kid} d`, (JSON.parse(await box.open(String(r.private_jwk))) as JWK).d);
    }
  }, 120_000);

  it('the log is JSON lines: start, one request line per request, stop', () => {
    const raw = node.stdout().trim().split('\n');
    for (const l of raw) expect(() => JSON.parse(l), l).not.toThrow();
    const lines = logLines(node);
    expect(lines[0]).toMatchObject({
      level: 'info',
      event: 'start',
      msg: expect.stringMatching(/^media-hash-node listening on http:\/\/127\.0\.0\.1:\d+, starting/),
    });
    expect(lines.at(-1)).toMatchObject({ level: 'info', event: 'stop', signal: 'SIGTERM' });
    for (const l of lines) expect(Date.parse(String(l.time)), JSON.stringify(l)).not.toBeNaN();

    const requests = lines.filter((l) => l.event === 'request');
    for (const s of sent) {
      const mine = requests.filter((l) => l.reqId === s.reqId);
      expect(mine, `${s.method} ${s.route}`).toHaveLength(1);
      expect(mine[0]).toMatchObject({ method: s.method, route: s.route, status: s.status, durationMs: expect.any(Number) });
      if (s.clientId) expect(mine[0].clientId).toBe(s.clientId);
      else expect(mine[0].clientId).toBeUndefined();
    }
    // Nothing but these requests and the harness's readiness probes of /health (answered under the
    // route `(starting)` while the database opens).
    const others = requests.filter((l) => !sent.some((s) => s.reqId === l.reqId));
    expect(others.filter((l) => !(l.method === 'GET' && (l.route === '/health' || l.route === '(starting)')))).toEqual([]);
  });

  it("each refused credential has an auth_failure line with the node's reason", () => {
    const failures = logLines(node).filter((l) => l.event === 'auth_failure');
    const reasons = failures.map((f) => `${f.status} ${f.code}: ${f.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^401 unauthenticated: send Authorization: Bearer/),
      expect.stringMatching(/^401 invalid_token: /),
      expect.stringMatching(/^403 insufficient_scope: this operation needs the scope "match"/),
      expect.stringMatching(/^401 invalid_client: client assertion already used \(replayed jti\)/),
      expect.stringMatching(/^401 invalid_client: unknown client$/),
      expect.stringMatching(/^403 client_suspended: /),
    ]);
    expect(failures.every((f) => f.level === 'warn' && typeof f.reqId === 'string' && typeof f.route === 'string')).toBe(true);
    // Who failed to get a token: the client id the assertion claimed.
    expect(failures.filter((f) => f.route === '/v1/oauth/token').map((f) => f.claimedClientId)).toEqual([partner.id, expect.any(String)]);
  });

  it('each admin write has an admin_action line: who, what, on what, the outcome', () => {
    const actions = logLines(node).filter((l) => l.event === 'admin_action');
    expect(actions.map((a) => [a.actor, a.action, a.status])).toEqual([
      [admin.id, 'POST /v1/admin/clients', 201],
      [admin.id, 'POST /v1/admin/clients', 201],
      [admin.id, 'POST /v1/admin/clients/:id/suspend', 200],
      [admin.id, 'POST /v1/admin/clients/:id/reactivate', 200],
      [admin.id, 'POST /v1/admin/keys/rotate', 200],
    ]);
    expect(actions.slice(0, 2).map((a) => a.resultId)).toEqual([partner.id, auditor.id]);
    expect(actions[2].target).toEqual({ id: partner.id });
  });

  it('holds no token, assertion, private key, secret or image bytes', () => {
    const log = node.stdout() + node.stderr();
    // NODE_SECRET, 3 members' private keys, 5 assertions, 4 tokens, the forged one, 2 node keys sealed and open
    expect(secrets.length).toBe(18);
    for (const s of secrets) expect(log.includes(s.value), s.what).toBe(false);
    // Any run of 32 image bytes as hex holds one of these 16-byte aligned blocks; any run of 36
    // bytes in base64 (either alphabet) holds one of these 24-character windows of some alignment.
    const windows: string[] = [];
    const hex = image.toString('hex');
    for (let i = 0; i + 32 <= hex.length; i += 32) windows.push(hex.slice(i, i + 32));
    for (let shift = 0; shift < 3; shift++) {
      for (const enc of ['base64', 'base64url'] as const) {
        const b = image.subarray(shift).toString(enc);
        for (let i = 0; i + 24 <= b.length; i += 24) windows.push(b.slice(i, i + 24));
      }
    }
    expect(windows.length).toBeGreaterThan(1000);
    const found = (text: string) => windows.filter((w) => text.includes(w) || text.includes(w.toUpperCase()));
    expect(found(log)).toEqual([]);
    // The search can fail: 40 bytes from the middle of the image, in each encoding, are caught.
    const piece = image.subarray(1001, 1041);
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(found(`{"x":"${piece.toString(enc)}"}`).length, enc).toBeGreaterThan(0);
  });
});
