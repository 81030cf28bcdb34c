/**
 * The ledger and the read stores on a real SQLite file (libsql, two connections on their own
 * threads, as the node runs them): what each commit decides, what it writes beside the change
 * (change-log rows, audit entries), that a failing commit writes nothing, and that every statement
 * finds its rows through an index.
 */
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, openLedgerDb, planOf } from '../support/ledger-db';
import type { OpenDb } from '../../src/runtime/node/database';
import type { SqlHashStore } from '../../src/storage/hash-store';
import {
  addClientKeyStatements,
  createClientStatements,
  feedbackStatements,
  retractStatements,
  revokeClientKeyStatements,
  rotateNodeKeyStatements,
  setClientStatusStatements,
  shareContent,
  shareStatements,
  type SqlLedger,
  type Stmt,
} from '../../src/storage/ledger';
import type { SqlLogStore } from '../../src/storage/log-store';
import { canonicalJson } from '../../src/core/audit';
import type { LedgerShareItem } from '../../src/storage/types';

const T0 = Date.UTC(2026, 0, 1);
const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');
const item = (value: string, labels: string[], over: Partial<LedgerShareItem> = {}): LedgerShareItem => ({
  type: 'pdq',
  value,
  labels,
  externalId: null,
  ...over,
});

let db: OpenDb;
let ledger: SqlLedger;
let store: SqlHashStore;
let log: SqlLogStore;

beforeAll(async () => {
  ({ db, ledger, store, log } = await openLedgerDb('mhn-ledger-'));
});
afterAll(() => db.close());

const entries = () => auditEntries(log);

