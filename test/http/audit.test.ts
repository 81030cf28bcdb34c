/**
 * The audit log through its front door (DESIGN §7): every change leaves one canonical-JSON entry and
 * match queries only a count; the signed tree head verifies with the JWKS and commits to exactly the
 * served entries; inclusion and consistency proofs verify; bad parameters and the wrong role are
 * refused; the export is the entries. Last, a change and its audit entry land together or not at all.
 */
import canonicalize from 'canonicalize';
import { compactVerify, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertConsistency, assertInclusion, EMPTY_FRONTIER, appendLeaf, leafHash, rootFromFrontier } from '../../src/core/merkle';
import { treeHeadPayload } from '../../src/core/audit';
import { SqlLogStore } from '../../src/storage/log-store';
import { patternImage } from '../support/images';
import { json, makeTestApp, type TestApp, type TestClient } from '../support/app';

interface Head {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}
interface Entry {
  index: number;
  entry: string;
}

let t: TestApp;
let auditor: Record<string, string>;
let admin: Record<string, string>;
let alice: TestClient;
let bob: TestClient;
const headers: Record<string, Record<string, string>> = {};

const te = new TextEncoder();
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

beforeAll(async () => {
  t = await makeTestApp();
  auditor = await t.as('auditor', 'auditor');
  admin = await t.as('admin', 'admin');
  alice = await t.client('partner', 'alice');
  bob = await t.client('partner', 'bob');
  headers.alice = { authorization: `Bearer ${await t.token(alice)}` };
  headers.bob = { authorization: `Bearer ${await t.token(bob)}` };
});
afterAll(() => t.close());

const get = (path: string, h: Record<string, string> = auditor) => t.request(path, { headers: h });

async function allEntries(): Promise<Entry[]> {
  const out: Entry[] = [];
  for (let start = 0; ; ) {
    const page = await (await get(`/v1/audit/entries?start=${start}`)).json();
    out.push(...page.entries);
    if (page.end >= page.total) return out;
    start = page.end;
  }
}

async function head(): Promise<Head> {
  const res = await get('/v1/audit/tree-head?fresh=true');
  expect(res.status).toBe(200);
  return res.json();
}

/** Runs `act` and returns the entries it appended. */
async function appended(act: () => Promise<Response>, status: number): Promise<Record<string, any>[]> {
  const before = (await allEntries()).length;
  t.clock.advance(1000);
  const res = await act();
  expect(res.status, await res.clone().text()).toBe(status);
  const after = await allEntries();
  return after.slice(before).map((e) => {
    // The entry is the exact leaf input: canonical JSON (RFC 8785) of these fields and no others.
    expect(canonicalize(JSON.parse(e.entry))).toBe(e.entry);
    const ev = JSON.parse(e.entry);
    expect(Object.keys(ev).sort()).toEqual(['action', 'actor', 'content', 'subject', 'time', 'v']);
    expect(ev.time).toBe(new Date(t.clock.now()).toISOString());
    return ev;
  });
}

