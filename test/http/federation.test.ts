/**
 * Federation through the real apps, in process: node A serves its signed feed, node B pulls it
 * (B's puller talks to A's app and A fetches B's JWKS from B's app, through a fetch that routes by
 * host). Real keys, real tokens, real databases; the multi-process tests are in
 * test/runtime/federation.test.ts.
 */
import { createHash } from 'node:crypto';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PULLER, FEDERATION_MAX_LIMIT, PEER_MIN_LIMIT, Puller, type PullerDeps } from '../../src/services/federation';
import { cursorAfter, encodeCursor } from '../../src/services/feed';
import { prefixDigest } from '../../src/core/url';
import { magazine, makePdf, prose } from '../support/pdf';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';

const A_URL = ISSUER; // http://node.test
const B_URL = 'http://b.test';
/** Hashes far apart (a SHA-256 each), so that PDQ matching finds only the one asked for. */
const hex = (n: number) => createHash('sha256').update(`fed-${n}`).digest('hex');

let a: TestApp;
let b: TestApp;
let peerId: string;
const apps = new Map<string, () => TestApp>();
/** What went over the wire from B to A: the feed answers (a test may tamper with them). */
let tamper: ((body: { batch: string; nextCursor: string; more: boolean }) => { batch: string; nextCursor: string; more: boolean }) | null = null;

const route = async (url: string, init: RequestInit): Promise<Response> => {
  const host = new URL(url).origin;
  const app = apps.get(host)?.();
  if (!app) throw new TypeError(`fetch failed: no node at ${host}`);
  const res = await app.app.request(url, init);
  if (tamper && url.includes('/v1/federation/feed') && res.status === 200) return Response.json(tamper(await res.json()));
  return res;
};

async function adminOf(t: TestApp) {
  return t.as('admin', 'fed-admin');
}

