/**
 * Migration 0010 (items' status, a member's share of a hash alone) on a database that the node
 * before it wrote: the migrations up to 0009 applied, rows as that node left them (a hash two items
 * of one member hold, carrying the last one's labels; items retracted by every member, or whose
 * hashes were retracted one by one; a hash shared alone), then the rest. It fills `direct_labels`,
 * gives a hash the union of its member's standing items' labels, retracts the items that no longer
 * stand, and writes a change-log row for each active hash whose labels or named items changed.
 */
import { type Client, createClient } from '@libsql/client';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DRIZZLE = resolve(__dirname, '../../drizzle');
const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let client: Client;

/** The migrations folder as the node before 0010 had it. */
function foldersUpTo(last: number): string {
  const out = join(dir, `drizzle-${last}`);
  cpSync(DRIZZLE, out, { recursive: true });
  const journal = JSON.parse(readFileSync(join(DRIZZLE, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= last);
  writeFileSync(join(out, 'meta/_journal.json'), JSON.stringify(journal));
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mhn-migration-0010-'));
  client = createClient({ url: `file:${join(dir, 'node.db')}` });
  await migrate(drizzle(client), { migrationsFolder: foldersUpTo(9) });
});
afterAll(() => {
  client?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(q: string) {
  return (await client.execute(q)).rows.map((r) => ({ ...r }));
}

describe('migration 0010 on the rows the node before it wrote', () => {
  it('fills the shares alone, the labels, the items retracted, and the change log', async () => {
    const hash = (id: string, status: string) =>
      `insert into hashes (id, type, value, origin, status, created_at, updated_at) values ('${id}', 'pdq', '${id}-value', '', '${status}', ${T0}, ${T0})`;
    const contribution = (h: string, who: string, labels: string[], retracted = false) =>
      `insert into contributions (hash_id, contributor, labels, created_at, updated_at, retracted_at) values ('${h}', '${who}', '${JSON.stringify(labels)}', ${T0}, ${T0}, ${retracted ? T0 : 'null'})`;
    const item = (id: string) => `insert into items (id, origin, sha256, kind, created_at) values ('${id}', '', '${id}-sha', 'image', ${T0})`;
    const link = (i: string, h: string) => `insert into item_hashes (item_id, hash_id, variant) values ('${i}', '${h}', 'whole')`;
    const share = (i: string, who: string, labels: string[], retracted = false) =>
      `insert into item_contributions (item_id, contributor, labels, created_at, updated_at, retracted_at) values ('${i}', '${who}', '${JSON.stringify(labels)}', ${T0}, ${T0}, ${retracted ? T0 : 'null'})`;
    await client.batch(
      [
        // m shared items A and B, both holding X: X was left with B's labels.
        ...['x', 'a', 'b'].map((h) => hash(h, 'active')),
        contribution('x', 'm', ['recruitment']),
        contribution('a', 'm', ['manifesto']),
        contribution('b', 'm', ['recruitment']),
        item('A'),
        item('B'),
        link('A', 'a'),
        link('A', 'x'),
        link('B', 'b'),
        link('B', 'x'),
        share('A', 'm', ['manifesto']),
        share('B', 'm', ['recruitment']),
        // m retracted item E, whose hash e2 m had also shared alone: e2 stands, E is retracted.
        hash('e1', 'retracted'),
        hash('e2', 'active'),
        contribution('e1', 'm', ['manifesto'], true),
        contribution('e2', 'm', ['glorification']),
        item('E'),
        link('E', 'e1'),
        link('E', 'e2'),
        share('E', 'm', ['manifesto'], true),
        // q's item D, its hashes retracted one by one (q's share of D stands).
        hash('d', 'retracted'),
        contribution('d', 'q', ['manifesto'], true),
        item('D'),
        link('D', 'd'),
        share('D', 'q', ['manifesto']),
        // p2's share of y alone.
        hash('y', 'active'),
        contribution('y', 'p2', ['attack-footage']),
      ],
      'write',
    );
    const before = Number((await rows('select coalesce(max(seq), 0) as s from changes'))[0].s);

    await migrate(drizzle(client), { migrationsFolder: DRIZZLE });

    expect(await rows('select hash_id, contributor, labels, direct_labels from contributions order by hash_id, contributor')).toEqual([
      { hash_id: 'a', contributor: 'm', labels: '["manifesto"]', direct_labels: null },
      { hash_id: 'b', contributor: 'm', labels: '["recruitment"]', direct_labels: null },
      { hash_id: 'd', contributor: 'q', labels: '["manifesto"]', direct_labels: null },
      { hash_id: 'e1', contributor: 'm', labels: '["manifesto"]', direct_labels: null },
      { hash_id: 'e2', contributor: 'm', labels: '["glorification"]', direct_labels: '["glorification"]' },
      // The union of A's and B's labels: the old rule had kept B's only.
      { hash_id: 'x', contributor: 'm', labels: '["manifesto","recruitment"]', direct_labels: null },
      { hash_id: 'y', contributor: 'p2', labels: '["attack-footage"]', direct_labels: '["attack-footage"]' },
    ]);
    expect(await rows('select id, status from items order by id')).toEqual([
      { id: 'A', status: 'active' },
      { id: 'B', status: 'active' },
      { id: 'D', status: 'retracted' },
      { id: 'E', status: 'retracted' },
    ]);
    // A row for x (its labels) and one for e2 (it names E no more); none for the tombstones of D's and E's other hashes.
    const changed = await rows(`select kind, subject, snapshot from changes where seq > ${before} order by seq`);
    expect(changed.map((r) => [r.kind, r.subject, JSON.parse(String(r.snapshot))])).toEqual([
      [
        'update',
        'x',
        {
          id: 'x',
          type: 'pdq',
          value: 'x-value',
          status: 'active',
          labels: ['manifesto', 'recruitment'],
          contributors: 1,
          items: [
            { id: 'A', variant: 'whole' },
            { id: 'B', variant: 'whole' },
          ],
        },
      ],
      ['update', 'e2', { id: 'e2', type: 'pdq', value: 'e2-value', status: 'active', labels: ['glorification'], contributors: 1 }],
    ]);
    for (const r of await rows(`select at from changes where seq > ${before}`)) expect(Number(r.at)).toBeGreaterThan(T0);
  });
});

describe('migration 0010: a share of a hash alone made after the items that hold it', () => {
  let db: Client;
  beforeAll(async () => {
    db = createClient({ url: `file:${join(dir, 'later-alone.db')}` });
    await migrate(drizzle(db), { migrationsFolder: foldersUpTo(9) });
  });
  afterAll(() => db?.close());

  it("keeps the share alone's labels (as direct_labels) beside the items' union; a retracted item's label left behind goes", async () => {
    const at = (ms: number | null) => (ms === null ? 'null' : String(T0 + ms));
    const hash = (id: string) =>
      `insert into hashes (id, type, value, origin, status, created_at, updated_at) values ('${id}', 'pdq', '${id}-value', '', 'active', ${T0}, ${T0})`;
    const contribution = (h: string, labels: string[], updated: number) =>
      `insert into contributions (hash_id, contributor, labels, created_at, updated_at) values ('${h}', 'm', '${JSON.stringify(labels)}', ${T0}, ${at(updated)})`;
    const item = (id: string, h: string) => [
      `insert into items (id, origin, sha256, kind, created_at) values ('${id}', '', '${id}-sha', 'image', ${T0})`,
      `insert into item_hashes (item_id, hash_id, variant) values ('${id}', '${h}', 'whole')`,
    ];
    const share = (i: string, labels: string[], updated: number, retracted: number | null = null) =>
      `insert into item_contributions (item_id, contributor, labels, created_at, updated_at, retracted_at) values ('${i}', 'm', '${JSON.stringify(labels)}', ${T0}, ${at(updated)}, ${at(retracted)})`;
    /** Hash h in m's items `first` (manifesto, standing) and `second` (recruitment, retracted), m's contribution to h last written with recruitment. */
    const retractedSecond = (h: string, first: string, second: string, t: { shared: number; retracted: number; written: number }) => [
      hash(h),
      ...item(first, h),
      ...item(second, h),
      share(first, ['manifesto'], 0),
      share(second, ['recruitment'], t.shared, t.retracted),
      contribution(h, ['recruitment'], t.written),
    ];
    await db.batch(
      [
        // z: m's item F (manifesto), then m's share of z alone (glorification, recruitment): the old rule left the share alone's labels.
        hash('z'),
        ...item('F', 'z'),
        share('F', ['manifesto'], 0),
        contribution('z', ['glorification', 'recruitment'], 1000),
        // w: m's items G (manifesto) and H (recruitment), H retracted after: the old rule left H's labels on w.
        ...retractedSecond('w', 'G', 'H', { shared: 1000, retracted: 2000, written: 1000 }),
        // v: m's item K (manifesto), then a share of v alone (recruitment) after L (recruitment), which holds v too, was retracted.
        ...retractedSecond('v', 'K', 'L', { shared: 0, retracted: 1000, written: 2000 }),
      ],
      'write',
    );
    const before = Number((await db.execute('select coalesce(max(seq), 0) as s from changes')).rows[0].s);

    await migrate(drizzle(db), { migrationsFolder: DRIZZLE });

    const got = (await db.execute('select hash_id, labels, direct_labels from contributions order by hash_id')).rows.map((r) => ({ ...r }));
    expect(got).toEqual([
      { hash_id: 'v', labels: '["manifesto","recruitment"]', direct_labels: '["recruitment"]' },
      { hash_id: 'w', labels: '["manifesto"]', direct_labels: null },
      { hash_id: 'z', labels: '["glorification","manifesto","recruitment"]', direct_labels: '["glorification","recruitment"]' },
    ]);
    const changed = await db.execute(`select subject, snapshot from changes where seq > ${before} order by seq`);
    expect(changed.rows.map((r) => [r.subject, JSON.parse(String(r.snapshot)).labels])).toEqual([
      ['z', ['glorification', 'manifesto', 'recruitment']],
      ['w', ['manifesto']],
      ['v', ['manifesto', 'recruitment']],
    ]);
  });
});

describe("migration 0010: a member's share of an item whose hashes it withdrew one by one", () => {
  let db: Client;
  beforeAll(async () => {
    db = createClient({ url: `file:${join(dir, 'withdrawn-share.db')}` });
    await migrate(drizzle(db), { migrationsFolder: foldersUpTo(9) });
  });
  afterAll(() => db?.close());

  it('is withdrawn, though another member keeps a hash of it or the member shared one again alone; one it still stands behind stays', async () => {
    const at = (ms: number | null) => (ms === null ? 'null' : String(T0 + ms));
    const hash = (id: string, status: string) =>
      `insert into hashes (id, type, value, origin, status, created_at, updated_at) values ('${id}', 'pdq', '${id}-value', '', '${status}', ${T0}, ${T0})`;
    const contribution = (h: string, who: string, labels: string[], created: number, retracted: number | null = null) =>
      `insert into contributions (hash_id, contributor, labels, created_at, updated_at, retracted_at) values ('${h}', '${who}', '${JSON.stringify(labels)}', ${at(created)}, ${at(retracted ?? created)}, ${at(retracted)})`;
    const item = (id: string, hashes: string[]) => [
      `insert into items (id, origin, sha256, kind, created_at) values ('${id}', '', '${id}-sha', 'image', ${T0})`,
      ...hashes.map((h) => `insert into item_hashes (item_id, hash_id, variant) values ('${id}', '${h}', 'whole')`),
    ];
    const share = (i: string, labels: string[]) =>
      `insert into item_contributions (item_id, contributor, labels, created_at, updated_at) values ('${i}', 'm', '${JSON.stringify(labels)}', ${T0}, ${T0})`;
    await db.batch(
      [
        // B (b1, x): m withdrew both; n's share of x alone keeps x active.
        hash('b1', 'retracted'),
        hash('x', 'active'),
        ...item('B', ['b1', 'x']),
        share('B', ['recruitment']),
        contribution('b1', 'm', ['recruitment'], 0, 1000),
        contribution('x', 'm', ['recruitment'], 0, 2000),
        contribution('x', 'n', ['manifesto'], 0),
        // C (c1, w): m withdrew both, then shared w again alone (glorification).
        hash('c1', 'retracted'),
        hash('w', 'active'),
        ...item('C', ['c1', 'w']),
        share('C', ['recruitment']),
        contribution('c1', 'm', ['recruitment'], 0, 1000),
        contribution('w', 'm', ['glorification'], 3000),
        // P (p1, p2): m withdrew p1 only; it stands behind P still.
        hash('p1', 'retracted'),
        hash('p2', 'active'),
        ...item('P', ['p1', 'p2']),
        share('P', ['manifesto']),
        contribution('p1', 'm', ['manifesto'], 0, 1000),
        contribution('p2', 'm', ['manifesto'], 0),
        // D (d1, d2): m withdrew d1, shared d1 again alone, then withdrew d2: it stood behind D (by d1) when it
        // withdrew d2, so the ledger would have kept its share (review, 2026-12-05).
        hash('d1', 'active'),
        hash('d2', 'retracted'),
        ...item('D', ['d1', 'd2']),
        share('D', ['attack-footage']),
        contribution('d1', 'm', ['attack-footage'], 2000),
        contribution('d2', 'm', ['attack-footage'], 0, 3000),
      ],
      'write',
    );
    const before = Number((await db.execute('select coalesce(max(seq), 0) as s from changes')).rows[0].s);

    await migrate(drizzle(db), { migrationsFolder: DRIZZLE });

    const all = async (q: string) => (await db.execute(q)).rows.map((r) => ({ ...r }));
    expect(await all('select item_id, retracted_at, tx from item_contributions order by item_id')).toEqual([
      { item_id: 'B', retracted_at: T0 + 2000, tx: 'migration 0010' },
      { item_id: 'C', retracted_at: T0 + 1000, tx: 'migration 0010' },
      { item_id: 'D', retracted_at: null, tx: null },
      { item_id: 'P', retracted_at: null, tx: null },
    ]);
    expect(await all('select id, status from items order by id')).toEqual([
      { id: 'B', status: 'retracted' },
      { id: 'C', status: 'retracted' },
      { id: 'D', status: 'active' },
      { id: 'P', status: 'active' },
    ]);
    // w keeps the labels of m's share of it alone: C's withdrawn label does not come back.
    expect(await all('select hash_id, contributor, labels, direct_labels from contributions where retracted_at is null order by hash_id, contributor')).toEqual(
      [
        { hash_id: 'd1', contributor: 'm', labels: '["attack-footage"]', direct_labels: null },
        { hash_id: 'p2', contributor: 'm', labels: '["manifesto"]', direct_labels: null },
        { hash_id: 'w', contributor: 'm', labels: '["glorification"]', direct_labels: '["glorification"]' },
        { hash_id: 'x', contributor: 'n', labels: '["manifesto"]', direct_labels: '["manifesto"]' },
      ],
    );
    // x and w name their items no more.
    const changed = await db.execute(`select subject, snapshot from changes where seq > ${before} order by seq`);
    expect(changed.rows.map((r) => [r.subject, JSON.parse(String(r.snapshot))])).toEqual([
      ['x', { id: 'x', type: 'pdq', value: 'x-value', status: 'active', labels: ['manifesto'], contributors: 1 }],
      ['w', { id: 'w', type: 'pdq', value: 'w-value', status: 'active', labels: ['glorification'], contributors: 1 }],
    ]);
  });
});
