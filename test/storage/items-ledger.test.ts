/**
 * Items in the ledger (issue 14 item 5), on a real SQLite file: a share of media writes its item,
 * the member's share of it and the links to its hashes in the same commit as the hashes; retracting
 * and relabelling an item act on all its hashes in one commit; a failing commit writes nothing; and
 * every item statement finds its rows through an index.
 */
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import type { OpenDb } from '../../src/runtime/node/database';
import { activeOfItemsQuery, type SqlHashStore } from '../../src/storage/hash-store';
import { relabelItemStatements, retractItemStatements, shareStatements, type SqlLedger, type Stmt } from '../../src/storage/ledger';
import type { SqlLogStore } from '../../src/storage/log-store';
import type { LedgerItem, LedgerShareItem } from '../../src/storage/types';
import { auditEntries, openLedgerDb, planOf } from '../support/ledger-db';

const T0 = Date.UTC(2026, 0, 1);
const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');

let db: OpenDb;
let ledger: SqlLedger;
let store: SqlHashStore;
let log: SqlLogStore;

beforeAll(async () => {
  ({ db, ledger, store, log } = await openLedgerDb('mhn-items-'));
});
afterAll(() => db.close());

/** An image's four hashes (seeded), with their variants, and its item. */
function image(seed: number, labels: string[], variants: Record<string, string> = {}): { items: LedgerShareItem[]; media: LedgerItem[]; item: LedgerItem } {
  const sha = hex(seed * 10 + 4);
  const item: LedgerItem = { id: itemId('http://node.test', sha), sha256: sha, kind: 'image', labels };
  const h = (type: LedgerShareItem['type'], value: string): LedgerShareItem => ({
    type,
    value,
    labels,
    externalId: null,
    links: [{ item: item.id, variant: variants[type] ?? 'whole' }],
  });
  return {
    items: [h('pdq', hex(seed * 10 + 1)), h('blockhash', hex(seed * 10 + 2)), h('md5', hex(seed * 10 + 3, 32)), h('sha256', sha)],
    media: [item],
    item,
  };
}
/** The arguments of a share of the image (its hashes and its item). */
const of = (img: ReturnType<typeof image>) => ({ items: img.items, media: img.media });

const standing = async (hashId: string) => (await store.getById(hashId))!.contributions.filter((c) => c.retractedAt === null).map((c) => c.contributor);

describe("an item's hashes of one type (robust matching's together rule)", () => {
  it("reads the active hashes of the type among the items given, by the items' key, scanning nothing", async () => {
    const a = image(71, ['attack-footage']);
    const b = image(72, ['attack-footage']);
    await ledger.share({ at: T0, contributor: 'p1', ...of(a) });
    await ledger.share({ at: T0, contributor: 'p1', ...of(b) });
    const found = await store.activeOfItems([a.item.id, b.item.id, 'no-such-item'], 'pdq');
    expect(found.map((h) => h.value).sort()).toEqual([a.items[0].value, b.items[0].value].sort());
    expect(found.every((h) => h.type === 'pdq')).toBe(true);
    expect(await store.activeOfItems([a.item.id], 'blockhash')).toEqual([{ seq: expect.any(Number), type: 'blockhash', value: a.items[1].value }]);
    // A retracted item's hashes are no longer active.
    await ledger.retractItem({ at: T0, actor: 'p1', itemId: a.item.id, sha256: a.item.sha256, contributor: 'p1' });
    expect((await store.activeOfItems([a.item.id, b.item.id], 'pdq')).map((h) => h.value)).toEqual([b.items[0].value]);
    // item_hashes by the items' key first, then each hash by its id: never every hash of the type.
    const q = db.writer.all(activeOfItemsQuery([a.item.id, b.item.id], 'pdq')).getQuery();
    const plan = await db.client.execute({ sql: `explain query plan ${q.sql}`, args: q.params as never });
    const lines = plan.rows.map((r) => String(r.detail));
    expect(lines, lines.join('\n')).toEqual([
      expect.stringMatching(/^SEARCH ih USING (COVERING )?INDEX sqlite_autoindex_item_hashes_1 \(item_id=\?\)/),
      expect.stringMatching(/^SEARCH h USING INDEX hashes_id \(id=\?\)/),
    ]);
  });
});

