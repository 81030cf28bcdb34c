/**
 * Sixteen members sharing the same PDF (by its pages), the same link (each written another way) and
 * the same text hash (in either case) at the same moment, through two instances of the node on one
 * database; then all retracting at once. Exact end states: one record per hash with sixteen
 * contributors, the PDF's pages stored once, one feed `add` and one tombstone per hash, and both
 * instances' indexes holding the pages, then none.
 */
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalUrl, urlDigest } from '../../src/core/url';
import { textTlsh } from '../../src/core/tlsh';
import { json, makeTestApp, type TestApp } from '../support/app';
import { prose } from '../support/pdf';

const MEMBERS = 16;
let a: TestApp;
let b: TestApp;
let heads: Record<string, string>[] = [];
const hex = (k: number) => Array.from({ length: 64 }, (_, i) => ((k * 31 + i * 7) % 16).toString(16)).join('');
const PAGES = Array.from({ length: 5 }, (_, i) => ({ page: i + 1, hash: hex(i + 1), quality: 90 }));
const TLSH = textTlsh(prose(9, 800))!;
/** The same page written sixteen ways: case, default port, tracking parameters, fragments. */
const url = (m: number) =>
  `${m % 2 ? 'HTTPS' : 'https'}://Example.ORG${m % 3 ? ':443' : ''}/mag/issue-3.pdf?${m % 4 ? `utm_source=m${m}&` : ''}id=7${m % 5 ? `#p${m}` : ''}`;
const URL_VALUE = urlDigest((canonicalUrl(url(0)) as { url: string }).url);

beforeAll(async () => {
  a = await makeTestApp();
  b = await makeTestApp({}, { sameDatabaseAs: a });
  heads = await Promise.all(Array.from({ length: MEMBERS }, (_, m) => a.as('partner', `doc-member-${m}`)));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const via = (m: number) => (m % 2 ? b : a);

/** Both instances have applied every change committed so far (the other's included). */
async function caughtUp(): Promise<void> {
  const last = await a.rt.deps.hashes.lastChange();
  await Promise.all([a, b].map((t) => t.rt.follower.catchUp(last)));
}

describe('documents and links written at once', () => {
  it('sixteen shares at once: one record per hash, sixteen contributors, the pages stored once', async () => {
    const results = await Promise.all(
      Array.from({ length: MEMBERS }, (_, m) =>
        via(m).request(
          '/v1/hashes',
          json(
            'POST',
            {
              items: [
                { type: 'pdf', pages: PAGES, labels: ['branded-publication'] },
                { type: 'url', url: url(m), labels: ['branded-publication'] },
                { type: 'tlsh', value: m % 2 ? TLSH.toLowerCase() : TLSH, labels: ['manifesto'] },
              ],
            },
            heads[m],
          ),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(MEMBERS).fill(201));
    const bodies = await Promise.all(results.map((r) => r.json()));
    for (const k of [0, 1, 2]) {
      expect(new Set(bodies.map((x) => x.items[k].id)).size).toBe(1);
      expect(bodies.filter((x) => x.items[k].outcome === 'created')).toHaveLength(1);
    }
    expect(bodies[0].items[1].value).toBe(URL_VALUE);
    const db = createClient({ url: `file:${a.dbFile}` });
    try {
      const hashes = await db.execute('select type, count(*) as n from hashes group by type order by type');
      expect(hashes.rows.map((r) => [r.type, Number(r.n)])).toEqual([
        ['pdf', 1],
        ['tlsh', 1],
        ['url', 1],
      ]);
      const contributions = await db.execute(
        'select h.type, count(*) as n from contributions c join hashes h on h.id = c.hash_id group by h.type order by h.type',
      );
      expect(contributions.rows.map((r) => Number(r.n))).toEqual([MEMBERS, MEMBERS, MEMBERS]);
      expect(Number((await db.execute('select count(*) as n from video_frames')).rows[0].n)).toBe(PAGES.length);
      const adds = await db.execute("select count(*) as n from changes where kind = 'add'");
      expect(Number(adds.rows[0].n)).toBe(3);
    } finally {
      db.close();
    }
    await caughtUp();
    for (const t of [a, b]) expect(t.rt.index.counts()).toMatchObject({ pdf: PAGES.length, tlsh: 1, url: 1 });
    // Either instance finds them.
    for (const t of [a, b]) {
      const m = await (
        await t.request(
          '/v1/match',
          json(
            'POST',
            {
              hashes: [
                { type: 'pdf', pages: PAGES.slice(1) },
                { type: 'url', url: url(7) },
                { type: 'tlsh', value: TLSH },
              ],
            },
            heads[0],
          ),
        )
      ).json();
      expect(m.results.map((r: { matches: { contributors: number }[] }) => r.matches[0]?.contributors)).toEqual([MEMBERS, MEMBERS, MEMBERS]);
    }
  });

  it('sixteen retractions at once: one tombstone per hash, and the pages leave both indexes', async () => {
    const ids = (await (await a.request('/v1/hashes?limit=1000', { headers: heads[0] })).json()).entries
      .filter((e: { kind: string }) => e.kind === 'add')
      .map((e: { hash: { id: string } }) => e.hash.id);
    expect(ids).toHaveLength(3);
    const results = await Promise.all(
      ids.flatMap((id: string) => Array.from({ length: MEMBERS }, (_, m) => via(m).request(`/v1/hashes/${id}`, { method: 'DELETE', headers: heads[m] }))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const feed = (await (await a.request('/v1/hashes?limit=1000', { headers: heads[0] })).json()).entries;
    expect(feed.filter((e: { kind: string }) => e.kind === 'retract')).toHaveLength(3);
    await caughtUp();
    for (const t of [a, b]) {
      const c = t.rt.index.counts();
      expect([t === a ? 'a' : 'b', c.pdf ?? 0, c.tlsh ?? 0, c.url ?? 0]).toEqual([t === a ? 'a' : 'b', 0, 0, 0]);
    }
  });
});