describe('what the log records', () => {
  let hashIds: string[];

  it('hash.share, with the hash and labels only: no media', async () => {
    const items = [0, 1, 2].map((i) => ({ type: 'sha256', value: String(i).repeat(64), labels: ['glorification'] }));
    const evs = await appended(() => t.request('/v1/hashes', json('POST', { items }, headers.alice)), 201);
    expect(evs.map((e) => e.action)).toEqual(['hash.share', 'hash.share', 'hash.share']);
    expect(evs[0]).toMatchObject({
      v: 1,
      actor: alice.id,
      subject: { kind: 'hash', id: expect.any(String) },
      content: { type: 'sha256', value: '0'.repeat(64), labels: ['glorification'] },
    });
    hashIds = evs.map((e) => e.subject.id);

    const image = await patternImage('jpeg');
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'x.jpg');
    form.set('labels', 'recruitment');
    const media = await appended(() => t.request('/v1/hashes/media', { method: 'POST', body: form, headers: headers.alice }), 201);
    // The image's hashes (whole, regions, crops, exact: robust enrolment, issue 14), and the item they
    // form (item 5): its SHA-256 and hashes, no media.
    expect(media.map((e) => e.action)).toEqual(['item.share', ...media.slice(1).map(() => 'hash.share')]);
    expect(media[0].content.hashes).toHaveLength(media.length - 1);
    expect(media.length - 1).toBeGreaterThan(4);
    expect(Object.keys(media[0].content).sort()).toEqual(['hashes', 'kind', 'labels', 'sha256']);
    for (const ev of media.slice(1)) {
      expect(Object.keys(ev.content).sort()).toEqual(['externalId', 'labels', 'type', 'value']);
      expect(JSON.stringify(ev).length).toBeLessThan(500);
    }
    // Not one 16-byte run of the image, in hex or base64, is in the log.
    const log = (await allEntries()).map((e) => e.entry).join('\n');
    for (let i = 0; i + 16 <= image.length; i += 16) {
      const run = image.subarray(i, i + 16);
      expect(log.includes(run.toString('hex'))).toBe(false);
      expect(log.includes(run.toString('base64').slice(0, 20))).toBe(false);
    }
  });

  it('hash.share by a second member, hash.relabel, hash.feedback, hash.retract', async () => {
    const item = { type: 'sha256', value: '0'.repeat(64) };
    const joined = await appended(() => t.request('/v1/hashes', json('POST', { items: [{ ...item, labels: ['recruitment'] }] }, headers.bob)), 201);
    expect(joined).toMatchObject([{ action: 'hash.share', actor: bob.id, subject: { id: hashIds[0] } }]);

    const relabel = await appended(
      () => t.request('/v1/hashes', json('POST', { items: [{ ...item, labels: ['glorification', 'instruction'] }] }, headers.alice)),
      201,
    );
    expect(relabel).toMatchObject([{ action: 'hash.relabel', actor: alice.id, content: { labels: ['glorification', 'instruction'] } }]);

    const fb = await appended(() => t.request(`/v1/hashes/${hashIds[1]}/feedback`, json('POST', { verdict: 'dispute', reason: 'satire' }, headers.bob)), 200);
    expect(fb).toMatchObject([
      { action: 'hash.feedback', actor: bob.id, subject: { kind: 'hash', id: hashIds[1] }, content: { verdict: 'dispute', reason: 'satire', previous: null } },
    ]);

    const retract = await appended(() => t.request(`/v1/hashes/${hashIds[2]}`, { method: 'DELETE', headers: headers.alice }), 200);
    expect(retract).toMatchObject([{ action: 'hash.retract', actor: alice.id, content: { contributorsRetracted: [alice.id], contributorsRemaining: 0 } }]);

    // Idempotent repeats change nothing and log nothing.
    expect(await appended(() => t.request(`/v1/hashes/${hashIds[2]}`, { method: 'DELETE', headers: headers.alice }), 200)).toEqual([]);
  });

  it('client.create, client-key.add and .revoke, client.suspend and .reactivate, node-key.rotate', async () => {
    const adminId = (await (await t.request('/v1/admin/clients', { headers: admin })).json()).clients.find((c: { name: string }) => c.name === 'admin').id;
    const req = (path: string, init: RequestInit = {}) => t.request(path, { ...init, headers: { ...admin, ...(init.headers as Record<string, string>) } });
    const [created] = await appended(() => req('/v1/admin/clients', json('POST', { role: 'peer', name: 'Peer node' })), 201);
    expect(created).toMatchObject({
      action: 'client.create',
      actor: adminId,
      subject: { kind: 'client' },
      content: { name: 'Peer node', role: 'peer', keys: [] },
    });
    const id = created.subject.id;
    const jwk = { ...(await exportJWK((await generateKeyPair('EdDSA')).publicKey)), kid: 'peer-key-1' };
    expect(await appended(() => req(`/v1/admin/clients/${id}/keys`, json('POST', { jwk })), 201)).toMatchObject([
      { action: 'client-key.add', subject: { id }, content: { kid: 'peer-key-1' } },
    ]);
    expect(await appended(() => req(`/v1/admin/clients/${id}/keys/peer-key-1`, { method: 'DELETE' }), 200)).toMatchObject([
      { action: 'client-key.revoke', content: { kid: 'peer-key-1' } },
    ]);
    expect(await appended(() => req(`/v1/admin/clients/${id}/suspend`, { method: 'POST' }), 200)).toMatchObject([
      { action: 'client.suspend', content: { status: 'suspended' } },
    ]);
    expect(await appended(() => req(`/v1/admin/clients/${id}/reactivate`, { method: 'POST' }), 200)).toMatchObject([
      { action: 'client.reactivate', content: { status: 'active' } },
    ]);
    const [rotated] = await appended(() => req('/v1/admin/keys/rotate', { method: 'POST' }), 200);
    expect(rotated).toMatchObject({
      action: 'node-key.rotate',
      actor: adminId,
      subject: { kind: 'node-key' },
      content: { alg: 'EdDSA', retired: [expect.any(String)] },
    });
  });

  it('a match query appends no entry, only a count for the member and day', async () => {
    const day = new Date(t.clock.now()).toISOString().slice(0, 10);
    await (t.rt.deps as { matchCounter?: { flush(): Promise<void> } }).matchCounter?.flush();
    const before = (await t.rt.deps.log.matchCounts(day)).find((c) => c.clientId === bob.id);
    const hashes = [
      { type: 'sha256', value: '0'.repeat(64) },
      { type: 'md5', value: 'f'.repeat(32) },
    ];
    expect(await appended(() => t.request('/v1/match', json('POST', { hashes }, headers.bob)), 200)).toEqual([]);
    expect(await appended(() => t.request('/v1/match', json('POST', { hashes: hashes.slice(0, 1) }, headers.bob)), 200)).toEqual([]);
    // Counts may gather in memory between flushes; write them out before reading the table.
    await (t.rt.deps as { matchCounter?: { flush(): Promise<void> } }).matchCounter?.flush();
    const counts = await new SqlLogStore(t.rt.database.reader).matchCounts(day);
    expect(counts.find((c) => c.clientId === bob.id)).toEqual({
      clientId: bob.id,
      day,
      queries: (before?.queries ?? 0) + 2,
      hashes: (before?.hashes ?? 0) + 3,
    });
    const log = (await allEntries()).map((e) => e.entry).join('\n');
    expect(log).not.toContain('f'.repeat(32));
  });
});

