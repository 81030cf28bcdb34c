/**
 * The ledger's federation commits on a real SQLite file (libsql on its threads, as the node runs
 * it): a pull applies its items, cursor and audit entry together and only from the cursor it
 * continues (two instances applying one batch apply it once), what a pulled hash looks like, the
 * peers' changes and their audit entries, and that every statement finds its rows by an index.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, openLedgerDb, planOf } from '../support/ledger-db';
import type { OpenDb } from '../../src/runtime/node/database';
import { newPeerRow } from '../../src/services/federation';
import { SqlFederationStore } from '../../src/storage/federation-store';
import type { SqlHashStore } from '../../src/storage/hash-store';
import {
  addPeerStatements,
  pullFailureStatements,
  pullStatements,
  pullSuccessStatements,
  type SqlLedger,
  updatePeerStatements,
  type Stmt,
} from '../../src/storage/ledger';
import type { SqlLogStore } from '../../src/storage/log-store';
import type { PeerRow, PulledItem, PullCommit } from '../../src/storage/types';

const T0 = Date.UTC(2026, 0, 1);
const ORIGIN = 'https://a.example';
const hex = (n: number) => n.toString(16).padStart(64, '0');
const pdq = (n: number, over: Partial<PulledItem> = {}): PulledItem => ({
  type: 'pdq',
  value: hex(n),
  active: true,
  labels: ['attack-footage'],
  contributors: 1,
  externalId: null,
  ...over,
});

let db: OpenDb;
let ledger: SqlLedger;
let store: SqlHashStore;
let fed: SqlFederationStore;
let log: SqlLogStore;

const peerRow = (id: string, url = ORIGIN): PeerRow => newPeerRow(id, { url, clientId: 'c-at-a', intervalMs: 1000 }, T0);

beforeAll(async () => {
  ({ db, ledger, store, log } = await openLedgerDb('mhn-fedledger-'));
  fed = new SqlFederationStore(db.reader);
});
afterAll(() => db.close());

const entries = () => auditEntries(log);
const commit = (over: Partial<PullCommit>): PullCommit => ({
  at: T0,
  peerId: 'p1',
  origin: ORIGIN,
  from: '',
  to: 'c1',
  served: 0,
  items: [],
  jwsSha256: 'ab'.repeat(32),
  ...over,
});

describe('peers', () => {
  it('one standing peer per URL; changes only when something differs; a removed peer changes no more', async () => {
    expect((await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('p1') })).added).toBe(true);
    expect((await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('p2') })).added).toBe(false);
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p1', action: 'pause', set: { status: 'paused' } })).outcome).toBe('changed');
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p1', action: 'pause', set: { status: 'paused' } })).outcome).toBe('unchanged');
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p1', action: 'resume', set: { status: 'active' } })).outcome).toBe('changed');
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'nobody', action: 'pause', set: { status: 'paused' } })).outcome).toBe('not_found');
    // Removed: the URL is free again, and the removed peer is not_found for every later change.
    expect((await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('p9', 'https://gone.example') })).added).toBe(true);
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p9', action: 'remove', set: { status: 'removed' } })).outcome).toBe('changed');
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p9', action: 'resume', set: { status: 'active' } })).outcome).toBe('not_found');
    expect((await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('p10', 'https://gone.example') })).added).toBe(true);
    const peerEntries = (await entries()).filter((e) => e.subject.kind === 'peer');
    expect(peerEntries.map((e) => [e.action, e.subject.id])).toEqual([
      ['peer.add', 'p1'],
      ['peer.pause', 'p1'],
      ['peer.resume', 'p1'],
      ['peer.add', 'p9'],
      ['peer.remove', 'p9'],
      ['peer.add', 'p10'],
    ]);
    const kinds = (await store.changesAfter(0, 100)).filter((c) => c.kind === 'peer').map((c) => c.subject);
    expect(kinds).toEqual(['p1', 'p1', 'p1', 'p9', 'p9', 'p10']);
  });
});

describe('a pull commit', () => {
  it('applies items, cursor and one audit entry together; a second apply of the same batch (another instance) writes nothing', async () => {
    const batch = commit({
      from: '',
      to: 'c1',
      served: 3,
      items: [pdq(1, { contributors: 2, externalId: 'ref-1' }), pdq(2), pdq(3, { active: false, labels: [] })],
    });
    const auditBefore = await log.auditSize();
    const changesBefore = await store.lastChange();
    // Eight instances apply the same verified batch at once: one commit applies it.
    const results = await Promise.all(Array.from({ length: 8 }, () => ledger.applyPull(batch)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(await log.auditSize()).toBe(auditBefore + 1);
    const [pull] = (await entries()).slice(auditBefore);
    expect(pull).toMatchObject({
      action: 'federation.pull',
      actor: 'federation',
      subject: { kind: 'peer', id: 'p1' },
      content: { origin: ORIGIN, from: '', to: 'c1', items: 3 },
    });
    // Two hashes taken (the inactive one was never held, so nothing is written for it).
    const changes = await store.changesSince(changesBefore, 100);
    expect(changes.map((c) => [c.kind, c.snapshot.value, c.snapshot.contributors, c.snapshot.origin])).toEqual([
      ['add', hex(1), 2, ORIGIN],
      ['add', hex(2), 1, ORIGIN],
    ]);
    const h = (await store.getById(changes[0].hashId))!;
    expect(h).toMatchObject({ origin: ORIGIN, status: 'active', originContributors: 2 });
    expect(h.contributions).toMatchObject([{ contributor: ORIGIN, labels: ['attack-footage'], externalId: 'ref-1', retractedAt: null }]);
    expect(await fed.getPeer('p1')).toMatchObject({ cursor: 'c1', pulledItems: 3, pulledAt: T0 });
    // The batch again, as a late instance would: the cursor moved on, nothing is applied.
    expect((await ledger.applyPull(batch)).applied).toBe(false);
    expect(await store.lastChange()).toBe(results.find((r) => r.applied)!.lastChange);
  });

  it('follows the origin: relabel, contributor count, retraction, re-share; a removed peer takes nothing', async () => {
    const before = await store.lastChange();
    await ledger.applyPull(
      commit({
        from: 'c1',
        to: 'c2',
        served: 2,
        items: [pdq(1, { labels: ['attack-footage', 'manifesto'], contributors: 2, externalId: 'ref-1' }), pdq(2, { contributors: 3 })],
      }),
    );
    await ledger.applyPull(commit({ from: 'c2', to: 'c3', served: 1, items: [pdq(1, { active: false, labels: [], contributors: 0 })] }));
    await ledger.applyPull(commit({ from: 'c3', to: 'c4', served: 1, items: [pdq(1, { labels: ['recruitment'] })] }));
    // Nothing new for an item that changes nothing.
    await ledger.applyPull(commit({ from: 'c4', to: 'c5', served: 1, items: [pdq(1, { labels: ['recruitment'] })] }));
    const changes = await store.changesSince(before, 100);
    expect(changes.map((c) => [c.kind, c.snapshot.value, c.snapshot.labels, c.snapshot.contributors])).toEqual([
      ['update', hex(1), ['attack-footage', 'manifesto'], 2],
      ['update', hex(2), ['attack-footage'], 3],
      ['retract', hex(1), [], 0],
      ['add', hex(1), ['recruitment'], 1],
    ]);
    expect(await fed.getPeer('p1')).toMatchObject({ cursor: 'c5', pulledItems: 8 });
    await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'p1', action: 'remove', set: { status: 'removed' } });
    expect((await ledger.applyPull(commit({ from: 'c5', to: 'c6', served: 1, items: [pdq(7)] }))).applied).toBe(false);
    expect(await store.changesSince(before + changes.length, 10)).toEqual([]);
  });

  it('hashes the puller found new are written by plain inserts: the same rows, changes and snapshots; found after all, the commit fails whole', async () => {
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('f1', 'https://f.example') });
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('g1', 'https://g.example') });
    const items = [
      // Labels out of order, one twice, one capitalised, some not ASCII (one outside the BMP, which UTF-16 order
      // would put first): the change log lists them once each, in SQLite's order (UTF-8 bytes).
      pdq(700, { labels: ['manifesto', '\u{1F600}', 'attack-footage', 'manifesto', '\uFF21', 'Zeta', 'émigré'], contributors: 3, externalId: 'ref-700' }),
      pdq(701),
      pdq(702, { active: false, labels: [], contributors: 0 }),
    ];
    const viaF = commit({ peerId: 'f1', origin: 'https://f.example', from: '', to: 'f1', served: 3, items, fresh: [true, true, true] });
    expect(await fed.heldOf('https://f.example', items)).toEqual(new Set());
    // Eight instances at once, each sure the hashes are new: one applies the batch, the others write nothing.
    const before = await store.lastChange();
    const results = await Promise.all(Array.from({ length: 8 }, () => ledger.applyPull(viaF)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    const middle = await store.lastChange();
    expect((await ledger.applyPull(commit({ peerId: 'g1', origin: 'https://g.example', from: '', to: 'g1', served: 3, items }))).applied).toBe(true);
    const [f, g] = [(await store.changesSince(before, 10)).filter((c) => c.seq <= middle), await store.changesSince(middle, 10)];
    expect(f.map((c) => [c.kind, c.snapshot.value, c.snapshot.labels, c.snapshot.contributors])).toEqual([
      ['add', hex(700), ['Zeta', 'attack-footage', 'manifesto', 'émigré', '\uFF21', '\u{1F600}'], 3],
      ['add', hex(701), ['attack-footage'], 1],
    ]);
    // The same change-log text as the commit that reads each row back (but for the id and the origin).
    const raw = async (from: number, to: number) =>
      (await db.client.execute({ sql: 'select kind, snapshot from changes where seq > ? and seq <= ? order by seq', args: [from, to] })).rows.map((r) =>
        String(r.snapshot)
          .replace(/"id":"[^"]+"/, '"id":"x"')
          .replace(/https:\/\/[fg]\.example/, 'o'),
      );
    expect(await raw(before, middle)).toEqual(await raw(middle, await store.lastChange()));
    // The rows alike but for their keys.
    const row = async (hashId: string) => {
      const { seq: _s, id: _i, origin: _o, contributions, ...rest } = (await store.getById(hashId))!;
      return { ...rest, contributions: contributions.map(({ contributor: _c, hashId: _h, ...c }) => c) };
    };
    for (const k of [0, 1]) expect(await row(f[k].hashId)).toEqual(await row(g[k].hashId));
    expect(await fed.heldOf('https://f.example', items)).toEqual(new Set([`pdq:${hex(700)}`, `pdq:${hex(701)}`]));
    expect(await fed.heldOf('https://g.example', [items[0]])).toEqual(new Set([`pdq:${hex(700)}`]));

    // A hash said to be new that is held: the commit fails, and nothing of it is written.
    const auditBefore = await log.auditSize();
    const last = await store.lastChange();
    const stale = commit({ peerId: 'f1', origin: 'https://f.example', from: 'f1', to: 'f2', served: 2, items: [pdq(703), pdq(700)], fresh: [true, true] });
    await expect(ledger.applyPull(stale)).rejects.toThrow(/UNIQUE/);
    expect(await fed.getPeer('f1')).toMatchObject({ cursor: 'f1', pulledItems: 3 });
    expect([await log.auditSize(), await store.lastChange()]).toEqual([auditBefore, last]);
    expect(await fed.heldOf('https://f.example', [pdq(703)])).toEqual(new Set());
    // Told right, the same batch is applied: the held hash by the statements that read it back.
    expect((await ledger.applyPull({ ...stale, fresh: [true, false] })).applied).toBe(true);
    expect((await store.changesSince(last, 10)).map((c) => [c.kind, c.snapshot.value, c.snapshot.contributors])).toEqual([
      ['add', hex(703), 1],
      ['update', hex(700), 1],
    ]);
  });

  it('a video pulled with its frames; a failure recorded on the peer, a refusal audited once per reason', async () => {
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('v1', 'https://v.example') });
    const frames = [0, 1, 2].map((i) => ({ frame: i * 30, timestampMs: i * 1000, quality: 90, value: hex(100 + i), indexed: true }));
    await ledger.applyPull({
      ...commit({ peerId: 'v1', origin: 'https://v.example', from: '', to: 'v1', served: 1 }),
      items: [{ type: 'vpdq', value: hex(99), active: true, labels: [], contributors: 1, externalId: null, frames }],
    });
    const [video] = await store.changesSince((await store.lastChange()) - 1, 10);
    expect(video).toMatchObject({ kind: 'add', snapshot: { type: 'vpdq', origin: 'https://v.example' } });
    expect((await store.framesOf(video.hashId)).map((f) => f.value)).toEqual([hex(100), hex(101), hex(102)]);
    // A PDF's pages are stored as a video's frames are, and read back as the PDF's own.
    const pages = [1, 2].map((p) => ({ frame: p, timestampMs: 0, quality: 80, value: hex(200 + p), indexed: true }));
    await ledger.applyPull({
      ...commit({ peerId: 'v1', origin: 'https://v.example', from: 'v1', to: 'v2', served: 1 }),
      items: [{ type: 'pdf', value: hex(199), active: true, labels: [], contributors: 1, externalId: null, frames: pages }],
    });
    const [pdf] = await store.changesSince((await store.lastChange()) - 1, 10);
    expect(pdf).toMatchObject({ kind: 'add', snapshot: { type: 'pdf', origin: 'https://v.example' } });
    expect((await store.framesOf(pdf.hashId)).map((f) => [f.frame, f.value])).toEqual([
      [1, hex(201)],
      [2, hex(202)],
    ]);
    const auditBefore = await log.auditSize();
    for (const error of ['batch refused: bad signature', 'batch refused: bad signature', 'the peer could not be reached']) {
      await ledger.recordPullFailure({
        at: T0,
        peerId: 'v1',
        error,
        refused: error.startsWith('batch') ? { origin: 'https://v.example', from: 'v1', jwsSha256: null } : undefined,
      });
    }
    expect((await entries()).slice(auditBefore).map((e) => [e.action, e.content.reason])).toEqual([['federation.refuse', 'batch refused: bad signature']]);
    expect(await fed.getPeer('v1')).toMatchObject({ failures: 3, lastError: 'the peer could not be reached' });
    // A good pull with nothing new clears them once; a second one finds nothing to clear.
    expect(await ledger.recordPullSuccess({ at: T0 + 5000, peerId: 'v1', seen: { failures: 3, lastErrorAt: T0 } })).toEqual({ cleared: 3 });
    expect(await fed.getPeer('v1')).toMatchObject({ failures: 0, lastError: null, lastErrorAt: null, pulledAt: T0 + 5000 });
    expect(await ledger.recordPullSuccess({ at: T0 + 9000, peerId: 'v1', seen: { failures: 0, lastErrorAt: null } })).toEqual({ cleared: null });
    expect(await fed.getPeer('v1')).toMatchObject({ pulledAt: T0 + 5000 });
  });

  it('a refusal is audited once while the peer serves the same batch, through good pulls with nothing new and other failures; a batch applied ends that', async () => {
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('r1', 'https://r.example') });
    const refusals = async () => (await entries()).filter((e) => e.action === 'federation.refuse' && e.subject.id === 'r1').length;
    const refuse = (at: number) =>
      ledger.recordPullFailure({
        at,
        peerId: 'r1',
        error: 'batch refused: bad signature',
        refused: { origin: 'https://r.example', from: '', jwsSha256: null },
      });
    await refuse(T0);
    expect(await refusals()).toBe(1);
    // A good pull with nothing new (the peer served nothing) between two serves of the same bad batch: before, each cycle was an entry.
    for (let i = 1; i <= 3; i++) {
      const seen = await fed.getPeer('r1');
      expect(await ledger.recordPullSuccess({ at: T0 + i * 10, peerId: 'r1', seen: { failures: seen!.failures, lastErrorAt: seen!.lastErrorAt } })).toEqual({
        cleared: 1,
      });
      await refuse(T0 + i * 10 + 1);
    }
    await ledger.recordPullFailure({ at: T0 + 100, peerId: 'r1', error: 'the peer could not be reached' });
    await refuse(T0 + 101);
    expect(await refusals()).toBe(1);
    expect(await fed.getPeer('r1')).toMatchObject({ failures: 3, lastError: 'batch refused: bad signature' });
    // A batch applied moves the cursor on: it ends the failures (and says how many) and the refusal.
    expect(await ledger.applyPull(commit({ peerId: 'r1', origin: 'https://r.example', from: '', to: 'r1', served: 1, items: [pdq(801)] }))).toMatchObject({
      applied: true,
      failures: 3,
    });
    expect(await fed.getPeer('r1')).toMatchObject({ failures: 0, lastError: null });
    expect(await ledger.applyPull(commit({ peerId: 'r1', origin: 'https://r.example', from: 'r1', to: 'r2', served: 1, items: [pdq(802)] }))).toMatchObject({
      applied: true,
      failures: 0,
    });
    await refuse(T0 + 200);
    expect(await refusals()).toBe(2);
  });

  it("a good pull clears only the failures it saw: a failure recorded after it (another instance's) stays", async () => {
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('s1', 'https://s.example') });
    const fail = (at: number, error = 'the peer could not be reached') => ledger.recordPullFailure({ at, peerId: 's1', error });
    await fail(T0);
    await fail(T0 + 1);
    // Instance X reads the row at its turn's start (2 failures), pulls well; meanwhile instance Y
    // records a newer failure; then X's success lands: it must not wipe Y's failure.
    const seen = { failures: 2, lastErrorAt: T0 + 1 };
    await fail(T0 + 2, 'the peer answered HTTP 502');
    expect(await ledger.recordPullSuccess({ at: T0 + 3, peerId: 's1', seen })).toEqual({ cleared: null });
    expect(await fed.getPeer('s1')).toMatchObject({ failures: 3, lastError: 'the peer answered HTTP 502', lastErrorAt: T0 + 2, pulledAt: null });
    // The same two at once, in whichever order the writer takes them: the newer failure is never lost.
    const now = { failures: 3, lastErrorAt: T0 + 2 };
    const [success] = await Promise.all([ledger.recordPullSuccess({ at: T0 + 5, peerId: 's1', seen: now }), fail(T0 + 4, 'the peer answered HTTP 503')]);
    const after = await fed.getPeer('s1');
    expect(after).toMatchObject({ lastError: 'the peer answered HTTP 503', lastErrorAt: T0 + 4 });
    // Success first: cleared 3, then the failure is the first of a new run; failure first: nothing cleared.
    expect([success.cleared, after!.failures]).toEqual(success.cleared === null ? [null, 4] : [3, 1]);
  });
});

describe('the federation feed reads', () => {
  it("serves only this node's own hashes, in log order, within the range asked", async () => {
    const start = await store.lastChange();
    await ledger.share({ at: T0, contributor: 'm1', items: [{ type: 'pdq', value: hex(500), labels: ['manifesto'], externalId: 'mine' }] });
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('p3', 'https://b.example') });
    await ledger.applyPull(commit({ peerId: 'p3', origin: 'https://b.example', from: '', to: 'b1', served: 1, items: [pdq(501)] }));
    await ledger.share({ at: T0, contributor: 'm1', items: [{ type: 'pdq', value: hex(501), labels: ['manifesto'], externalId: null }] });
    const end = await store.lastChange();
    const local = await fed.localChanges(start, end, 10);
    expect(local.map((c) => [c.snapshot.value, c.externalId])).toEqual([
      [hex(500), 'mine'],
      [hex(501), null],
    ]);
    expect(await fed.localChanges(start, local[0].seq, 10)).toHaveLength(1);
    expect(await fed.localChanges(start, end, 1)).toHaveLength(1);
  });
});

describe('peers restart', () => {
  const R = 'https://restart.example';
  const gone = (n: number) => pdq(n, { active: false, labels: [], contributors: 0 });
  it("notes the origin's standing hashes; each pull clears those it names; the withdrawal of the rest is gated on the cursor", async () => {
    expect((await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('rs1', R) })).added).toBe(true);
    const first = commit({ peerId: 'rs1', origin: R, from: '', to: 'r-c1', served: 4, items: [pdq(5001), pdq(5002), pdq(5003), gone(5004)] });
    expect((await ledger.applyPull(first)).applied).toBe(true);
    expect(await fed.unseenOf('rs1', 100)).toEqual([]);
    const restart = () => ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'rs1', action: 'restart', set: { cursor: '' } });
    expect((await restart()).outcome).toBe('changed');
    expect((await fed.getPeer('rs1'))?.cursor).toBe('');
    // The three standing (5004 was never held); a restart at the start changes and notes nothing.
    expect((await fed.unseenOf('rs1', 100)).map((u) => u.value)).toEqual([hex(5001), hex(5002), hex(5003)]);
    expect((await restart()).outcome).toBe('unchanged');
    expect(await fed.unseenOf('rs1', 2)).toHaveLength(2);
    // The re-read names 5001 (and 5003, as not taken: a retraction), in the commit that applies it.
    const again = commit({ peerId: 'rs1', origin: R, from: '', to: 'r-c2', served: 2, items: [pdq(5001), gone(5003)] });
    expect((await ledger.applyPull(again)).applied).toBe(true);
    expect((await fed.unseenOf('rs1', 100)).map((u) => u.value)).toEqual([hex(5002)]);
    // A withdrawal from a cursor the peer is no longer at writes nothing.
    const withdraw = (at: string) => commit({ peerId: 'rs1', origin: R, from: at, to: at, served: 0, items: [gone(5002)], withdraw: true, restarts: 1 });
    const auditBefore = await log.auditSize();
    const changesBefore = await store.lastChange();
    expect((await ledger.applyPull(withdraw('r-c1'))).applied).toBe(false);
    expect(await fed.unseenOf('rs1', 100)).toHaveLength(1);
    expect(await log.auditSize()).toBe(auditBefore);
    expect((await ledger.applyPull(withdraw('r-c2'))).applied).toBe(true);
    expect(await fed.unseenOf('rs1', 100)).toEqual([]);
    expect((await fed.getPeer('rs1'))?.cursor).toBe('r-c2');
    expect((await entries()).slice(auditBefore)).toMatchObject([
      {
        action: 'federation.withdraw',
        actor: 'federation',
        subject: { kind: 'peer', id: 'rs1' },
        content: { origin: R, cursor: 'r-c2', hashes: [['pdq', hex(5002)]] },
      },
    ]);
    expect((await store.changesSince(changesBefore, 10)).map((c) => [c.kind, c.snapshot.value])).toEqual([['retract', hex(5002)]]);
    // The same withdrawal again (a second instance's): the note is gone, so it writes nothing.
    const auditAfter = await log.auditSize();
    expect((await ledger.applyPull(withdraw('r-c2'))).applied).toBe(false);
    expect(await log.auditSize()).toBe(auditAfter);
  });

  it('two identical withdrawals (two instances at the end of one re-read): one applies, one audit entry', async () => {
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('rs2', 'https://twice.example') });
    const O = 'https://twice.example';
    expect((await ledger.applyPull(commit({ peerId: 'rs2', origin: O, from: '', to: 'w1', served: 2, items: [pdq(5101), pdq(5102)] }))).applied).toBe(true);
    await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'rs2', action: 'restart', set: { cursor: '' } });
    expect((await ledger.applyPull(commit({ peerId: 'rs2', origin: O, from: '', to: 'w1', served: 1, items: [pdq(5101)] }))).applied).toBe(true);
    const w = commit({ peerId: 'rs2', origin: O, from: 'w1', to: 'w1', served: 0, items: [gone(5102)], withdraw: true, restarts: 1 });
    const auditBefore = await log.auditSize();
    const results = await Promise.all([ledger.applyPull(w), ledger.applyPull(w)]);
    expect(results.map((r) => r.applied).sort()).toEqual([false, true]);
    expect((await entries()).slice(auditBefore).map((e) => e.action)).toEqual(['federation.withdraw']);
  });

  it('a withdrawal readied before a restart retracts nothing, even where the re-read ends at the same cursor', async () => {
    const O = 'https://race.example';
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('rs3', O) });
    const all = [pdq(5201), pdq(5202), pdq(5203)];
    expect((await ledger.applyPull(commit({ peerId: 'rs3', origin: O, from: '', to: 'END', served: 3, items: all }))).applied).toBe(true);
    // Instance X reads the peer (no restart yet), fetches: the peer has no more at END.
    const seen = (await fed.getPeer('rs3'))!;
    expect(seen.restarts).toBe(0);
    // The admin restarts; X reads the notes (all three).
    await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'rs3', action: 'restart', set: { cursor: '' } });
    const notes = await fed.unseenOf('rs3', 100);
    expect(notes).toHaveLength(3);
    const xWithdraw = commit({
      peerId: 'rs3',
      origin: O,
      from: 'END',
      to: 'END',
      served: 0,
      items: notes.map((u) => gone(Number.parseInt(u.value.slice(-8), 16))),
      withdraw: true,
      restarts: seen.restarts,
    });
    expect(xWithdraw.items.map((it) => it.value)).toEqual(notes.map((u) => u.value));
    // Second form: a stale "no more" at a cursor where the re-read has a batch boundary, hashes not yet re-read.
    expect((await ledger.applyPull(commit({ peerId: 'rs3', origin: O, from: '', to: 'MID', served: 1, items: [pdq(5201)] }))).applied).toBe(true);
    const midWithdraw = commit({ ...xWithdraw, from: 'MID', to: 'MID', items: [gone(5202), gone(5203)] });
    expect((await ledger.applyPull(midWithdraw)).applied).toBe(false);
    // Instance Y re-reads the rest to END, naming every hash: no note is left.
    expect((await ledger.applyPull(commit({ peerId: 'rs3', origin: O, from: 'MID', to: 'END', served: 2, items: [pdq(5202), pdq(5203)] }))).applied).toBe(true);
    expect(await fed.unseenOf('rs3', 100)).toEqual([]);
    const auditBefore = await log.auditSize();
    // X's withdrawal END -> END: the cursor matches, but the restart and the notes do not.
    expect((await ledger.applyPull(xWithdraw)).applied).toBe(false);
    // Even with the restart count as it is now: the notes are gone.
    expect((await ledger.applyPull({ ...xWithdraw, restarts: 1 })).applied).toBe(false);
    expect(await log.auditSize()).toBe(auditBefore);
    const standing = await db.reader.all<{ n: number }>(
      sql`select count(*) as n from contributions c join hashes h on h.id = c.hash_id where h.origin = ${O} and c.contributor = ${O} and c.retracted_at is null`,
    );
    expect(Number(standing[0].n)).toBe(3);
  });

  it("a removed peer's notes go with it", async () => {
    const O = 'https://removed.example';
    await ledger.addPeer({ at: T0, actor: 'admin', peer: peerRow('rs4', O) });
    expect((await ledger.applyPull(commit({ peerId: 'rs4', origin: O, from: '', to: 'z1', served: 2, items: [pdq(5301), pdq(5302)] }))).applied).toBe(true);
    await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'rs4', action: 'restart', set: { cursor: '' } });
    expect(await fed.unseenOf('rs4', 100)).toHaveLength(2);
    expect((await ledger.updatePeer({ at: T0, actor: 'admin', peerId: 'rs4', action: 'remove', set: { status: 'removed' } })).outcome).toBe('changed');
    expect(await fed.unseenOf('rs4', 100)).toEqual([]);
  });
});

describe('the statements find their rows through indexes', () => {
  it('no federation statement scans a table that grows', async () => {
    // Rows in every table, then ANALYZE, so the planner sees a database like a node's.
    await ledger.share({
      at: T0,
      contributor: 'p1',
      items: Array.from({ length: 50 }, (_, i) => ({ type: 'pdq' as const, value: hex(1000 + i), labels: ['manifesto'], externalId: null })),
    });
    await ledger.applyPull(
      commit({ peerId: 'p3', origin: 'https://b.example', from: 'b1', to: 'b2', served: 50, items: Array.from({ length: 50 }, (_, i) => pdq(2000 + i)) }),
    );
    await db.client.execute('ANALYZE');
    const frames = [{ frame: 0, timestampMs: 0, quality: 90, value: hex(3), indexed: true }];
    const built: Stmt[][] = [
      addPeerStatements({ at: T0, tx: 't', actor: 'a', peer: peerRow('x', 'https://x.example') }).stmts,
      updatePeerStatements({ at: T0, tx: 't', actor: 'a', peerId: 'x', action: 'update', set: { matching: false, labels: ['manifesto'], intervalMs: 5 } })
        .stmts,
      pullStatements({
        ...commit({ served: 2, items: [pdq(1), { type: 'vpdq', value: hex(2), active: true, labels: [], contributors: 1, externalId: null, frames }] }),
        tx: 't',
        ids: ['i', 'j'],
        buckets: true,
      }).stmts,
      pullStatements({ ...commit({ served: 2, items: [pdq(1), pdq(2)] }), tx: 't', ids: ['i', 'j'], fresh: [true, false] }).stmts,
      pullFailureStatements({ at: T0, peerId: 'x', error: 'e', refused: { origin: 'o', from: '', jwsSha256: null } }),
      pullSuccessStatements({ at: T0, peerId: 'x', seen: { failures: 1, lastErrorAt: T0 } }),
      // A restart notes the origin's hashes through the partial index of pulled hashes by origin.
      updatePeerStatements({ at: T0, tx: 't', actor: 'a', peerId: 'x', action: 'restart', set: { cursor: '' } }).stmts,
      pullStatements({ ...commit({ from: 'c', to: 'c', items: [pdq(1)], withdraw: true, restarts: 1 }), tx: 't', ids: ['i'] }).stmts,
      updatePeerStatements({ at: T0, tx: 't', actor: 'a', peerId: 'x', action: 'remove', set: { status: 'removed' } }).stmts,
    ];
    let checked = 0;
    for (const stmts of built) {
      for (const s of stmts) {
        const { sql, lines } = await planOf(db, s);
        // A search of hashes by its origin alone would read every hash of a peer (per item).
        const scans = lines.filter(
          (l) => (/^SCAN /.test(l) && !/^SCAN (r|j|f|lj|p|i|x|CONSTANT ROW|\d+ CONSTANT ROWS|\(subquery-\d+\))( |$)/.test(l)) || /\(origin=\?\)$/.test(l),
        );
        // Except a restart's note of the peer's hashes: every one of them once, by the partial index (no scan).
        const meant = /^insert into peer_unseen/.test(sql) ? 'SEARCH h USING INDEX hashes_origin (origin=?)' : null;
        expect(
          scans.filter((l) => l !== meant),
          `${sql}\n${lines.join('\n')}`,
        ).toEqual([]);
        checked++;
      }
    }
    // The feed's own read: the log by its key, each hash by its id.
    const read = await db.client.execute({
      sql: `explain query plan select c.seq from changes c cross join hashes h on h.id = c.subject where c.seq > 1 and c.seq <= 100 and c.kind in ('add', 'update', 'retract') and h.origin = '' order by c.seq limit 10`,
      args: [],
    });
    expect(read.rows.map((r) => String(r.detail)).filter((l) => /^SCAN /.test(l))).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });
});
