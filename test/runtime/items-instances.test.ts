/**
 * Items across two real node processes on one SQLite file: sixteen members share the same image at
 * once, half through each process, and the node holds one item with all its hashes and sixteen
 * shares (each hash sixteen contributions); sixteen retractions of the item at once leave every
 * hash retracted with one tombstone each, and neither process matches the image a second later.
 */
import { createClient, type Client } from '@libsql/client';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId } from '../../src/core/items';
import { patternImage } from '../support/images';
import { admit, startReadyNode, tokenFor } from '../support/node-process';

const ISSUER = 'http://node.test';
const MEMBERS = 16;
const dir = mkdtempSync(join(tmpdir(), 'mhn-items-proc-'));
const DATABASE_URL = `file:${join(dir, 'node.db')}`;
const env = { DATABASE_URL, PUBLIC_URL: ISSUER, NODE_SECRET_FILE: join(dir, 'node.secret'), FOLLOW_INTERVAL_MS: '100', TREE_HEAD_INTERVAL_MS: '0' };
const nodes: Awaited<ReturnType<typeof startReadyNode>>[] = [];
const tokens: string[] = [];
let db: Client;
let image: Buffer;
let id: string;

beforeAll(async () => {
  nodes.push(...(await Promise.all([startReadyNode(env), startReadyNode(env)])));
  for (let m = 0; m < MEMBERS; m++) tokens.push(await tokenFor(nodes[m % 2].base, ISSUER, await admit(DATABASE_URL, 'partner', `member-${m}`)));
  db = createClient({ url: DATABASE_URL });
  image = await patternImage('png', 320, 240, 4);
  id = itemId(ISSUER, createHash('sha256').update(image).digest('hex'));
}, 90_000);

afterAll(async () => {
  db?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const as = (m: number, path: string, init: RequestInit = {}) =>
  fetch(`${nodes[m % 2].base}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${tokens[m]}` } });

async function count(sqlText: string): Promise<number> {
  const r = await db.execute({ sql: sqlText, args: [id] });
  return Number(r.rows[0].n);
}

describe('two processes, sixteen members, one image', () => {
  /** The item's hashes: the whole image's four and its regions' (robust enrolment), as every share's answer lists them. */
  let stored = 0;

  it('sixteen shares at once make one item, all its hashes, sixteen shares and sixteen contributions each', async () => {
    const results = await Promise.all(
      Array.from({ length: MEMBERS }, async (_, m) => {
        const form = new FormData();
        form.set('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'x.png');
        form.set('labels', 'attack-footage');
        const res = await as(m, '/v1/hashes/media', { method: 'POST', body: form });
        return { status: res.status, body: await res.json() };
      }),
    );
    expect(results.map((r) => r.status)).toEqual(Array(MEMBERS).fill(201));
    expect(results.map((r) => r.body.item.id)).toEqual(Array(MEMBERS).fill(id));
    expect(results.filter((r) => r.body.item.outcome === 'created')).toHaveLength(1);
    const ids = (r: (typeof results)[number]) => [...new Set(r.body.items.map((h: { id: string }) => h.id))].sort();
    stored = ids(results[0]).length;
    expect(stored).toBeGreaterThan(4);
    for (const r of results) expect(ids(r)).toEqual(ids(results[0]));
    expect(await count('select count(*) as n from items where id = ?')).toBe(1);
    expect(await count('select count(*) as n from item_hashes where item_id = ?')).toBe(stored);
    expect(await count('select count(*) as n from item_contributions where item_id = ? and retracted_at is null')).toBe(MEMBERS);
    expect(
      await count('select count(*) as n from item_hashes ih join contributions c on c.hash_id = ih.hash_id where ih.item_id = ? and c.retracted_at is null'),
    ).toBe(stored * MEMBERS);
    expect(await count(`select count(*) as n from audit_log where action = 'item.share' and entry like '%' || ? || '%'`)).toBe(MEMBERS);
    expect(await count(`select count(*) as n from hashes h join item_hashes ih on ih.hash_id = h.id where ih.item_id = ? and h.status = 'active'`)).toBe(
      stored,
    );
    // Both processes answer the item the same way.
    for (const m of [0, 1]) expect(await (await as(m, `/v1/items/${id}`)).json()).toMatchObject({ id, status: 'active', contributors: MEMBERS });
  });

  it('sixteen retractions at once: every hash retracted, one tombstone each, and neither process matches within a second', async () => {
    const statuses = await Promise.all(Array.from({ length: MEMBERS }, async (_, m) => (await as(m, `/v1/items/${id}`, { method: 'DELETE' })).status));
    expect(statuses).toEqual(Array(MEMBERS).fill(200));
    expect(await count('select count(*) as n from item_contributions where item_id = ? and retracted_at is null')).toBe(0);
    expect(await count(`select count(*) as n from hashes h join item_hashes ih on ih.hash_id = h.id where ih.item_id = ? and h.status = 'retracted'`)).toBe(
      stored,
    );
    expect(await count(`select count(*) as n from changes c join item_hashes ih on ih.hash_id = c.subject where ih.item_id = ? and c.kind = 'retract'`)).toBe(
      stored,
    );
    expect(await count(`select count(*) as n from audit_log where action = 'item.retract' and entry like '%' || ? || '%'`)).toBe(MEMBERS);
    for (const m of [0, 1]) {
      const deadline = Date.now() + 1000;
      for (;;) {
        const res = await as(m, '/v1/match/media', { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } });
        const body = await res.json();
        if (body.results.every((r: { matches: unknown[] }) => r.matches.length === 0)) break;
        if (Date.now() > deadline) throw new Error(`process ${m} still matches the retracted item`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