describe('a share of media makes one item', () => {
  it("writes the item, its hashes with their variants and the member's share in the commit of the hashes", async () => {
    const img = image(1, ['attack-footage'], { blockhash: 'trim' });
    const before = await log.auditSize();
    const last = await store.lastChange();
    const a = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    expect(a.media).toEqual([{ id: img.item.id, outcome: 'created' }]);
    expect(a.items.map((r) => r.outcome)).toEqual(['created', 'created', 'created', 'created']);

    const d = (await store.getItem(img.item.id))!;
    expect(d).toMatchObject({ id: img.item.id, origin: '', sha256: img.item.sha256, kind: 'image', createdAt: T0 });
    expect(d.hashes.map((h) => [h.id, h.type, h.variant])).toEqual([
      [a.items[0].id, 'pdq', 'whole'],
      [a.items[1].id, 'blockhash', 'trim'],
      [a.items[2].id, 'md5', 'whole'],
      [a.items[3].id, 'sha256', 'whole'],
    ]);
    expect(d.contributions).toEqual([{ contributor: 'p1', labels: ['attack-footage'], createdAt: T0, updatedAt: T0, retractedAt: null }]);
    // Each hash names its item: in its detail (matching) and in its feed row.
    expect((await store.getById(a.items[1].id))!.items).toEqual([{ id: img.item.id, variant: 'trim' }]);
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => [c.kind, c.snapshot.type, c.snapshot.items])).toEqual([
      ['add', 'pdq', [{ id: img.item.id, variant: 'whole' }]],
      ['add', 'blockhash', [{ id: img.item.id, variant: 'trim' }]],
      ['add', 'md5', [{ id: img.item.id, variant: 'whole' }]],
      ['add', 'sha256', [{ id: img.item.id, variant: 'whole' }]],
    ]);
    // Four hash.share entries and one item.share entry, canonical JSON.
    const added = (await auditEntries(log)).slice(before);
    expect(added.map((e) => e.action)).toEqual(['item.share', 'hash.share', 'hash.share', 'hash.share', 'hash.share']);
    expect(added[0]).toMatchObject({
      actor: 'p1',
      subject: { kind: 'item', id: img.item.id },
      content: {
        sha256: img.item.sha256,
        kind: 'image',
        labels: ['attack-footage'],
        hashes: img.items.map((h) => ({ type: h.type, value: h.value, variant: h.links?.[0].variant })),
      },
    });
    for (const e of (await log.auditEntries(0, await log.auditSize())).map((x) => x.entry)) expect(canonicalize(JSON.parse(e))).toBe(e);
  });

  it('is unchanged, added beside, relabelled as a hash share is', async () => {
    const img = image(2, ['manifesto']);
    await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    const size = await log.auditSize();
    const last = await store.lastChange();
    const again = await ledger.share({ at: T0 + 1, contributor: 'p1', ...of(img) });
    expect(again.media).toEqual([{ id: img.item.id, outcome: 'unchanged' }]);
    expect(await log.auditSize()).toBe(size);
    expect(await store.lastChange()).toBe(last);
    expect((await ledger.share({ at: T0 + 2, contributor: 'p2', ...of(img) })).media[0].outcome).toBe('added');
    const relabelled = image(2, ['glorification']);
    expect((await ledger.share({ at: T0 + 3, contributor: 'p1', ...of(relabelled) })).media[0].outcome).toBe('updated');
    const d = (await store.getItem(img.item.id))!;
    expect(d.contributions.map((c) => [c.contributor, c.labels])).toEqual([
      ['p1', ['glorification']],
      ['p2', ['manifesto']],
    ]);
    expect(
      (await auditEntries(log))
        .slice(size)
        .filter((e) => e.subject.kind === 'item')
        .map((e) => [e.action, e.actor]),
    ).toEqual([
      ['item.share', 'p2'],
      ['item.relabel', 'p1'],
    ]);
  });

  it('links hashes already shared alone, and the feed says so', async () => {
    const img = image(3, ['recruitment']);
    const alone = await ledger.share({ at: T0, contributor: 'p1', items: img.items.map(({ links: _, ...h }) => h) });
    expect(alone.media).toEqual([]);
    expect((await store.getById(alone.items[0].id))!.items).toEqual([]);
    const last = await store.lastChange();
    const r = await ledger.share({ at: T0 + 1, contributor: 'p1', ...of(img) });
    expect(r.items.map((x) => x.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    // The contributions did not change, the hashes' items did: an update row each.
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => [c.kind, c.snapshot.items])).toEqual(img.items.map(() => ['update', [{ id: img.item.id, variant: 'whole' }]]));
  });

  it('several media in one share, a hash of two of them linked to both', async () => {
    const a = image(11, ['manifesto']);
    const b = image(12, ['recruitment'], { blockhash: 'trim' });
    b.items[1] = { ...b.items[1], value: a.items[1].value };
    const r = await ledger.share({ at: T0, contributor: 'p1', items: [...a.items, ...b.items], media: [...a.media, ...b.media] });
    expect(r.media).toEqual([
      { id: a.item.id, outcome: 'created' },
      { id: b.item.id, outcome: 'created' },
    ]);
    expect(r.items[1].id).toBe(r.items[5].id);
    expect((await store.getById(r.items[1].id))!.items).toEqual([
      { id: a.item.id, variant: 'whole' },
      { id: b.item.id, variant: 'trim' },
    ]);
    // An item's hashes are listed in the order they were linked (the shared one came first here).
    expect((await store.getItem(b.item.id))!.hashes.map((h) => [h.type, h.variant])).toEqual([
      ['blockhash', 'trim'],
      ['pdq', 'whole'],
      ['md5', 'whole'],
      ['sha256', 'whole'],
    ]);
  });

  it('a commit that fails part-way writes no item either', async () => {
    const img = image(4, ['attack-footage']);
    const size = await log.auditSize();
    const bad = ledger.share({
      at: T0,
      contributor: 'p1',
      media: img.media,
      items: [
        ...img.items,
        {
          type: 'vpdq',
          value: hex(49),
          labels: ['attack-footage'],
          externalId: null,
          frames: [{ frame: 0, timestampMs: 0, quality: 90, value: null as unknown as string, indexed: true }],
        },
      ],
    });
    await expect(bad).rejects.toThrow();
    expect(await store.getItem(img.item.id)).toBeNull();
    expect(await log.auditSize()).toBe(size);
  });
});