describe('what the node vouches for', () => {
  it('the tree head is signed by a JWKS key over exactly {treeSize, rootHash, timestamp}, and commits to the served entries', async () => {
    const h = await head();
    const entries = await allEntries();
    expect(h.treeSize).toBe(entries.length);
    expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
    const jwks = await (await t.request('/.well-known/jwks.json', { headers: {} })).json();
    const header = decodeProtectedHeader(h.signature);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'tree-head+jws' });
    const jwk = jwks.keys.find((k: JWK) => k.kid === header.kid);
    const { payload } = await compactVerify(h.signature, await importJWK(jwk, 'EdDSA'), { algorithms: ['EdDSA'] });
    expect(new TextDecoder().decode(payload)).toBe(treeHeadPayload(h));
    expect(h.timestamp).toBe(t.clock.now());

    let frontier = EMPTY_FRONTIER;
    for (const e of entries) frontier = appendLeaf(frontier, leafHash(te.encode(e.entry))).frontier;
    expect(Buffer.from(rootFromFrontier(frontier)).toString('base64')).toBe(h.rootHash);
  });

  it("an inclusion proof for every entry verifies against the signed root, with the entry's own leaf hash", async () => {
    const h = await head();
    const entries = await allEntries();
    for (const e of entries) {
      const res = await get(`/v1/audit/proof/inclusion?index=${e.index}&treeSize=${h.treeSize}`);
      expect(res.status).toBe(200);
      const p = await res.json();
      const leaf = leafHash(te.encode(e.entry));
      expect(p).toMatchObject({ leafIndex: e.index, treeSize: h.treeSize, leafHash: Buffer.from(leaf).toString('base64') });
      assertInclusion(leaf, e.index, h.treeSize, p.auditPath.map(b64), b64(h.rootHash));
    }
  });

  it('two signed heads: the later one is consistent with the earlier, and proofs at the earlier size verify against its root', async () => {
    const first = await head();
    t.clock.advance(10_000);
    await t.request(
      '/v1/hashes',
      json('POST', { items: [5, 6, 7, 8, 9].map((i) => ({ type: 'md5', value: String(i).repeat(32), labels: ['instruction'] })) }, headers.alice),
    );
    const second = await head();
    expect(second.treeSize).toBe(first.treeSize + 5);
    expect(second.timestamp).toBeGreaterThan(first.timestamp);
    const res = await get(`/v1/audit/proof/consistency?first=${first.treeSize}&second=${second.treeSize}`);
    expect(res.status).toBe(200);
    const p = await res.json();
    expect(p).toMatchObject({ first: first.treeSize, second: second.treeSize });
    assertConsistency(first.treeSize, second.treeSize, b64(first.rootHash), b64(second.rootHash), p.consistencyPath.map(b64));
    // Not with a made-up first root.
    expect(() => assertConsistency(first.treeSize, second.treeSize, b64(second.rootHash), b64(second.rootHash), p.consistencyPath.map(b64))).toThrow();
    const same = await (await get(`/v1/audit/proof/consistency?first=${second.treeSize}&second=${second.treeSize}`)).json();
    expect(same.consistencyPath).toEqual([]);

    const entries = await allEntries();
    for (const i of [0, Math.floor(first.treeSize / 2), first.treeSize - 1]) {
      const q = await (await get(`/v1/audit/proof/inclusion?index=${i}&treeSize=${first.treeSize}`)).json();
      assertInclusion(leafHash(te.encode(entries[i].entry)), i, first.treeSize, q.auditPath.map(b64), b64(first.rootHash));
    }
  });

  it('pages entries by at most 1000 and reports the total; the export is the same entries as JSON Lines', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ type: 'sha256', value: i.toString(16).padStart(64, 'c'), labels: ['recruitment'] }));
    expect((await t.request('/v1/hashes', json('POST', { items }, headers.bob))).status).toBe(201);
    const total = (await head()).treeSize;
    expect(total).toBeGreaterThan(1000);

    const p0 = await (await get('/v1/audit/entries?start=0')).json();
    expect(p0).toMatchObject({ start: 0, end: 1000, total });
    expect(p0.entries).toHaveLength(1000);
    const capped = await (await get('/v1/audit/entries?start=10&end=5000')).json();
    expect(capped).toMatchObject({ start: 10, end: 1010, total });
    const tail = await (await get(`/v1/audit/entries?start=1000&end=${total + 50}`)).json();
    expect(tail).toMatchObject({ start: 1000, end: total, total });
    expect(tail.entries.map((e: Entry) => e.index)).toEqual(Array.from({ length: total - 1000 }, (_, i) => 1000 + i));
    const window = await (await get('/v1/audit/entries?start=3&end=7')).json();
    expect(window.entries.map((e: Entry) => e.index)).toEqual([3, 4, 5, 6]);
    expect(window.entries).toEqual(p0.entries.slice(3, 7));
    const beyond = await (await get(`/v1/audit/entries?start=${total + 5}`)).json();
    expect(beyond).toMatchObject({ entries: [], total });

    const res = await get('/v1/audit/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jsonl/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(await allEntries());
    const part = (await (await get('/v1/audit/export?start=2&end=4')).text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(part).toEqual(p0.entries.slice(2, 4));
  });
});