describe('share', () => {
  it('creates, leaves unchanged, relabels and adds beside, deciding inside the commit', async () => {
    const v = hex(1);
    const before = await log.auditSize();
    const a = await ledger.share({ at: T0, contributor: 'p1', items: [item(v, ['attack-footage'])] });
    expect(a.items[0].outcome).toBe('created');
    const again = await ledger.share({ at: T0 + 1, contributor: 'p1', items: [item(v, ['attack-footage'])] });
    expect(again.items[0]).toEqual({ ...a.items[0], outcome: 'unchanged' });
    expect(again.lastChange).toBe(a.lastChange);
    const relabel = await ledger.share({ at: T0 + 2, contributor: 'p1', items: [item(v, ['manifesto'])] });
    expect(relabel.items[0].outcome).toBe('updated');
    const beside = await ledger.share({ at: T0 + 3, contributor: 'p2', items: [item(v, ['attack-footage', 'glorification'])] });
    expect(beside.items[0].outcome).toBe('added');

    const h = (await store.getById(a.items[0].id))!;
    expect(h.contributions.map((c) => [c.contributor, c.labels])).toEqual([
      ['p1', ['manifesto']],
      ['p2', ['attack-footage', 'glorification']],
    ]);
    // One change-log row per change, none for the unchanged share; the snapshot is the state after each.
    const changes = (await store.changesSince(a.lastChange - 1, 10)).filter((c) => c.hashId === h.id);
    expect(changes.map((c) => [c.kind, c.snapshot.labels, c.snapshot.contributors])).toEqual([
      ['add', ['attack-footage'], 1],
      ['update', ['manifesto'], 1],
      ['update', ['attack-footage', 'glorification', 'manifesto'], 2],
    ]);
    // Audit entries: canonical JSON naming the action the commit took, with the hash's id.
    const added = (await entries()).slice(before);
    expect(added.map((e) => [e.action, e.actor, e.subject.id, e.content.labels])).toEqual([
      ['hash.share', 'p1', h.id, ['attack-footage']],
      ['hash.relabel', 'p1', h.id, ['manifesto']],
      ['hash.share', 'p2', h.id, ['attack-footage', 'glorification']],
    ]);
    for (const e of (await log.auditEntries(0, await log.auditSize())).map((x) => x.entry)) expect(canonicalize(JSON.parse(e))).toBe(e);
  });

  it('a hash named twice in one call is shared once, with the union of the labels', async () => {
    const v = hex(31);
    const before = await log.auditSize();
    const r = await ledger.share({
      at: T0,
      contributor: 'p5',
      items: [item(v, ['recruitment']), item(hex(32), ['manifesto']), item(v, ['glorification', 'recruitment'])],
    });
    expect(r.items.map((x) => x.outcome)).toEqual(['created', 'created', 'created']);
    expect(r.items[0].id).toBe(r.items[2].id);
    const h = (await store.getById(r.items[0].id))!;
    expect(h.contributions.map((c) => c.labels)).toEqual([['glorification', 'recruitment']]);
    expect((await store.changesSince(r.lastChange - 2, 10)).map((c) => c.kind)).toEqual(['add', 'add']);
    expect((await entries()).slice(before).map((e) => e.action)).toEqual(['hash.share', 'hash.share']);
  });

  it('writes a batch of 1000 in one commit, in order, and every later lookup is one seek', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(hex(10_000 + i, 32), ['recruitment'], { type: 'md5', externalId: `case-${i}` }));
    const r = await ledger.share({ at: T0, contributor: 'p3', items });
    expect(r.items.map((x) => x.outcome)).toEqual(items.map(() => 'created'));
    expect(new Set(r.items.map((x) => x.seq)).size).toBe(1000);
    const got = await store.getBySeqs(r.items.map((x) => x.seq));
    expect(new Map(got.map((d) => [d.seq, d.value]))).toEqual(new Map(r.items.map((x, i) => [x.seq, items[i].value])));
    const half = await ledger.share({ at: T0 + 1, contributor: 'p3', items: items.slice(0, 500).map((it) => ({ ...it, labels: ['manifesto'] })) });
    expect(half.items.map((x) => x.outcome)).toEqual(items.slice(0, 500).map(() => 'updated'));
    expect(half.items.map((x) => x.id)).toEqual(r.items.slice(0, 500).map((x) => x.id));
    // The scratch rows that carried each item's seq between the statements are gone with the commit.
    expect((await db.client.execute('select count(*) as n from share_rows')).rows[0].n).toBe(0);
  });

  it('a share of several chunks relabels, leaves and creates each item as one of one chunk would', async () => {
    const first = await ledger.share({ at: T0, contributor: 'p6', items: Array.from({ length: 1000 }, (_, i) => item(hex(50_000 + i), ['recruitment'])) });
    // 4000 items: the 1000 shared above (the even ones relabelled, the odd ones as they were), then 3000 new.
    const items = Array.from({ length: 4000 }, (_, i) => item(hex(50_000 + i), i < 1000 && i % 2 === 0 ? ['manifesto'] : ['recruitment']));
    const chunks = shareStatements({ at: T0, tx: 't', contributor: 'p6', origin: '', items: items.map((it) => ({ ...it, id: 'x' })) }).reads.length;
    expect(chunks).toBeGreaterThanOrEqual(3);
    const r = await ledger.share({ at: T0 + 1, contributor: 'p6', items });
    const expected = items.map((_, i) => (i >= 1000 ? 'created' : i % 2 === 0 ? 'updated' : 'unchanged'));
    expect(r.items.map((x) => x.outcome)).toEqual(expected);
    expect(r.items.slice(0, 1000).map((x) => x.id)).toEqual(first.items.map((x) => x.id));
    // One change-log row for each item the share changed, in the items' order across the chunks.
    const changes = await store.changesSince(first.lastChange, 10_000);
    expect(changes.map((c) => c.hashId)).toEqual(r.items.filter((_, i) => expected[i] !== 'unchanged').map((x) => x.id));
    expect(changes.map((c) => c.kind)).toEqual(expected.filter((o) => o !== 'unchanged').map((o) => (o === 'created' ? 'add' : 'update')));
    expect((await store.getById(r.items[0].id))?.contributions.map((c) => c.labels)).toEqual([['manifesto']]);
    expect((await db.client.execute('select count(*) as n from share_rows')).rows[0].n).toBe(0);
  });

  it("stores a video's frames with the hash that brings them, and reads them by video and by seq", async () => {
    const f = (c: string) => c.repeat(64);
    const frame = (n: number, value: string, quality: number, indexed: boolean) => ({ frame: n, timestampMs: n * 1000, quality, value, indexed });
    const r = await ledger.share({
      at: T0,
      contributor: 'p1',
      items: [
        // Frames 0 and 2 indexed; 1 is low quality; 3 repeats 0.
        item(f('e'), ['attack-footage'], {
          type: 'vpdq',
          frames: [frame(0, f('a'), 90, true), frame(1, f('b'), 20, false), frame(2, f('c'), 80, true), frame(3, f('a'), 90, false)],
        }),
        item(f('d'), ['attack-footage'], { type: 'vpdq', frames: [frame(0, f('9'), 100, true)] }),
      ],
    });
    const [v1, v2] = r.items;
    const rows = await store.framesOf(v1.id);
    expect(rows.map((x) => [x.frame, x.quality, x.indexed, x.timestampMs])).toEqual([
      [0, 90, true, 0],
      [1, 20, false, 1000],
      [2, 80, true, 2000],
      [3, 90, false, 3000],
    ]);
    expect((await store.indexedFramesOf([v1.id, v2.id])).map((e) => e.value).sort()).toEqual([f('9'), f('a'), f('c')]);
    expect(await store.frameCounts([v1.id, v2.id, 'nothing'])).toEqual(
      new Map([
        [v1.id, 4],
        [v2.id, 1],
      ]),
    );
    const owners = await store.framesBySeqs([rows[2].seq, 99999]);
    expect(owners.map((o) => [o.hashId, o.frame, o.hashSeq, o.indexedFrames])).toEqual([[v1.id, 2, v1.seq, 2]]);
    // Sharing the video again brings no second copy of its frames.
    await ledger.share({ at: T0 + 1, contributor: 'p2', items: [item(f('e'), ['attack-footage'], { type: 'vpdq', frames: [frame(0, f('a'), 90, true)] })] });
    expect(await store.frameCounts([v1.id])).toEqual(new Map([[v1.id, 4]]));
  });

  it('a commit that fails part-way writes nothing at all', async () => {
    const size = await log.auditSize();
    const last = await store.lastChange();
    const bad = ledger.share({
      at: T0,
      contributor: 'p1',
      items: [
        item(hex(77), ['attack-footage']),
        item(hex(78), ['attack-footage'], {
          type: 'vpdq',
          frames: [{ frame: 0, timestampMs: 0, quality: 90, value: null as unknown as string, indexed: true }],
        }),
      ],
    });
    await expect(bad).rejects.toThrow();
    expect(await log.auditSize()).toBe(size);
    expect(await store.lastChange()).toBe(last);
    expect(await store.findActiveByValue('pdq', hex(77))).toEqual([]);
  });
});