describe('retracting and relabelling an item', () => {
  it('a member withdraws its own share and contributions; the last one leaves a tombstone on every hash', async () => {
    const img = image(5, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    await ledger.share({ at: T0, contributor: 'p2', ...of(img) });
    const ids = s.items.map((r) => r.id);
    const size = await log.auditSize();
    const last = await store.lastChange();

    const r1 = await ledger.retractItem({ at: T0 + 1, actor: 'p1', itemId: img.item.id, sha256: img.item.sha256, contributor: 'p1' });
    expect(r1).toMatchObject({ changed: true, contributors: 1, hashes: 4 });
    for (const id of ids) expect(await standing(id)).toEqual(['p2']);
    const again = await ledger.retractItem({ at: T0 + 2, actor: 'p1', itemId: img.item.id, sha256: img.item.sha256, contributor: 'p1' });
    expect(again).toMatchObject({ changed: false, contributors: 1, hashes: 0 });

    const r2 = await ledger.retractItem({ at: T0 + 3, actor: 'p2', itemId: img.item.id, sha256: img.item.sha256, contributor: 'p2' });
    expect(r2).toMatchObject({ changed: true, contributors: 0, hashes: 4 });
    for (const id of ids) expect((await store.getById(id))!.status).toBe('retracted');
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => [c.kind, c.hashId, c.snapshot.contributors])).toEqual([
      ...ids.map((id) => ['update', id, 1]),
      ...ids.map((id) => ['retract', id, 0]),
    ]);
    expect(feed.every((c) => c.snapshot.items?.[0].id === img.item.id)).toBe(true);

    const added = (await auditEntries(log)).slice(size);
    expect(added.map((e) => [e.action, e.actor, e.content.contributorsRetracted, e.content.hashesRetracted])).toEqual([
      ['item.retract', 'p1', ['p1'], [...ids].sort()],
      ['item.retract', 'p2', ['p2'], [...ids].sort()],
    ]);
  });

  it('keeps a hash that another standing item of the member holds', async () => {
    // Two images whose blockhash is the same value (a collision, or the same flat graphic).
    const a = image(6, ['manifesto']);
    const b = image(7, ['manifesto']);
    b.items[1] = { ...b.items[1], value: a.items[1].value };
    const sa = await ledger.share({ at: T0, contributor: 'p1', ...of(a) });
    await ledger.share({ at: T0, contributor: 'p1', ...of(b) });
    const shared = sa.items[1].id;
    expect((await store.getById(shared))!.items.map((x) => x.id)).toEqual([a.item.id, b.item.id]);
    const r = await ledger.retractItem({ at: T0 + 1, actor: 'p1', itemId: a.item.id, sha256: a.item.sha256, contributor: 'p1' });
    expect(r.hashes).toBe(3);
    expect(await standing(shared)).toEqual(['p1']);
    expect((await store.getById(sa.items[0].id))!.status).toBe('retracted');
    // Once the other item goes too, so does the shared hash.
    await ledger.retractItem({ at: T0 + 2, actor: 'p1', itemId: b.item.id, sha256: b.item.sha256, contributor: 'p1' });
    expect((await store.getById(shared))!.status).toBe('retracted');
  });

  it("an admin withdraws every member's share", async () => {
    const img = image(8, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    await ledger.share({ at: T0, contributor: 'p2', ...of(img) });
    const r = await ledger.retractItem({ at: T0 + 1, actor: 'admin-1', itemId: img.item.id, sha256: img.item.sha256, contributor: null });
    expect(r).toMatchObject({ changed: true, contributors: 0, hashes: 4 });
    for (const x of s.items) expect((await store.getById(x.id))!.status).toBe('retracted');
    const [e] = (await auditEntries(log)).slice(-1);
    expect([e.action, e.actor, e.content.contributorsRetracted]).toEqual(['item.retract', 'admin-1', ['p1', 'p2']]);
  });

  it("relabels the member's share and its standing contributions in one commit", async () => {
    const img = image(9, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    await ledger.share({ at: T0, contributor: 'p2', ...of(img) });
    const last = await store.lastChange();
    const size = await log.auditSize();
    const r = await ledger.relabelItem({ at: T0 + 1, member: 'p1', itemId: img.item.id, labels: ['recruitment', 'manifesto'] });
    expect(r).toMatchObject({ changed: true, contributors: 2, hashes: 4 });
    for (const x of s.items) {
      const d = (await store.getById(x.id))!;
      expect(d.contributions.map((c) => [c.contributor, c.labels])).toEqual([
        ['p1', ['manifesto', 'recruitment']],
        ['p2', ['attack-footage']],
      ]);
    }
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => [c.kind, c.snapshot.labels])).toEqual(s.items.map(() => ['update', ['attack-footage', 'manifesto', 'recruitment']]));
    const same = await ledger.relabelItem({ at: T0 + 2, member: 'p1', itemId: img.item.id, labels: ['manifesto', 'recruitment'] });
    expect(same).toMatchObject({ changed: false, hashes: 0 });
    const added = (await auditEntries(log)).slice(size);
    expect(added.map((e) => [e.action, e.content.labels, e.content.hashesRelabelled])).toEqual([
      ['item.relabel', ['manifesto', 'recruitment'], s.items.map((x) => x.id).sort()],
    ]);
    // A member whose share does not stand changes nothing.
    const none = await ledger.relabelItem({ at: T0 + 3, member: 'p3', itemId: img.item.id, labels: ['manifesto'] });
    expect(none).toMatchObject({ changed: false, hashes: 0 });
  });
});