describe('what the audit routes refuse', () => {
  it('bad parameters: 400 problem+json naming the parameter', async () => {
    const n = (await head()).treeSize;
    const cases: [string, string][] = [
      [`/v1/audit/proof/inclusion?index=${n}&treeSize=${n}`, 'index'],
      [`/v1/audit/proof/inclusion?index=0&treeSize=${n + 1}`, 'treeSize'],
      ['/v1/audit/proof/inclusion?index=0&treeSize=0', 'treeSize'],
      ['/v1/audit/proof/inclusion?index=-1&treeSize=3', 'index'],
      ['/v1/audit/proof/inclusion?index=abc&treeSize=3', 'index'],
      ['/v1/audit/proof/inclusion?index=1.5&treeSize=3', 'index'],
      ['/v1/audit/proof/inclusion?treeSize=3', 'index'],
      [`/v1/audit/proof/consistency?first=${n}&second=${n - 1}`, 'first'],
      [`/v1/audit/proof/consistency?first=1&second=${n + 1}`, 'second'],
      ['/v1/audit/proof/consistency?first=0&second=3', 'first'],
      ['/v1/audit/proof/consistency?first=x&second=3', 'first'],
      ['/v1/audit/entries?start=5&end=2', 'end'],
      ['/v1/audit/entries?start=-1', 'start'],
      ['/v1/audit/entries?start=zz', 'start'],
      ['/v1/audit/export?start=nope', 'start'],
      ['/v1/audit/tree-head?fresh=yes', 'fresh'],
    ];
    for (const [path, param] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      const body = await res.json();
      expect(body.code, path).toBe('invalid_request');
      expect(
        body.errors.map((e: { path: string }) => e.path),
        path,
      ).toContain(param);
    }
  });

  it('a partner token: 403 insufficient_scope on every audit route; the JWKS needs no token', async () => {
    for (const path of [
      '/v1/audit/tree-head',
      '/v1/audit/entries',
      '/v1/audit/proof/inclusion?index=0&treeSize=1',
      '/v1/audit/proof/consistency?first=1&second=1',
      '/v1/audit/export',
    ]) {
      const res = await get(path, headers.alice);
      expect(res.status, path).toBe(403);
      expect((await res.json()).code, path).toBe('insufficient_scope');
    }
    expect((await t.app.request('http://node.test/.well-known/jwks.json')).status).toBe(200);
  });
});