describe('retract and feedback', () => {
  it('a retraction leaves a tombstone only when the last contribution goes; an admin retracts all', async () => {
    const v = hex(2);
    const { items } = await ledger.share({ at: T0, contributor: 'p1', items: [item(v, ['attack-footage'])] });
    await ledger.share({ at: T0, contributor: 'p2', items: [item(v, ['recruitment'])] });
    const id = items[0].id;
    const one = await ledger.retract({ at: T0 + 1, actor: 'p1', hashId: id, type: 'pdq', value: v, contributor: 'p1' });
    expect(one).toMatchObject({ changed: true, status: 'active', contributors: 1 });
    expect(await ledger.retract({ at: T0 + 2, actor: 'p1', hashId: id, type: 'pdq', value: v, contributor: 'p1' })).toMatchObject({
      changed: false,
      status: 'active',
      contributors: 1,
    });
    const all = await ledger.retract({ at: T0 + 3, actor: 'admin', hashId: id, type: 'pdq', value: v, contributor: null });
    expect(all).toMatchObject({ changed: true, status: 'retracted', contributors: 0 });
    const changes = (await store.changesSince(0, 100_000)).filter((c) => c.hashId === id);
    expect(changes.map((c) => [c.kind, c.snapshot.contributors, c.snapshot.status])).toEqual([
      ['add', 1, 'active'],
      ['update', 2, 'active'],
      ['update', 1, 'active'],
      ['retract', 0, 'retracted'],
    ]);
    const retractions = (await entries()).filter((e) => e.action === 'hash.retract' && e.subject.id === id);
    expect(retractions.map((e) => [e.actor, e.content.contributorsRetracted, e.content.contributorsRemaining])).toEqual([
      ['p1', ['p1'], 1],
      ['admin', ['p2'], 0],
    ]);
    expect(await store.findActiveByValue('pdq', v)).toEqual([]);
    // Sharing it again brings it back: an add.
    const back = await ledger.share({ at: T0 + 4, contributor: 'p1', items: [item(v, ['attack-footage'])] });
    expect(back.items[0]).toMatchObject({ id, outcome: 'added' });
    expect((await store.changesSince(all.lastChange, 10)).map((c) => c.kind)).toEqual(['add']);
    expect(await ledger.feedback({ at: T0 + 5, member: 'p9', hashId: id, verdict: 'confirm', reason: null })).toMatchObject({
      outcome: 'recorded',
      confirm: 1,
      dispute: 0,
    });
    expect(await ledger.feedback({ at: T0 + 6, member: 'p9', hashId: id, verdict: 'confirm', reason: null })).toMatchObject({
      outcome: 'unchanged',
      confirm: 1,
    });
    expect(await ledger.feedback({ at: T0 + 7, member: 'p9', hashId: id, verdict: 'dispute', reason: 'a news report' })).toMatchObject({
      outcome: 'recorded',
      confirm: 0,
      dispute: 1,
    });
    const fb = (await entries()).filter((e) => e.action === 'hash.feedback' && e.subject.id === id);
    expect(fb.map((e) => [e.content.verdict, e.content.previous])).toEqual([
      ['confirm', null],
      ['dispute', 'confirm'],
    ]);
    await ledger.retract({ at: T0 + 8, actor: 'p1', hashId: id, type: 'pdq', value: v, contributor: 'p1' });
    expect((await ledger.feedback({ at: T0 + 9, member: 'p8', hashId: id, verdict: 'confirm', reason: null })).outcome).toBe('retracted');
  });
});