beforeAll(async () => {
  a = await makeTestApp({}, { fetch: route });
  b = await makeTestApp({ PUBLIC_URL: B_URL, TOKEN_AUDIENCES: ISSUER }, { fetch: route });
  apps.set(A_URL, () => a);
  apps.set(B_URL, () => b);
  // A admits B as a peer client by B's JWKS URL; B adds A as a peer with the client id A gave it.
  const client = await a.request(
    '/v1/admin/clients',
    json('POST', { role: 'peer', name: 'node B', jwksUrl: `${B_URL}/.well-known/jwks.json` }, await adminOf(a)),
  );
  expect(client.status).toBe(201);
  const made = await client.json();
  expect(made).toMatchObject({ role: 'peer', jwksUrl: `${B_URL}/.well-known/jwks.json`, keys: [] });
  const peer = await b.request('/v1/admin/peers', json('POST', { url: `${A_URL}/`, clientId: made.id, intervalMs: 1000 }, await adminOf(b)));
  expect(peer.status).toBe(201);
  const p = await peer.json();
  expect(p).toMatchObject({ url: A_URL, clientId: made.id, intervalMs: 1000, labels: null, matching: true, status: 'active', cursor: '' });
  peerId = p.id;
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const pull = () => b.rt.puller.pullUntilCaughtUp(peerId);
const matchAtB = async (value: string, type = 'pdq') =>
  (await (await b.request('/v1/match', json('POST', { hashes: [{ type, value }] }))).json()).results[0].matches as Record<string, unknown>[];
const peerAtB = async () => (await (await b.request(`/v1/admin/peers/${peerId}`, { headers: await adminOf(b) })).json()) as Record<string, unknown>;
const auditAt = async (t: TestApp) => (await t.rt.deps.log.auditEntries(0, await t.rt.deps.log.auditSize())).map((e) => JSON.parse(e.entry));

/** A second puller at B, on B's database and keys, reaching A through `fetch`. */
const pullerAtB = (
  fetch: (url: string, init: RequestInit) => Promise<Response>,
  settings: Partial<typeof DEFAULT_PULLER>,
  ledger: PullerDeps['ledger'] = b.rt.deps.ledger,
) => {
  const { federation, keyring, remoteJwks, issuer } = b.rt.deps;
  return new Puller({
    ledger,
    federation,
    keyring,
    remoteJwks,
    follower: b.rt.follower,
    fetch,
    now: () => b.clock.now(),
    newId: () => crypto.randomUUID(),
    random: () => 0.5,
    issuer,
    settings: { ...DEFAULT_PULLER, ...settings },
  });
};
describe('the signed feed and the puller', () => {
  it('a hash shared at A matches at B after a pull, naming its origin and its labels and contributors there', async () => {
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(1), labels: ['attack-footage'], externalId: 'case-1' }] }));
    a.clock.advance(1000);
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(1), labels: ['glorification'] }] }, await a.as('partner', 'second')));
    expect(await pull()).toBe(2);
    const m = await matchAtB(hex(1));
    expect(m).toEqual([expect.objectContaining({ value: hex(1), distance: 0, origin: A_URL, labels: ['attack-footage', 'glorification'], contributors: 2 })]);
    expect(await peerAtB()).toMatchObject({ pulledItems: 2, failures: 0, lastError: null, cursor: expect.any(String) });
    // One federation.pull audit entry at B naming the range, the count and the batch's hash.
    const pulls = (await auditAt(b)).filter((e) => e.action === 'federation.pull');
    expect(pulls).toHaveLength(1);
    expect(pulls[0].content).toEqual({ origin: A_URL, from: '', to: expect.any(String), items: 2, jwsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("the feed is a compact JWS signed by A's current key, verifiable with A's JWKS", async () => {
    const peerToken = await a.token(await a.client('peer'));
    const res = await a.request('/v1/federation/feed?limit=10', { headers: { authorization: `Bearer ${peerToken}` } });
    expect(res.status).toBe(200);
    const body = await res.json();
    const h = decodeProtectedHeader(body.batch);
    expect(h).toMatchObject({ alg: 'EdDSA', typ: 'hash-batch+jws', kid: (await a.rt.deps.keyring.signingKey()).kid });
    const payload = JSON.parse(Buffer.from(body.batch.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ origin: A_URL, from: '', to: body.nextCursor });
    expect(payload.items[0]).toEqual({ op: 'add', type: 'pdq', value: hex(1), labels: ['attack-footage'], contributors: 1, externalId: 'case-1' });
    // A partner cannot read it (scope federation:read).
    expect((await a.request('/v1/federation/feed')).status).toBe(403);
    // A cursor past the end of A's change log (another node's, or from before A's database was restored): 409, not an empty batch.
    const end = await a.rt.deps.hashes.lastChange();
    const ahead = await a.request(`/v1/federation/feed?cursor=${encodeCursor(end + 1)}`, { headers: { authorization: `Bearer ${peerToken}` } });
    expect(ahead.status).toBe(409);
    expect((await ahead.json()).detail).toMatch(/^cursor is ahead of this node's change log/);
  });

  it('a retraction at A stops matching at B; a relabel follows', async () => {
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(2), labels: ['manifesto'] }] }));
    await pull();
    expect(await matchAtB(hex(2))).toHaveLength(1);
    const id = (await (await a.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: hex(2) }] }))).json()).results[0].matches[0].id;
    expect((await a.request(`/v1/hashes/${id}`, { method: 'DELETE' })).status).toBe(200);
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(1), labels: ['recruitment'] }] }));
    await pull();
    expect(await matchAtB(hex(2))).toEqual([]);
    expect((await matchAtB(hex(1)))[0]).toMatchObject({ labels: ['glorification', 'recruitment'], contributors: 2 });
  });

  it("pulled hashes are never re-served; a local member sharing the same hash adds its own record beside the origin's", async () => {
    const peerToken = await b.token(await b.client('peer'));
    const served = async () => {
      const body = await (await b.request('/v1/federation/feed', { headers: { authorization: `Bearer ${peerToken}` } })).json();
      return JSON.parse(Buffer.from(body.batch.split('.')[1], 'base64url').toString()).items as { value: string }[];
    };
    expect(await served()).toEqual([]);
    await b.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(1), labels: ['instruction'] }] }));
    expect((await served()).map((i) => i.value)).toEqual([hex(1)]);
    const m = await matchAtB(hex(1));
    expect(m.map((x) => [x.origin ?? 'B', x.labels])).toEqual(
      expect.arrayContaining([
        [A_URL, ['glorification', 'recruitment']],
        ['B', ['instruction']],
      ]),
    );
    // A local member may give feedback on a pulled hash.
    const pulled = m.find((x) => x.origin === A_URL)!;
    expect((await b.request(`/v1/hashes/${pulled.id}/feedback`, json('POST', { verdict: 'confirm' }))).status).toBe(200);
  });

  it("matching switched off at B hides the peer's hashes at once and keeps them; on again, they match", async () => {
    const admin = await adminOf(b);
    const off = await b.request(`/v1/admin/peers/${peerId}`, json('PATCH', { matching: false }, admin));
    expect(off.status).toBe(200);
    expect((await matchAtB(hex(1))).map((x) => x.origin ?? 'B')).toEqual(['B']);
    await b.request(`/v1/admin/peers/${peerId}`, json('PATCH', { matching: true }, admin));
    expect((await matchAtB(hex(1))).map((x) => x.origin ?? 'B').sort()).toEqual([A_URL, 'B'].sort());
    const actions = (await auditAt(b)).filter((e) => e.subject.kind === 'peer' && e.action.startsWith('peer.')).map((e) => [e.action, e.content]);
    expect(actions).toEqual([
      ['peer.add', { url: A_URL, clientId: expect.any(String), intervalMs: 1000, labels: null, matching: true, status: 'active' }],
      ['peer.update', { matching: false }],
      ['peer.update', { matching: true }],
    ]);
  });

  it('labels not accepted from a peer are not stored; a hash left with none is not taken', async () => {
    const admin = await adminOf(b);
    await b.request(`/v1/admin/peers/${peerId}`, json('PATCH', { labels: ['attack-footage'] }, admin));
    await a.request(
      '/v1/hashes',
      json('POST', {
        items: [
          { type: 'pdq', value: hex(3), labels: ['attack-footage', 'manifesto'] },
          { type: 'pdq', value: hex(4), labels: ['manifesto'] },
        ],
      }),
    );
    await pull();
    expect((await matchAtB(hex(3)))[0]).toMatchObject({ origin: A_URL, labels: ['attack-footage'] });
    expect(await matchAtB(hex(4))).toEqual([]);
    // A relabel at A that leaves none of the labels taken retracts the hash here.
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(3), labels: ['manifesto'] }] }));
    await pull();
    expect(await matchAtB(hex(3))).toEqual([]);
    await b.request(`/v1/admin/peers/${peerId}`, json('PATCH', { labels: null }, admin));
  });

  it('a batch that fails verification is refused whole: nothing written, recorded once, retried', async () => {
    await a.request(
      '/v1/hashes',
      json('POST', {
        items: [
          { type: 'pdq', value: hex(10), labels: ['manifesto'] },
          { type: 'md5', value: hex(11).slice(32), labels: ['manifesto'] },
        ],
      }),
    );
    const before = await peerAtB();
    const changesBefore = await b.rt.deps.hashes.lastChange();
    const [auditBefore] = [await b.rt.deps.log.auditSize()];
    const forger = await generateKeyPair('EdDSA');
    const cases: [
      string,
      (x: { batch: string; nextCursor: string; more: boolean }) => Promise<{ batch: string; nextCursor: string; more: boolean }>,
      RegExp,
    ][] = [
      [
        'one byte of the payload changed',
        async (x) => {
          const [h, p, s] = x.batch.split('.');
          const bytes = Buffer.from(p, 'base64url');
          bytes[bytes.length - 3] ^= 1;
          return { ...x, batch: `${h}.${bytes.toString('base64url')}.${s}` };
        },
        /signature does not verify/,
      ],
      [
        "signed by a key not in A's JWKS",
        async (x) => {
          const payload = Buffer.from(x.batch.split('.')[1], 'base64url');
          const kid = (await exportJWK(forger.publicKey)).x!;
          return { ...x, batch: await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'hash-batch+jws', kid }).sign(forger.privateKey) };
        },
        /does not publish/,
      ],
      [
        "signed by A's key, but with a gap in the cursor chain",
        async (x) => {
          const payload = JSON.parse(Buffer.from(x.batch.split('.')[1], 'base64url').toString());
          payload.from = encodeCursor(1);
          const { kid, key } = await a.rt.deps.keyring.signingKey();
          return {
            ...x,
            batch: await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', typ: 'hash-batch+jws', kid }).sign(key),
          };
        },
        /gap or an overlap/,
      ],
    ];
    for (const [what, change, reason] of cases) {
      // The batch A would serve B now, changed, served instead.
      const real = await (
        await a.request(`/v1/federation/feed?limit=1000${before.cursor ? `&cursor=${encodeURIComponent(String(before.cursor))}` : ''}`, {
          headers: { authorization: `Bearer ${await a.token(await a.client('peer'))}` },
        })
      ).json();
      const bad = await change(real);
      tamper = () => bad;
      await expect(pull(), what).rejects.toThrow(reason);
      tamper = null;
      // Nothing of it applied: the cursor, the change log, the hashes as before.
      const now = await peerAtB();
      expect(now.cursor, what).toBe(before.cursor);
      expect(await b.rt.deps.hashes.lastChange(), what).toBe(changesBefore);
      expect(await matchAtB(hex(10)), what).toEqual([]);
    }
    // pullUntilCaughtUp throws without recording; the loop records. Run one loop turn's failure path:
    await b.rt.deps.ledger.recordPullFailure({
      at: b.clock.now(),
      peerId,
      error: 'batch refused: test',
      refused: { origin: A_URL, from: String(before.cursor), jwsSha256: null },
    });
    await b.rt.deps.ledger.recordPullFailure({
      at: b.clock.now(),
      peerId,
      error: 'batch refused: test',
      refused: { origin: A_URL, from: String(before.cursor), jwsSha256: null },
    });
    const refusals = (await auditAt(b)).slice(auditBefore).filter((e) => e.action === 'federation.refuse');
    expect(refusals).toHaveLength(1);
    expect(await peerAtB()).toMatchObject({ failures: 2, lastError: 'batch refused: test' });
    // The untampered batch is then taken, whole.
    expect(await pull()).toBe(2);
    expect(await matchAtB(hex(10))).toHaveLength(1);
    expect(await peerAtB()).toMatchObject({ failures: 0, lastError: null });
  });

  it('a backlog pulled by the loop in small batches, answers fetched ahead: each batch applied once, in order; a lying nextCursor applies nothing', async () => {
    const values = Array.from({ length: 7 }, (_, i) => hex(100 + i));
    for (const v of values) await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['recruitment'] }] }));
    const end = await cursorAfter(a.rt.deps, await a.rt.deps.hashes.lastChange());
    const auditBefore = await b.rt.deps.log.auditSize();
    // A second puller at B on the same database, asking for 2 items a batch, counting what it asks A for.
    const asked: string[] = [];
    const counting = (url: string, init: RequestInit) => {
      if (url.includes('/v1/federation/feed')) asked.push(new URL(url).searchParams.get('cursor') ?? '');
      return route(url, init);
    };
    const small = pullerAtB(counting, { batchLimit: 2, backoffBaseMs: 60_000 });
    const reached = async (cursor: string) => {
      for (let i = 0; i < 200 && (await peerAtB()).cursor !== cursor; i++) await new Promise((r) => setTimeout(r, 25));
      return (await peerAtB()).cursor;
    };
    await small.start();
    try {
      expect(await reached(end)).toBe(end);
    } finally {
      small.stop();
    }
    for (const v of values) expect(await matchAtB(v), v).toHaveLength(1);
    // Batches of 2 (and the last of 1), each one commit: a chain of ranges, every item once.
    const pulls = (await auditAt(b)).slice(auditBefore).filter((e) => e.action === 'federation.pull');
    expect(pulls.map((e) => e.content.items)).toEqual([2, 2, 2, 1]);
    pulls.slice(1).forEach((e, i) => expect(e.content.from).toBe(pulls[i].content.to));
    expect(pulls.at(-1)?.content.to).toBe(end);
    // Each answer asked for once (none fetched twice, none thrown away).
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.length).toBeGreaterThanOrEqual(4);

    // An answer whose nextCursor is not its signed "to": its batch is refused, and the answer fetched
    // ahead from that cursor is never used.
    const more = Array.from({ length: 3 }, (_, i) => hex(200 + i));
    for (const v of more) await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['recruitment'] }] }));
    const lie = encodeCursor(await a.rt.deps.hashes.lastChange());
    const cursorBefore = (await peerAtB()).cursor;
    const changesBefore = await b.rt.deps.hashes.lastChange();
    tamper = (x) => ({ ...x, nextCursor: lie, more: true });
    const liar = pullerAtB(counting, { batchLimit: 2, backoffBaseMs: 60_000 });
    asked.length = 0;
    await liar.start();
    try {
      for (let i = 0; i < 200 && ((await peerAtB()).lastError === null || !asked.includes(lie)); i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      liar.stop();
      tamper = null;
    }
    expect(await peerAtB()).toMatchObject({ cursor: cursorBefore, lastError: expect.stringMatching(/nextCursor differs from the signed "to" cursor/) });
    expect(asked).toContain(lie); // fetched ahead from the cursor the answer named...
    expect(await b.rt.deps.hashes.lastChange()).toBe(changesBefore); // ...and nothing applied
    for (const v of more) expect(await matchAtB(v), v).toEqual([]);
    // Honest again, the next pull takes them.
    expect(await pull()).toBe(3);
    for (const v of more) expect(await matchAtB(v), v).toHaveLength(1);
  });

  it('the loop reads the next batch while one is written: a hash in consecutive batches (added, then a second contributor) is applied without a failed commit', async () => {
    const v = hex(400);
    const w = hex(401);
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['recruitment'] }] }));
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['glorification'] }] }, await a.as('partner', 'pipeline-second')));
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: w, labels: ['recruitment'] }] }));
    const end = await cursorAfter(a.rt.deps, await a.rt.deps.hashes.lastChange());
    const auditBefore = await b.rt.deps.log.auditSize();
    // Each commit starts 150 ms late, so the next batch is read while one has not been written yet.
    const real = b.rt.deps.ledger;
    const late = new Proxy(real, {
      get: (t, prop) =>
        prop === 'applyPull'
          ? async (input: Parameters<typeof real.applyPull>[0]) => {
              await new Promise((r) => setTimeout(r, 150));
              return t.applyPull(input);
            }
          : Reflect.get(t, prop, t),
    });
    const one = pullerAtB(route, { batchLimit: 1, backoffBaseMs: 60_000 }, late);
    await one.start();
    try {
      for (let i = 0; i < 200 && (await peerAtB()).cursor !== end; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      one.stop();
    }
    // Had the second batch's read marked v as new (no row yet: the first was still being written),
    // its commit would have failed on the unique key, been recorded, and waited a minute's backoff.
    expect(await peerAtB()).toMatchObject({ cursor: end, failures: 0, lastError: null });
    const pulls = (await auditAt(b)).slice(auditBefore).filter((e) => e.action === 'federation.pull');
    expect(pulls.map((e) => e.content.items)).toEqual([1, 1, 1]);
    expect(await matchAtB(v)).toEqual([expect.objectContaining({ origin: A_URL, labels: ['glorification', 'recruitment'], contributors: 2 })]);
    expect(await matchAtB(w)).toEqual([expect.objectContaining({ origin: A_URL, labels: ['recruitment'], contributors: 1 })]);
  });

  it("a commit that fails while the next batch is refused: the commit's failure is what the loop records", async () => {
    const values = [hex(410), hex(411)];
    for (const v of values) await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['recruitment'] }] }));
    const before = await peerAtB();
    const auditBefore = await b.rt.deps.log.auditSize();
    // The first batch's commit fails after 150 ms (as a busy database would); the answer after it lies about its next cursor.
    const real = b.rt.deps.ledger;
    const failing = new Proxy(real, {
      get: (t, prop) =>
        prop === 'applyPull'
          ? async () => {
              await new Promise((r) => setTimeout(r, 150));
              throw new Error('database is locked (test)');
            }
          : Reflect.get(t, prop, t),
    });
    let answers = 0;
    tamper = (x) => (++answers === 2 ? { ...x, nextCursor: 'feed:lie' } : x);
    const p = pullerAtB(route, { batchLimit: 1, backoffBaseMs: 60_000 }, failing);
    await p.start();
    try {
      for (let i = 0; i < 200 && (await peerAtB()).lastError === before.lastError; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      p.stop();
      tamper = null;
    }
    expect(answers).toBeGreaterThanOrEqual(2);
    expect(await peerAtB()).toMatchObject({ cursor: before.cursor, lastError: expect.stringMatching(/database is locked \(test\)/) });
    expect((await auditAt(b)).slice(auditBefore).filter((e) => e.action === 'federation.refuse')).toEqual([]);
    // Both taken by the next pull.
    expect(await pull()).toBe(2);
    for (const v of values) expect(await matchAtB(v), v).toHaveLength(1);
  });

  it('batches of up to 5000 served; a peer that serves at most 1000 refuses the larger limit and is asked for 1000 from then on', async () => {
    const token = await a.as('peer', 'limit-peer');
    expect((await a.request(`/v1/federation/feed?limit=${FEDERATION_MAX_LIMIT}`, { headers: token })).status).toBe(200);
    const over = await a.request(`/v1/federation/feed?limit=${FEDERATION_MAX_LIMIT + 1}`, { headers: token });
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ errors: [{ path: 'limit', message: `limit must be a whole number from 1 to ${FEDERATION_MAX_LIMIT}` }] });

    const values = Array.from({ length: 3 }, (_, i) => hex(300 + i));
    for (const v of values) await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: v, labels: ['recruitment'] }] }));
    // A as a node that serves at most PEER_MIN_LIMIT items a batch answers a larger limit as it did.
    const asked: number[] = [];
    const older = async (url: string, init: RequestInit) => {
      if (!url.includes('/v1/federation/feed')) return route(url, init);
      const limit = Number(new URL(url).searchParams.get('limit'));
      asked.push(limit);
      if (limit <= PEER_MIN_LIMIT) return route(url, init);
      const message = `limit must be a whole number from 1 to ${PEER_MIN_LIMIT}`;
      return Response.json({ status: 400, code: 'invalid_request', detail: message, errors: [{ path: 'limit', message }] }, { status: 400 });
    };
    const puller = pullerAtB(older, { batchLimit: FEDERATION_MAX_LIMIT });
    expect(await puller.pullUntilCaughtUp(peerId)).toBe(3);
    expect(asked).toEqual([FEDERATION_MAX_LIMIT, PEER_MIN_LIMIT]);
    for (const v of values) expect(await matchAtB(v), v).toHaveLength(1);
    // Remembered: the next pull asks for 1000 at once. Another refusal (any other problem) fails the pull, named.
    expect(await puller.pullUntilCaughtUp(peerId)).toBe(0);
    expect(asked.slice(2)).toEqual([PEER_MIN_LIMIT]);
    const refusing = pullerAtB(
      async (url, init) =>
        url.includes('/v1/federation/feed')
          ? Response.json(
              {
                status: 400,
                code: 'invalid_request',
                detail: 'cursor is not one this node issued',
                errors: [{ path: 'cursor', message: 'not a valid cursor' }],
              },
              { status: 400 },
            )
          : route(url, init),
      { batchLimit: FEDERATION_MAX_LIMIT },
    );
    await expect(refusing.pullUntilCaughtUp(peerId)).rejects.toThrow('the peer answered HTTP 400 (invalid_request: cursor is not one this node issued)');
  });

  it("peers under concurrent admin requests: one peer per URL, one audit entry per real change, bad input refused in the node's words", async () => {
    const admin = await adminOf(b);
    const url = 'https://c.example';
    const adds = await Promise.all(Array.from({ length: 12 }, (_, i) => b.request('/v1/admin/peers', json('POST', { url, clientId: `c-${i}` }, admin))));
    expect(adds.map((r) => r.status).sort()).toEqual([201, ...Array(11).fill(409)]);
    const made = await adds.find((r) => r.status === 201)!.json();
    const pauses = await Promise.all(Array.from({ length: 12 }, () => b.request(`/v1/admin/peers/${made.id}/pause`, { method: 'POST', headers: admin })));
    expect(pauses.every((r) => r.status === 200)).toBe(true);
    const offs = await Promise.all(
      Array.from({ length: 12 }, () => b.request(`/v1/admin/peers/${made.id}`, json('PATCH', { matching: false, intervalMs: 5000 }, admin))),
    );
    expect(offs.every((r) => r.status === 200)).toBe(true);
    expect(await (await b.request(`/v1/admin/peers/${made.id}`, { headers: admin })).json()).toMatchObject({
      status: 'paused',
      matching: false,
      intervalMs: 5000,
      url,
    });
    const entries = (await auditAt(b)).filter((e) => e.subject.id === made.id).map((e) => e.action);
    expect(entries).toEqual(['peer.add', 'peer.pause', 'peer.update']);
    const removed = await Promise.all(Array.from({ length: 6 }, () => b.request(`/v1/admin/peers/${made.id}`, { method: 'DELETE', headers: admin })));
    expect(removed.map((r) => r.status).sort()).toEqual([200, 404, 404, 404, 404, 404]);
    expect((await auditAt(b)).filter((e) => e.subject.id === made.id).map((e) => e.action)).toEqual(['peer.add', 'peer.pause', 'peer.update', 'peer.remove']);
    // The URL is free again once removed; bad input is a 400 naming the field.
    const bad: [unknown, string][] = [
      [{ url: 'ftp://x.example', clientId: 'x' }, 'url'],
      [{ url, clientId: 'x', labels: ['no-such-label'] }, 'labels/0'],
      [{ url, clientId: 'x', intervalMs: 5 }, 'intervalMs'],
      [{ url: B_URL, clientId: 'x' }, 'url'],
      [{ url, clientId: 'x\u0000' }, 'clientId'],
    ];
    for (const [body, path] of bad) {
      const res = await b.request('/v1/admin/peers', json('POST', body, admin));
      expect(res.status, JSON.stringify(body)).toBe(400);
      const p = await res.json();
      expect(p.errors?.[0]?.path ?? p.code, JSON.stringify(body)).toBe(path);
    }
    expect((await b.request('/v1/admin/peers', json('POST', { url, clientId: 'again' }, admin))).status).toBe(201);
    expect((await b.request('/v1/admin/peers/nobody/pause', { method: 'POST', headers: admin })).status).toBe(404);
    // A client registered by JWKS URL must be a peer, and takes no key of its own.
    const client = await a.request(
      '/v1/admin/clients',
      json('POST', { role: 'partner', name: 'x', jwksUrl: `${B_URL}/.well-known/jwks.json` }, await adminOf(a)),
    );
    expect(client.status).toBe(400);
  });
});