describe("a share naming an item with other labels relabels the member's share of it", () => {
  /** The member's labels on each hash (null: none standing). */
  const labelsOf = async (ids: string[], member: string) =>
    Promise.all(
      ids.map(async (id) => (await store.getById(id))!.contributions.find((c) => c.contributor === member && c.retractedAt === null)?.labels ?? null),
    );

  it('one hash shared by value naming the item: every hash the member holds of it takes the labels, one feed row each, the rest in the entry', async () => {
    const img = image(31, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    await ledger.share({ at: T0, contributor: 'p2', ...of(image(31, ['manifesto'])) });
    const ids = s.items.map((x) => x.id);
    const last = await store.lastChange();
    const size = await log.auditSize();
    const relabelled = image(31, ['recruitment']);
    const r = await ledger.share({ at: T0 + 1, contributor: 'p1', items: [relabelled.items[0]], media: relabelled.media });
    expect(r.media).toEqual([{ id: img.item.id, outcome: 'updated' }]);
    expect(r.items.map((x) => [x.id, x.outcome, x.links])).toEqual([[ids[0], 'updated', [{ item: img.item.id, variant: 'whole' }]]]);
    expect(await labelsOf(ids, 'p1')).toEqual(ids.map(() => ['recruitment']));
    expect(await labelsOf(ids, 'p2')).toEqual(ids.map(() => ['manifesto']));
    // One row a hash, showing its labels after the commit: the named one first.
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => [c.kind, c.hashId, c.snapshot.labels])).toEqual(ids.map((id) => ['update', id, ['manifesto', 'recruitment']]));
    const added = (await auditEntries(log)).slice(size);
    expect(added.map((e) => [e.action, e.subject.id])).toEqual([
      ['item.relabel', img.item.id],
      ['hash.relabel', ids[0]],
    ]);
    expect(added[0].content).toEqual({
      sha256: img.item.sha256,
      kind: 'image',
      labels: ['recruitment'],
      hashes: [{ type: 'pdq', value: img.items[0].value, variant: 'whole' }],
      hashesRelabelled: ids.slice(1).sort(),
    });
    for (const e of (await log.auditEntries(size, await log.auditSize())).map((x) => x.entry)) expect(canonicalize(JSON.parse(e))).toBe(e);
    // The rows this commit changed carry its token, not the ones of its steps.
    const tokens = await db.client.execute("select count(*) as n from contributions where tx like '%/%' and tx not like '%/alone'");
    expect(Number(tokens.rows[0].n)).toBe(0);
    const shares = await db.client.execute("select count(*) as n from item_contributions where tx like '%/%'");
    expect(Number(shares.rows[0].n)).toBe(0);
  });

  it("keeps the member's share of a hash alone, and leaves withdrawn contributions withdrawn", async () => {
    const img = image(32, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    const ids = s.items.map((x) => x.id);
    // The md5 shared alone too, then the item retracted: the md5 stays, by its share alone.
    await ledger.share({ at: T0 + 1, contributor: 'p1', items: [{ ...img.items[2], labels: ['glorification'], links: undefined }] });
    await ledger.retractItem({ at: T0 + 2, actor: 'p1', itemId: img.item.id, sha256: img.item.sha256, contributor: 'p1' });
    expect(await labelsOf(ids, 'p1')).toEqual([null, null, ['glorification'], null]);
    // The pdq shared by value naming the item: the share stands again, the md5 takes its labels too.
    const again = image(32, ['recruitment']);
    const size = await log.auditSize();
    const r = await ledger.share({ at: T0 + 3, contributor: 'p1', items: [again.items[0]], media: again.media });
    expect(r.media).toEqual([{ id: img.item.id, outcome: 'added' }]);
    expect(await labelsOf(ids, 'p1')).toEqual([['recruitment'], null, ['glorification', 'recruitment'], null]);
    const [entry] = (await auditEntries(log)).slice(size);
    expect([entry.action, entry.content.hashesRelabelled]).toEqual(['item.share', [ids[2]]]);
  });

  it('a hash of the item named in the same request alone: one feed row, worked out from both', async () => {
    const img = image(33, ['attack-footage']);
    const s = await ledger.share({ at: T0, contributor: 'p1', ...of(img) });
    const ids = s.items.map((x) => x.id);
    const last = await store.lastChange();
    const next = image(33, ['recruitment']);
    const r = await ledger.share({
      at: T0 + 1,
      contributor: 'p1',
      items: [next.items[0], { ...img.items[2], labels: ['glorification'], links: undefined }, { ...img.items[3], labels: ['recruitment'], links: undefined }],
      media: next.media,
    });
    expect(r.items.map((x) => x.outcome)).toEqual(['updated', 'updated', 'updated']);
    expect(await labelsOf(ids, 'p1')).toEqual([['recruitment'], ['recruitment'], ['glorification', 'recruitment'], ['recruitment']]);
    const feed = await store.changesSince(last, 100);
    expect(feed.map((c) => c.hashId).sort()).toEqual([...ids].sort());
    for (const c of feed) expect(c.snapshot.labels).toEqual((await store.getById(c.hashId))!.contributions[0].labels);
  });
});