describe('clients and node keys', () => {
  it('never suspends the last active admin; a key is added once; the first node key is made once', async () => {
    const client = (id: string, role: 'admin' | 'partner') => ({ id, name: id, role, status: 'active' as const, createdAt: T0, updatedAt: T0 });
    expect((await ledger.createClient({ at: T0, actor: 'cli', client: client('a1', 'admin'), keys: [], onlyIfNoAdmin: true })).created).toBe(true);
    expect((await ledger.createClient({ at: T0, actor: 'cli', client: client('a2', 'admin'), keys: [], onlyIfNoAdmin: true })).created).toBe(false);
    expect((await ledger.setClientStatus({ at: T0, actor: 'x', clientId: 'a1', status: 'suspended' })).outcome).toBe('last_admin');
    await ledger.createClient({ at: T0, actor: 'cli', client: client('a3', 'admin'), keys: [] });
    expect((await ledger.setClientStatus({ at: T0, actor: 'x', clientId: 'a1', status: 'suspended' })).outcome).toBe('changed');
    expect((await ledger.setClientStatus({ at: T0, actor: 'x', clientId: 'a1', status: 'suspended' })).outcome).toBe('unchanged');
    expect((await ledger.setClientStatus({ at: T0, actor: 'x', clientId: 'a3', status: 'suspended' })).outcome).toBe('last_admin');
    expect((await ledger.setClientStatus({ at: T0, actor: 'x', clientId: 'nobody', status: 'suspended' })).outcome).toBe('not_found');
    const key = { kid: 'k1', clientId: 'a3', jwk: { kty: 'OKP' }, alg: 'EdDSA', status: 'active' as const, createdAt: T0, revokedAt: null };
    expect((await ledger.addClientKey({ at: T0, actor: 'x', key })).added).toBe(true);
    expect((await ledger.addClientKey({ at: T0, actor: 'x', key })).added).toBe(false);
    expect((await ledger.addClientKey({ at: T0, actor: 'x', key: { ...key, clientId: 'nobody' } })).added).toBe(false);
    expect((await ledger.revokeClientKey({ at: T0, actor: 'x', clientId: 'a3', kid: 'k1' })).revoked).toBe(true);
    expect((await ledger.revokeClientKey({ at: T0, actor: 'x', clientId: 'a3', kid: 'k1' })).revoked).toBe(false);
    const nodeKey = (kid: string) => ({
      kid,
      alg: 'EdDSA',
      publicJwk: { kid },
      privateJwk: 'sealed',
      status: 'current' as const,
      createdAt: T0,
      retiredAt: null,
    });
    const firsts = await Promise.all([1, 2, 3].map((i) => ledger.rotateNodeKey({ at: T0, actor: 'node', key: nodeKey(`n${i}`), onlyIfNoCurrent: true })));
    expect(firsts.filter((r) => r.rotated)).toHaveLength(1);
    expect((await ledger.rotateNodeKey({ at: T0, actor: 'admin', key: nodeKey('n9') })).rotated).toBe(true);
    const rotations = (await entries()).filter((e) => e.action === 'node-key.rotate');
    expect(rotations.map((e) => e.content.retired)).toEqual([[], [expect.stringMatching(/^n[123]$/)]]);
  });
});