describe('a change and its audit entry are one write', () => {
  it('a share whose frames break a constraint writes nothing: no hash, no contribution, no change-log row, no audit entry', async () => {
    const log = t.rt.deps.log;
    const size = await log.auditSize();
    const changes = await t.rt.deps.hashes.lastChange();
    const frame = { frame: 0, timestampMs: 0, quality: 90, value: 'ab'.repeat(32), indexed: true };
    // Two items; the second's frames carry a NULL where the table takes none: the last statements of the batch fail.
    const broken = t.rt.deps.ledger.share({
      at: t.clock.now(),
      contributor: 'tester',
      items: [
        { type: 'sha256', value: 'e'.repeat(64), labels: ['attack-footage'], externalId: null },
        { type: 'vpdq', value: 'f'.repeat(64), labels: ['attack-footage'], externalId: null, frames: [{ ...frame, value: null as unknown as string }] },
      ],
    });
    await expect(broken).rejects.toThrow();
    expect(await log.auditSize()).toBe(size);
    expect(await t.rt.deps.hashes.lastChange()).toBe(changes);
    const res = await t.request('/v1/match', json('POST', { hashes: [{ type: 'sha256', value: 'e'.repeat(64) }] }));
    expect((await res.json()).results[0].matches).toEqual([]);
    // And the log is still whole: the next head covers exactly the entries there are.
    expect((await head()).treeSize).toBe(size);
    expect(await allEntries()).toHaveLength(size);
  });
});