describe('a share of many media binds at most 100 parameters a statement (D1)', () => {
  it('250 images, 1000 hashes: every statement within 100, and the share commits', async () => {
    const imgs = Array.from({ length: 250 }, (_, k) => image(1000 + k, ['manifesto']));
    const items = imgs.flatMap((x) => x.items);
    const media = imgs.flatMap((x) => x.media);
    const built = shareStatements({ at: T0, tx: 't', contributor: 'p9', origin: '', items: items.map((x, i) => ({ ...x, id: `many${i}` })), media });
    for (const st of built.stmts) {
      const q = db.writer.all(st.q).getQuery();
      expect(q.params.length, q.sql.slice(0, 200)).toBeLessThanOrEqual(100);
    }
    const r = await ledger.share({ at: T0, contributor: 'p9', items, media });
    expect(r.media.every((m) => m.outcome === 'created')).toBe(true);
    // Shared again with other labels, one hash each: every image's other hashes relabelled too.
    const next = imgs.map((x) => image(1000 + imgs.indexOf(x), ['recruitment']));
    const again = await ledger.share({ at: T0 + 1, contributor: 'p9', items: next.map((x) => x.items[3]), media: next.flatMap((x) => x.media) });
    expect(again.media.every((m) => m.outcome === 'updated')).toBe(true);
    for (const x of [r.items[0], r.items[1], r.items[998]]) expect((await store.getById(x.id))!.contributions[0].labels).toEqual(['recruitment']);
  });
});