describe('the statements find their rows through indexes', () => {
  it('no statement of the ledger scans a table that grows: hashes, contributions, feedback, frames, clients, keys', async () => {
    // A few rows in every table, then ANALYZE, so the planner sees a database like a node's.
    const { items } = await ledger.share({ at: T0, contributor: 'p1', items: Array.from({ length: 50 }, (_, i) => item(hex(500 + i), ['attack-footage'])) });
    await db.client.execute('ANALYZE');
    const built: Stmt[][] = [
      shareStatements({
        at: T0,
        tx: 't',
        contributor: 'p1',
        origin: '',
        items: [
          { ...item(hex(1), ['x']), id: 'i' },
          { ...item(hex(2), ['x'], { type: 'vpdq', frames: [{ frame: 0, timestampMs: 0, quality: 90, value: hex(3), indexed: true }] }), id: 'j' },
        ],
        buckets: true,
      }).stmts,
      retractStatements({ at: T0, tx: 't', actor: 'p1', hashId: items[0].id, type: 'pdq', value: hex(500), contributor: 'p1' }).stmts,
      retractStatements({ at: T0, tx: 't', actor: 'a', hashId: items[0].id, type: 'pdq', value: hex(500), contributor: null }).stmts,
      feedbackStatements({ at: T0, tx: 't', member: 'p2', hashId: items[0].id, verdict: 'confirm', reason: null }).stmts,
      createClientStatements({
        at: T0,
        tx: 't',
        actor: 'a',
        client: { id: 'c', name: 'c', role: 'admin', status: 'active', createdAt: T0, updatedAt: T0 },
        keys: [{ kid: 'k', clientId: 'c', jwk: {}, alg: 'EdDSA', status: 'active', createdAt: T0, revokedAt: null }],
        onlyIfNoAdmin: true,
      }).stmts,
      setClientStatusStatements({ at: T0, tx: 't', actor: 'a', clientId: 'c', status: 'suspended' }).stmts,
      addClientKeyStatements({
        at: T0,
        tx: 't',
        actor: 'a',
        key: { kid: 'k', clientId: 'c', jwk: {}, alg: 'EdDSA', status: 'active', createdAt: T0, revokedAt: null },
      }).stmts,
      revokeClientKeyStatements({ at: T0, tx: 't', actor: 'a', clientId: 'c', kid: 'k' }).stmts,
      rotateNodeKeyStatements({
        at: T0,
        tx: 't',
        actor: 'a',
        key: { kid: 'k', alg: 'EdDSA', publicJwk: {}, privateJwk: 's', status: 'current', createdAt: T0, retiredAt: null },
        onlyIfNoCurrent: true,
      }).stmts,
    ];
    let checked = 0;
    for (const stmts of built) {
      for (const s of stmts) {
        const { sql, lines } = await planOf(db, s);
        // A SCAN of a table that grows with the bank or the membership would read every row (the
        // items' json_each, the CTEs over them, a share's scratch rows (share_rows: one chunk's at
        // most, empty between commits), node_keys, a row per rotation, and a member's labels on one
        // hash (ml: the union of its sources', memberLabelsSql) may be scanned).
        const scans = lines.filter(
          (l) => /^SCAN /.test(l) && !/^SCAN (r|j|f|lj|ml|p|i|x|share_rows|node_keys|CONSTANT ROW|\d+ CONSTANT ROWS|\(subquery-\d+\))( |$)/.test(l),
        );
        expect(scans, `${sql}\n${lines.join('\n')}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('the audit content of a shared hash', () => {
  it('is written out as canonicalJson writes it, whatever the externalId holds', () => {
    const cases = [
      { type: 'pdq' as const, value: 'ab'.repeat(32), labels: ['recruitment'], externalId: null },
      { type: 'md5' as const, value: 'cd'.repeat(16), labels: ['attack-footage', 'recruitment'], externalId: 'case "7" \\ é 漢字 😀 \u2028' },
      { type: 'sha256' as const, value: 'ef'.repeat(32), labels: [], externalId: '' },
      { type: 'pdq' as const, value: '01'.repeat(32), labels: ['manifesto'], externalId: undefined as unknown as null },
      { type: 'vpdq' as const, value: '23'.repeat(32), labels: ['recruitment'], externalId: 'x', auditExtra: { frames: 12 } },
    ];
    for (const c of cases) {
      expect(shareContent(c)).toBe(canonicalJson({ type: c.type, value: c.value, labels: c.labels, externalId: c.externalId, ...c.auditExtra }));
    }
  });
});