describe('documents, text and links across the federation', () => {
  it('a PDF shared at A (its pages, tlsh, digests), a text and a folder of links reach B and match there as at A', async () => {
    const issue = await makePdf(magazine(31, 4));
    const form = new FormData();
    form.set('file', new Blob([issue], { type: 'application/pdf' }), 'issue.pdf');
    form.set('labels', 'branded-publication');
    const shared = await a.request('/v1/hashes/media', { method: 'POST', headers: await a.as('partner', 'docs'), body: form });
    expect(shared.status).toBe(201);
    const pdf = await shared.json();
    expect(pdf.items.map((i: { type: string }) => i.type)).toEqual(['pdf', 'tlsh', 'md5', 'sha256']);
    const text = prose(913, 1500);
    const textShare = new FormData();
    textShare.set('file', new Blob([text], { type: 'text/plain' }), 'manifesto.txt');
    textShare.set('labels', 'manifesto');
    expect((await a.request('/v1/hashes/media', { method: 'POST', headers: await a.as('partner', 'docs'), body: textShare })).status).toBe(201);
    const links = await a.request(
      '/v1/hashes',
      json('POST', { items: [{ type: 'url', url: 'https://t.me/s/docschannel', scope: 'prefix', labels: ['recruitment'] }] }),
    );
    expect(links.status).toBe(201);
    // Eight hashes: the PDF's pdf (with its pages), tlsh, md5 and sha256; the text's tlsh, md5 and sha256; the folder's url.
    expect(await pull()).toBe(8);

    // The same PDF posted at B: its pages match (the document rule), its text and its exact digests too, all from A.
    const res = await b.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: issue });
    expect(res.status).toBe(200);
    const results = (await res.json()).results as { query: { type: string }; matches: Record<string, unknown>[] }[];
    const byType = (t: string) => results.find((r) => r.query.type === t)?.matches ?? [];
    expect(byType('pdf')[0]).toMatchObject({
      value: pdf.items[0].value,
      origin: A_URL,
      labels: ['branded-publication'],
      document: { queryMatchPercent: 100, candidateMatchPercent: 100 },
    });
    expect(byType('tlsh')[0]).toMatchObject({ value: pdf.items[1].value, origin: A_URL, distance: 0 });
    expect(byType('sha256')[0]).toMatchObject({ value: pdf.items[3].value, origin: A_URL });
    // The text, edited, matches by its tlsh at B; a URL under the shared folder matches its scope.
    const edited = await b.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text.toUpperCase() });
    const tl = ((await edited.json()).results as { query: { type: string }; matches: Record<string, unknown>[] }[]).find((r) => r.query.type === 'tlsh');
    expect(tl?.matches[0]).toMatchObject({ origin: A_URL, labels: ['manifesto'] });
    const url = await b.request('/v1/match', json('POST', { hashes: [{ type: 'url', url: 'https://t.me/s/docschannel/42' }] }));
    expect((await url.json()).results[0].matches).toEqual([
      expect.objectContaining({ value: prefixDigest('https://t.me/s/docschannel/'), origin: A_URL, url: expect.objectContaining({ scope: 'prefix' }) }),
    ]);
  });
});
