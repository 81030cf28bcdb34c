/**
 * A node's database restored from a backup, then written to again: the cursors its readers got
 * before the restore point after changes its log no longer holds, and its log holds other changes at
 * those positions once it passes them. Such a cursor is refused (409), on the partners' delta feed
 * and on the federation feed; B's puller says what happened and what to do, and the documented
 * recovery (peers restart: the re-read from A's start, then what A no longer holds withdrawn) leaves
 * B holding exactly A's hashes, the peer's settings kept. An idle poll reads the log twice, as before cursors named their change.
 *
 * Real apps on real database files: the backup copies the database and its WAL file while nothing
 * is written (README, "Configuration"), the restore stops A, puts the copy in place and starts A again.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PULLER, Puller } from '../../src/services/federation';
import { cursorRefused } from '../../src/services/federation/puller';
import { cursorAfter, encodeCursor } from '../../src/services/feed';
import { ISSUER, json, makeTestApp, type TestApp } from '../support/app';

const A_URL = ISSUER;
const B_URL = 'http://b.test';
const hex = (tag: string, n: number) => createHash('sha256').update(`restore-${tag}-${n}`).digest('hex');

/** A's app as it runs now (replaced by each restore), and B's. */
let a: TestApp;
let b: TestApp;
const dirs: string[] = [];
const route = async (url: string, init: RequestInit): Promise<Response> => {
  const app = { [A_URL]: a, [B_URL]: b }[new URL(url).origin];
  if (!app) throw new TypeError(`fetch failed: no node at ${url}`);
  return app.app.request(url, init);
};

/** A copy of A's database as it stands: the file and its WAL, copied while nothing is written. */
function backup(name: string): string {
  const copy = `${a.dir}/${name}`;
  copyFileSync(a.dbFile, copy);
  if (existsSync(`${a.dbFile}-wal`)) copyFileSync(`${a.dbFile}-wal`, `${copy}-wal`);
  return copy;
}

/** A stopped, its database replaced by the copy, started again; a minute passes on both nodes. */
async function restore(copy: string): Promise<void> {
  const t = Math.max(a.clock.now(), b.clock.now()) + 60_000;
  await a.rt.close();
  for (const f of ['', '-wal', '-shm']) rmSync(`${a.dbFile}${f}`, { force: true });
  copyFileSync(copy, a.dbFile);
  if (existsSync(`${copy}-wal`)) copyFileSync(`${copy}-wal`, `${a.dbFile}-wal`);
  a = await makeTestApp({}, { sameDatabaseAs: a, fetch: route });
  a.clock.t = t;
  b.clock.t = t;
}

async function share(values: string[], label = 'manifesto') {
  const res = await a.request('/v1/hashes', json('POST', { items: values.map((value) => ({ type: 'pdq', value, labels: [label] })) }));
  expect(res.status).toBe(201);
}