describe('the item statements find their rows through indexes', () => {
  /** The statements of member p1's share of the image. */
  const shareOf = (img: ReturnType<typeof image>, buckets = false) =>
    shareStatements({ at: T0, tx: 't', contributor: 'p1', origin: '', items: img.items.map((x, i) => ({ ...x, id: `n${i}` })), media: img.media, buckets });

  it('no statement scans items, item_hashes, item_contributions, hashes or contributions', async () => {
    for (let k = 0; k < 20; k++) await ledger.share({ at: T0, contributor: `m${k}`, ...of(image(100 + k, ['attack-footage'])) });
    await db.client.execute('ANALYZE');
    const img = image(100, ['attack-footage']);
    const built: Stmt[][] = [
      shareOf(img, true).stmts,
      retractItemStatements({ at: T0, tx: 't', actor: 'p1', itemId: img.item.id, sha256: img.item.sha256, contributor: 'p1' }).stmts,
      retractItemStatements({ at: T0, tx: 't', actor: 'a', itemId: img.item.id, sha256: img.item.sha256, contributor: null }).stmts,
      relabelItemStatements({ at: T0, tx: 't', member: 'p1', itemId: img.item.id, labels: ['manifesto'] }).stmts,
    ];
    let checked = 0;
    for (const stmts of built) {
      for (const s of stmts) {
        const { sql, lines } = await planOf(db, s);
        const scans = lines.filter(
          (l) => /^SCAN /.test(l) && !/^SCAN (r|j|f|lj|ml|p|i|x|nx|share_rows|CONSTANT ROW|\d+ CONSTANT ROWS|\(subquery-\d+\))( |$)/.test(l),
        );
        expect(scans, `${sql}\n${lines.join('\n')}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("a share's hashes are looked up once a statement, never its list scanned a hash of an item", async () => {
    // The share's lists (JSON arguments) scanned inside a subquery that runs again for each row
    // (CORRELATED) would cost rows x list under the write lock (a 1000-hash item shared again naming
    // 1000 hashes with other labels: 0.5 s; 5000 of them: 3.4 s). The item statements (on the
    // media's list, m) read so only a contribution's own labels (lj: a few).
    const { stmts } = shareOf(image(100, ['manifesto']));
    let relabels = 0;
    for (const s of stmts) {
      const q = db.writer.all(s.q).getQuery();
      if (!/^with m as /.test(q.sql)) continue;
      const plan = await db.client.execute({ sql: `explain query plan ${q.sql}`, args: q.params as never });
      const rows = plan.rows.map((r) => ({ id: Number(r.id), parent: Number(r.parent), detail: String(r.detail) }));
      const byId = new Map(rows.map((r) => [r.id, r]));
      const correlated = (r: (typeof rows)[number]): boolean => {
        for (let p = byId.get(r.parent); p; p = byId.get(p.parent)) if (/^CORRELATED /.test(p.detail)) return true;
        return false;
      };
      const perRow = rows.filter((r) => /^SCAN \S+ VIRTUAL TABLE/.test(r.detail) && !/^SCAN lj /.test(r.detail) && correlated(r)).map((r) => r.detail);
      expect(perRow, `${q.sql}\n${rows.map((r) => r.detail).join('\n')}`).toEqual([]);
      if (/^with m as .* update contributions as c set labels/s.test(q.sql)) relabels++;
    }
    expect(relabels).toBe(1);
  });
});