/** The partners' feed at A, read as the partner `reader`. */
async function feedAtA(cursor: string | undefined, reader: Record<string, string>) {
  return a.request(`/v1/hashes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: reader });
}

async function readToEnd(reader: Record<string, string>, cursor?: string): Promise<{ cursor: string; values: string[] }> {
  const values: string[] = [];
  for (;;) {
    const res = await feedAtA(cursor, reader);
    expect(res.status, await res.clone().text()).toBe(200);
    const page = await res.json();
    values.push(...page.entries.map((e: { hash: { value: string } }) => e.hash.value));
    cursor = page.nextCursor as string;
    if (!page.hasMore) return { cursor, values };
  }
}

const positionOf = (cursor: string) => Number(/^feed:(\d+)/.exec(Buffer.from(cursor, 'base64url').toString())?.[1]);

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return res.json();
}

beforeAll(async () => {
  a = await makeTestApp({}, { fetch: route });
  b = await makeTestApp({ PUBLIC_URL: B_URL, TOKEN_AUDIENCES: ISSUER }, { fetch: route });
  dirs.push(a.dir);
});
afterAll(async () => {
  await a?.rt.close();
  await b?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the partners' delta feed", () => {
  it('a cursor from before a restore is refused once the log passes it again, not read on from; an old bare cursor is read as before', async () => {
    // The partner is admitted before the backup, so it is still a member after the restore.
    const reader = await a.as('partner', 'feed-reader');
    await share([hex('kept', 1), hex('kept', 2)]);
    const kept = await readToEnd(reader);
    const copy = backup('feed-backup.db');
    // After the backup: a share whose changes the restore loses; the partner reads them.
    await share([hex('lost', 1), hex('lost', 2)]);
    const before = await readToEnd(reader, kept.cursor);
    expect(before.values).toEqual([hex('lost', 1), hex('lost', 2)]);

    await restore(copy);
    // While A's log is shorter than the cursor: 409, ahead.
    const ahead = await problem(await feedAtA(before.cursor, reader), 409);
    expect(ahead).toMatchObject({ code: 'conflict', errors: [{ path: 'cursor' }] });
    expect(ahead.detail).toMatch(/^cursor is ahead of this node's change log/);

    // A's members share again; its log passes the cursor's position with other changes.
    const made = Array.from({ length: 6 }, (_, i) => hex('new', i));
    for (const v of made) await share([v], 'recruitment');
    expect(await a.rt.deps.hashes.lastChange()).toBeGreaterThan(positionOf(before.cursor));
    const diverged = await problem(await feedAtA(before.cursor, reader), 409);
    expect(diverged).toMatchObject({
      code: 'conflict',
      errors: [{ path: 'cursor', message: `change ${positionOf(before.cursor)} of this node's change log is not the one the cursor names` }],
    });
    expect(diverged.detail).toBe(
      `cursor names a change this node's change log does not hold (change ${positionOf(before.cursor)} here is another one): it was issued by another node, or by this one before its database was restored from an older copy (a backup, D1 Time Travel) and written to since, so changes read from that cursor would be skipped or lost without a word; start over: read the feed again without a cursor and rebuild or replace what you keep from this node with what it serves (what you keep from before and it does not serve again is no longer held here, and stays with you if you only read on)`,
    );
    // A cursor from before the backup point still names the same changes: read on, it gets every new share.
    expect((await readToEnd(reader, kept.cursor)).values).toEqual(made);
    // Started again without a cursor, the partner reads A's log as it is now.
    expect((await readToEnd(reader)).values).toEqual([hex('kept', 1), hex('kept', 2), ...made]);

    // The bare form issued before cursors named their change is read as before: without the check
    // (the documented limit of those cursors), and the cursor given back names its change.
    const bare = encodeCursor(positionOf(before.cursor));
    const res = await feedAtA(bare, reader);
    expect(res.status).toBe(200);
    const page = await res.json();
    expect(page.entries.length).toBeLessThan(made.length);
    expect(page.nextCursor).toBe(await cursorAfter(a.rt.deps, await a.rt.deps.hashes.lastChange()));
    expect(await (await feedAtA(page.nextCursor, reader)).json()).toEqual({ entries: [], nextCursor: page.nextCursor, hasMore: false });
  });

  it('an idle poll reads the log twice (the cursor checked, nothing after it) and answers the cursor back', async () => {
    const reader = await a.as('partner', 'feed-reader-idle');
    const { cursor } = await readToEnd(reader);
    const h = a.rt.deps.hashes;
    const spies = [vi.spyOn(h, 'changeAt'), vi.spyOn(h, 'changesSince'), vi.spyOn(h, 'lastChange')];
    try {
      expect(await (await feedAtA(cursor, reader)).json()).toEqual({ entries: [], nextCursor: cursor, hasMore: false });
      expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 1, 0]);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('the tag does not cover the snapshot text: a migration rewriting snapshots leaves cursors good', async () => {
    const reader = await a.as('partner', 'feed-reader-snapshot');
    const { cursor } = await readToEnd(reader);
    const h = a.rt.deps.hashes;
    const changeAt = h.changeAt.bind(h);
    const spy = vi.spyOn(h, 'changeAt').mockImplementation(async (seq) => {
      const row = await changeAt(seq);
      return row && { ...row, snapshot: `${row.snapshot ?? ''} rewritten` };
    });
    try {
      expect((await feedAtA(cursor, reader)).status).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });

  it('a cursor whose tag is changed is refused; one that is not a cursor is 400', async () => {
    const reader = await a.as('partner', 'feed-reader-2');
    const { cursor } = await readToEnd(reader);
    const text = Buffer.from(cursor, 'base64url').toString();
    expect(text).toMatch(/^feed:\d+:[0-9a-f]{16}$/);
    const tampered = Buffer.from(text.replace(/.$/, (c) => (c === '0' ? '1' : '0'))).toString('base64url');
    expect((await problem(await feedAtA(tampered, reader), 409)).detail).toMatch(/^cursor names a change this node's change log does not hold/);
    // A tag of another length, or a third field: not a cursor this node issues.
    for (const bad of [`${text}0`, `${text}:1`])
      expect((await problem(await feedAtA(Buffer.from(bad).toString('base64url'), reader), 400)).code).toBe('invalid_request');
    // The start needs no tag.
    expect((await feedAtA(encodeCursor(0), reader)).status).toBe(200);
  });
});

describe('the federation feed and B pulling from A', () => {
  /** A puller at B as the node runs one (a loop per peer), on B's database. */
  const loopAtB = () => {
    const { ledger, federation, keyring, remoteJwks, issuer, newId } = b.rt.deps;
    return new Puller({
      ...{ ledger, federation, keyring, remoteJwks, issuer, newId },
      follower: b.rt.follower,
      fetch: route,
      now: () => b.clock.now(),
      random: () => 0.5,
      settings: { ...DEFAULT_PULLER, backoffBaseMs: 60_000 },
    });
  };
  const matchAtB = async (value: string) =>
    (await (await b.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value }] }))).json()).results[0].matches as { id: string; origin?: string }[];
  const peerAtB = async (id: string) =>
    (await (await b.request(`/v1/admin/peers/${id}`, { headers: await b.as('admin', 'b-admin') })).json()) as Record<string, unknown>;

  it("B's cursor from before A's restore is refused once A's log passes it; B says what happened and what to do, and the recovery works", async () => {
    // A admits B as a peer; B adds A.
    const client = await a.request(
      '/v1/admin/clients',
      json('POST', { role: 'peer', name: 'node B', jwksUrl: `${B_URL}/.well-known/jwks.json` }, await a.as('admin', 'a-admin')),
    );
    expect(client.status).toBe(201);
    const peerClientId = (await client.json()).id as string;
    const bAdmin = await b.as('admin', 'b-admin');
    const settings = { intervalMs: 1000, labels: ['manifesto', 'recruitment'], matching: true };
    const added = await b.request('/v1/admin/peers', json('POST', { url: A_URL, clientId: peerClientId, ...settings }, bAdmin));
    expect(added.status).toBe(201);
    const peerId = (await added.json()).id as string;
    const pull = () => b.rt.puller.pullUntilCaughtUp(peerId);

    await share([hex('fed-kept', 1)]);
    await pull();
    const copy = backup('federation-backup.db');
    // After A's backup: an image's whole-image hashes, as B pulls them.
    const lost = [hex('fed-lost', 1), hex('fed-lost', 2)];
    await share(lost);
    expect(await pull()).toBe(2);
    for (const v of lost) expect(await matchAtB(v)).toHaveLength(1);
    const cursor = String((await peerAtB(peerId)).cursor);

    await restore(copy);
    const refused = /^the peer refused this node's cursor \(409\): its change log no longer holds the change last pulled/;
    await expect(pull(), "A's log shorter than B's cursor").rejects.toThrow(refused);
    // A's members share again, past B's cursor.
    const made = Array.from({ length: 6 }, (_, i) => hex('fed-new', i));
    for (const v of made) await share([v], 'recruitment');
    expect(await a.rt.deps.hashes.lastChange()).toBeGreaterThan(positionOf(cursor));
    await expect(pull(), "A's log past B's cursor").rejects.toThrow(refused);
    // Nothing applied, the cursor where it was.
    for (const v of made) expect(await matchAtB(v), v).toEqual([]);
    expect((await peerAtB(peerId)).cursor).toBe(cursor);

    // The loop records it on the peer, where `peers list` shows it, with what to do.
    const loop = loopAtB();
    await loop.start();
    try {
      for (let i = 0; i < 200 && (await peerAtB(peerId)).lastError === null; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      loop.stop();
    }
    const before = await peerAtB(peerId);
    // Whole, not cut at recordFailure's 500 characters, the peer id a UUIDv7.
    expect(before.lastError).toBe(cursorRefused({ id: peerId }));
    expect(peerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(before.lastError).toContain(`run peers restart ${peerId} to pull it again from its start, settings kept (README: Restoring from a backup)`);

    // The recovery: restart the peer (one commit, an audit entry); B pulls A's log from its start.
    const auditFrom = await b.rt.deps.log.auditSize();
    const restarted = await b.request(`/v1/admin/peers/${peerId}/restart`, { method: 'POST', headers: bAdmin });
    expect(restarted.status).toBe(200);
    expect(await restarted.json()).toMatchObject({
      id: peerId,
      ...settings,
      status: 'active',
      cursor: '',
      createdAt: before.createdAt,
      pulledItems: before.pulledItems,
    });
    const audit = (await b.rt.deps.log.auditEntries(auditFrom, await b.rt.deps.log.auditSize())).map((e) => JSON.parse(e.entry));
    expect(audit).toMatchObject([{ action: 'peer.restart', actor: expect.any(String), subject: { kind: 'peer', id: peerId }, content: { cursor: '' } }]);
    // Already at its start: nothing to do, no entry.
    expect((await b.request(`/v1/admin/peers/${peerId}/restart`, { method: 'POST', headers: bAdmin })).status).toBe(200);
    expect(await b.rt.deps.log.auditSize()).toBe(auditFrom + 1);
    // B's loop (as the node runs it) re-reads A from its start, and withdraws at the end.
    const reread = loopAtB();
    await reread.start();
    try {
      for (let i = 0; i < 200 && (await matchAtB(lost[1])).length; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      reread.stop();
    }
    for (const v of [hex('fed-kept', 1), ...made]) expect(await matchAtB(v), v).toEqual([expect.objectContaining({ origin: A_URL })]);
    expect(await peerAtB(peerId)).toMatchObject({ ...settings, lastError: null, failures: 0 });
    // What A lost (no batch of the re-read named it) is withdrawn when A says it has no more: one commit, one entry naming each hash.
    for (const v of lost) expect(await matchAtB(v), v).toEqual([]);
    const entries = (await b.rt.deps.log.auditEntries(auditFrom, await b.rt.deps.log.auditSize())).map((e) => JSON.parse(e.entry));
    expect(entries.map((e) => e.action)).toEqual(['peer.restart', 'federation.pull', 'federation.withdraw']);
    expect(entries[2]).toMatchObject({
      actor: 'federation',
      subject: { kind: 'peer', id: peerId },
      content: { origin: A_URL, cursor: (await peerAtB(peerId)).cursor, hashes: lost.map((v) => ['pdq', v]).sort() },
    });
    // Their feed rows at B say so (the partners of B see them retracted), and nothing more is withdrawn later.
    const feedAtB = await (await b.request('/v1/hashes?limit=1000', { headers: await b.as('partner', 'b-reader') })).json();
    for (const v of lost) expect(feedAtB.entries.filter((e: { hash: { value: string } }) => e.hash.value === v).at(-1), v).toMatchObject({ kind: 'retract' });
    const size = await b.rt.deps.log.auditSize();
    await share([hex('fed-after', 1)]);
    await pull();
    expect(await matchAtB(hex('fed-after', 1))).toHaveLength(1);
    expect((await b.rt.deps.log.auditEntries(size, await b.rt.deps.log.auditSize())).map((e) => JSON.parse(e.entry).action)).toEqual(['federation.pull']);
  });

  it('restarting a peer this node does not have is 404', async () => {
    const bAdmin = await b.as('admin', 'b-admin');
    expect((await b.request('/v1/admin/peers/nope/restart', { method: 'POST', headers: bAdmin })).status).toBe(404);
  });

  it('the lastError fits whole beside a long peer URL and a UUIDv7 id', () => {
    const id = '01937f5e-8c2a-7b3d-9e4f-0a1b2c3d4e5f';
    // recordFailure keeps 500 characters; the URL is not in the message (peers list shows it beside).
    expect(cursorRefused({ id }).length).toBeLessThan(400);
  });

  it('the federation feed takes the bare cursor as before and refuses a changed tag', async () => {
    const headers = { authorization: `Bearer ${await a.token(await a.client('peer'))}` };
    const end = await a.rt.deps.hashes.lastChange();
    // An idle poll: the cursor checked and the log's end, nothing more.
    const idleCursor = await cursorAfter(a.rt.deps, end);
    const spies = [vi.spyOn(a.rt.deps.hashes, 'changeAt'), vi.spyOn(a.rt.deps.hashes, 'lastChange'), vi.spyOn(a.rt.deps.federation, 'localChanges')];
    try {
      const idle = await a.request(`/v1/federation/feed?cursor=${idleCursor}`, { headers });
      expect(idle.status).toBe(200);
      expect(await idle.json()).toMatchObject({ nextCursor: idleCursor, more: false });
      expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 1, 0]);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    const bare = await a.request(`/v1/federation/feed?cursor=${encodeCursor(end)}`, { headers });
    expect(bare.status).toBe(200);
    const body = await bare.json();
    const payload = JSON.parse(Buffer.from(body.batch.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ from: encodeCursor(end), to: await cursorAfter(a.rt.deps, end), items: [] });
    const text = Buffer.from(body.nextCursor, 'base64url').toString();
    const tampered = Buffer.from(text.replace(/.$/, (c) => (c === '0' ? '1' : '0'))).toString('base64url');
    const res = await a.request(`/v1/federation/feed?cursor=${tampered}`, { headers });
    expect((await problem(res, 409)).detail).toMatch(/^cursor names a change this node's change log does not hold/);
  });
});
