/**
 * Eighteen members acting on one image's item at once, through two instances of the node on one
 * SQLite file over real HTTP: shares of the image (POST /v1/hashes/media), shares of some of its
 * hashes by value naming the item with other labels (POST /v1/hashes with `item`), relabels (PUT
 * /v1/items/{id}/labels) and retractions, each round's requests all at once. A share naming the item
 * relabels the member's share of it, so each member's labels on every hash of the item it holds are
 * its share's (and its share of the hash alone, where it has one), whichever hashes the request
 * named (decisions.md, "A share naming an item relabels the member's share of it"). No 5xx; every
 * hash's contributions, member by member, exactly as the rules give them; the feed replayed equal
 * to the final state; matches in step; one audit entry per item action, each naming exactly the
 * hashes it relabelled without naming them; a log the auditor's verifier accepts.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/cli/verify/check';
import { connect } from '../../src/cli/verify/node-api';
import { itemId } from '../../src/core/items';
import { ISSUER } from '../support/app';
import { verifyLog, type Target } from '../support/concurrency';
import { patternImage } from '../support/images';
import { twoInstances, type TwoInstances } from '../support/two-instances';

const MEMBERS = 18;

/** The hashes of the item the scenario names by value (its whole pdq and blockhash, a crop, md5, sha256). */
type Named = 'pdq' | 'blockhash' | 'crop' | 'md5' | 'sha256';

type Action =
  | { m: number; op: 'media'; labels: string[] }
  | { m: number; op: 'value'; hashes: Named[]; labels: string[] }
  | { m: number; op: 'relabel'; labels: string[] }
  | { m: number; op: 'retract' }
  | { m: number; op: 'alone'; hash: Named; labels: string[] };

const R1 = [['attack-footage'], ['recruitment'], ['attack-footage', 'recruitment']];

function rounds(): Action[][] {
  const one: Action[] = [];
  for (let m = 0; m < 8; m++) one.push({ m, op: 'media', labels: R1[m % 3] });
  // Members 0 and 1 share the md5 alone too (a source of their own beside the item).
  for (const m of [0, 1]) one.push({ m, op: 'alone', hash: 'md5', labels: ['glorification'] });
  const two: Action[] = [
    { m: 0, op: 'value', hashes: ['pdq'], labels: ['manifesto'] },
    { m: 1, op: 'value', hashes: ['sha256'], labels: ['manifesto'] },
    { m: 2, op: 'value', hashes: ['crop'], labels: ['glorification'] },
    { m: 3, op: 'value', hashes: ['blockhash'], labels: ['glorification', 'manifesto'] },
    { m: 4, op: 'relabel', labels: ['manifesto', 'recruitment'] },
    { m: 5, op: 'relabel', labels: ['manifesto', 'recruitment'] },
    { m: 6, op: 'media', labels: ['glorification'] },
    { m: 7, op: 'media', labels: ['glorification'] },
    ...[8, 9, 10, 11].map((m): Action => ({ m, op: 'media', labels: ['recruitment'] })),
    ...[12, 13, 14, 15].map((m): Action => ({ m, op: 'value', hashes: ['blockhash'], labels: ['glorification'] })),
    ...[16, 17].map((m): Action => ({ m, op: 'value', hashes: ['pdq', 'md5'], labels: ['attack-footage'] })),
  ];
  const three: Action[] = [
    ...[12, 13, 14, 15].map((m): Action => ({ m, op: 'value', hashes: ['md5'], labels: ['attack-footage'] })),
    { m: 8, op: 'relabel', labels: ['glorification'] },
    { m: 9, op: 'relabel', labels: ['glorification'] },
    { m: 10, op: 'retract' },
    { m: 11, op: 'value', hashes: ['crop'], labels: ['manifesto'] },
    { m: 0, op: 'media', labels: ['recruitment'] },
    { m: 1, op: 'media', labels: ['recruitment'] },
    { m: 2, op: 'relabel', labels: ['recruitment'] },
    { m: 3, op: 'retract' },
    { m: 4, op: 'value', hashes: ['sha256'], labels: ['attack-footage'] },
    { m: 5, op: 'value', hashes: ['sha256'], labels: ['attack-footage'] },
    { m: 6, op: 'value', hashes: ['pdq'], labels: ['attack-footage', 'manifesto'] },
    { m: 7, op: 'relabel', labels: ['manifesto'] },
    { m: 16, op: 'relabel', labels: ['recruitment'] },
    { m: 17, op: 'media', labels: ['manifesto'] },
  ];
  return [one, two, three];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** A member's sources: its share of the item (null: none standing), the hashes it holds, its shares of hashes alone. */
interface MemberState {
  item: string[] | null;
  held: Set<string>;
  direct: Map<string, string[]>;
}

/** The rules applied to the actions, in round order (each member acts on the item once a round, so order within a round does not matter). */
class Model {
  readonly members: MemberState[] = Array.from({ length: MEMBERS }, () => ({ item: null, held: new Set<string>(), direct: new Map() }));
  constructor(
    private readonly all: string[],
    private readonly ids: Record<Named, string>,
  ) {}

  /** The member's labels on hash `h`, or null when it holds none. */
  labels(m: number, h: string): string[] | null {
    const s = this.members[m];
    return s.held.has(h) ? sorted([...(s.direct.get(h) ?? []), ...(s.item ?? [])]) : null;
  }

  /** Applies an action; for an item action, the entry it writes: its action and the hashes it relabelled without naming them. */
  apply(a: Action): { action: string; relabelled: string[] } | null {
    const s = this.members[a.m];
    const before = new Map(this.all.map((h) => [h, this.labels(a.m, h)]));
    const named = a.op === 'media' ? this.all : a.op === 'value' ? a.hashes.map((n) => this.ids[n]) : [];
    let action: string;
    if (a.op === 'alone') {
      s.direct.set(this.ids[a.hash], sorted(a.labels));
      s.held.add(this.ids[a.hash]);
      return null;
    }
    if (a.op === 'retract') {
      s.item = null;
      s.held = new Set([...s.held].filter((h) => s.direct.has(h)));
      action = 'item.retract';
    } else {
      action = a.op === 'relabel' || s.item !== null ? 'item.relabel' : 'item.share';
      s.item = sorted(a.labels);
      for (const h of named) s.held.add(h);
    }
    const relabelled = this.all
      .filter((h) => !named.includes(h) && before.get(h) !== null && this.labels(a.m, h) !== null)
      .filter((h) => JSON.stringify(before.get(h)) !== JSON.stringify(this.labels(a.m, h)))
      .sort();
    return { action, relabelled };
  }
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

let two: TwoInstances;
let target: Target;
let image: Buffer;
let sha: string;
let id: string;
/** Every hash of the item (id, type, value, variant), in the item's order. */
let hashes: { id: string; type: string; value: string; variant: string }[];
let ids: Record<Named, string>;
let model: Model;
/** Each member's client id, and the member of a client id. */
let clientIds: string[];
const statuses: number[] = [];
/** Per member, the entries its item actions must write, in order. */
const expectedEntries = new Map<number, { action: string; relabelled: string[] }[]>();
/** The variant each value share's answer gave each hash it named, against the item's. */
const answeredVariants: [string, string][] = [];

function mediaForm(labels: string[]): FormData {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'b.jpg');
  form.set('labels', labels.join(','));
  return form;
}

async function send(a: Action): Promise<void> {
  const byId = new Map(hashes?.map((h) => [h.id, h]) ?? []);
  let res: Response;
  if (a.op === 'media') res = await target.member(a.m, '/v1/hashes/media', { method: 'POST', body: mediaForm(a.labels) });
  else if (a.op === 'alone') {
    const md5 = createHash('md5').update(image).digest('hex');
    res = await target.member(a.m, '/v1/hashes', json('POST', { items: [{ type: 'md5', value: md5, labels: a.labels }] }));
  } else if (a.op === 'value') {
    const items = a.hashes.map((n) => {
      const h = byId.get(ids[n]);
      if (!h) throw new Error(`no ${n} hash`);
      return { type: h.type, value: h.value, labels: a.labels, item: { sha256: sha, kind: 'image' }, ...(h.variant === 'whole' ? {} : { variant: h.variant }) };
    });
    res = await target.member(a.m, '/v1/hashes', json('POST', { items }));
    if (res.status === 201) for (const r of (await res.clone().json()).items) answeredVariants.push([r.variant, byId.get(r.id)?.variant ?? 'none']);
  } else if (a.op === 'relabel') res = await target.member(a.m, `/v1/items/${id}/labels`, json('PUT', { labels: a.labels }));
  else res = await target.member(a.m, `/v1/items/${id}`, { method: 'DELETE' });
  statuses.push(res.status);
}

beforeAll(async () => {
  two = await twoInstances(MEMBERS, (m) => `relabel-member-${m}`);
  target = two.through(-1);
  clientIds = two.tokens.map((tk) => JSON.parse(Buffer.from(tk.split('.')[1], 'base64url').toString()).sub);
  image = await patternImage('jpeg', 320, 240, 7);
  sha = createHash('sha256').update(image).digest('hex');
  id = itemId(ISSUER, sha);
  const [one, ...rest] = rounds();
  await Promise.all(one.map(send));
  // The item's hashes, as the first round's shares made them.
  const item = await (await target.member(0, `/v1/items/${id}`)).json();
  hashes = item.hashes.map((h: { id: string; type: string; value: string; variant: string }) => ({
    id: h.id,
    type: h.type,
    value: h.value,
    variant: h.variant,
  }));
  const find = (type: string, variant: (v: string) => boolean) => {
    const h = hashes.find((x) => x.type === type && variant(x.variant));
    if (!h) throw new Error(`the item has no ${type} hash of that variant`);
    return h.id;
  };
  ids = {
    pdq: find('pdq', (v) => v === 'whole'),
    blockhash: find('blockhash', (v) => v === 'whole'),
    crop: find('pdq', (v) => v.startsWith('crop-')),
    md5: find('md5', () => true),
    sha256: find('sha256', () => true),
  };
  model = new Model(
    hashes.map((h) => h.id),
    ids,
  );
  for (const a of one) model.apply(a);
  for (const a of one) if (a.op !== 'alone') expectedEntries.set(a.m, [...(expectedEntries.get(a.m) ?? []), { action: 'item.share', relabelled: [] }]);
  for (const round of rest) {
    for (const a of round) {
      const e = model.apply(a);
      if (e) expectedEntries.set(a.m, [...(expectedEntries.get(a.m) ?? []), e]);
    }
    await Promise.all(round.map(send));
  }
}, 120_000);

afterAll(async () => {
  await two?.close();
});

describe('shares naming an item, relabels and retractions of it, at once, by eighteen members', () => {
  it('answers every request without a 5xx, each value share naming the variant the item holds', () => {
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses).toHaveLength(rounds().flat().length);
    expect(rounds().flat().length - rounds()[0].length).toBeGreaterThanOrEqual(32);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(answeredVariants.length).toBeGreaterThan(10);
    for (const [answered, held] of answeredVariants) expect(answered).toBe(held);
  });

  it("leaves every member's labels on every hash of the item exactly as the rules say", async () => {
    for (const h of hashes) {
      const d = await two.a.rt.deps.hashes.getById(h.id);
      const got = Object.fromEntries(
        (d?.contributions ?? []).filter((c) => c.retractedAt === null).map((c) => [clientIds.indexOf(c.contributor), c.labels] as const),
      );
      const want = Object.fromEntries(
        Array.from({ length: MEMBERS }, (_, m) => [m, model.labels(m, h.id)] as const).filter((x): x is readonly [number, string[]] => x[1] !== null),
      );
      expect(got, `${h.type} ${h.variant}`).toEqual(want);
    }
    // The model's own sanity: the members' labels differ from hash to hash (shares of some hashes, shares alone).
    expect(new Set(hashes.map((h) => JSON.stringify(Array.from({ length: MEMBERS }, (_, m) => model.labels(m, h.id))))).size).toBeGreaterThan(3);
    const item = await (await target.member(0, `/v1/items/${id}`)).json();
    const standing = model.members.filter((s) => s.item !== null);
    expect({ status: item.status, contributors: item.contributors, labels: item.labels }).toEqual({
      status: 'active',
      contributors: standing.length,
      labels: sorted(standing.flatMap((s) => s.item ?? [])),
    });
    for (const h of item.hashes) expect({ labels: h.labels, contributors: h.contributors }, `${h.type} ${h.variant}`).toEqual(expectedHash(h.id));
  });

  it('the feed replayed from the start equals the final state', async () => {
    const out = new Map<string, { labels: string[]; contributors: number }>();
    let cursor = '';
    for (;;) {
      const page = await (await target.member(0, `/v1/hashes?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).json();
      for (const e of page.entries) out.set(e.hash.id, { labels: e.hash.labels, contributors: e.hash.contributors });
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    for (const h of hashes) expect(out.get(h.id), `${h.type} ${h.variant}`).toEqual(expectedHash(h.id));
  });

  it('both instances match every hash of the item a query as sent can meet (not the crops) with its labels, within a second', async () => {
    // The rule table lets a query as sent meet a stored whole image or region, never a crop.
    const meetable = hashes.filter((h) => !h.variant.startsWith('crop-'));
    expect(meetable.length).toBeGreaterThanOrEqual(4);
    for (const i of [0, 1]) {
      const deadline = Date.now() + 1000;
      for (;;) {
        const res = await two
          .through(i)
          .member(0, '/v1/match', json('POST', { hashes: meetable.map((h) => ({ type: h.type, value: h.value })), maxDistance: { pdq: 0, blockhash: 0 } }));
        const body = await res.json();
        const got = body.results.map((r: { matches: { id: string; labels: string[]; contributors: number }[] }, k: number) => {
          const m = r.matches.find((x) => x.id === meetable[k].id);
          return m ? { labels: m.labels, contributors: m.contributors } : null;
        });
        const want = meetable.map((h) => expectedHash(h.id));
        if (JSON.stringify(got) === JSON.stringify(want)) break;
        if (Date.now() > deadline) expect(got, `instance ${i}`).toEqual(want);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('writes one entry per item action, each naming the hashes it relabelled without naming them; the log verifies', async () => {
    const jwks = await (await fetch(`${two.urls[0]}/.well-known/jwks.json`)).json();
    const log = await verifyLog(target, jwks);
    const items = log.entries.map((e) => JSON.parse(e)).filter((e) => e.subject.kind === 'item' && e.subject.id === id);
    for (let m = 0; m < MEMBERS; m++) {
      const mine = items.filter((e) => e.actor === clientIds[m]);
      expect(
        mine.map((e) => ({ action: e.action, relabelled: e.action === 'item.retract' ? [] : (e.content.hashesRelabelled ?? []) })),
        `member ${m}`,
      ).toEqual(expectedEntries.get(m)?.map((e) => (e.action === 'item.retract' ? { ...e, relabelled: [] } : e)));
    }
    for (const url of two.urls) {
      const { verdict } = await check(await connect(url, two.auditor.id, two.auditor.privateJwk), null);
      expect(verdict.problems).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
  });
});

/** A hash's labels and contributors by the model. */
function expectedHash(h: string): { labels: string[]; contributors: number } {
  const each = Array.from({ length: MEMBERS }, (_, m) => model.labels(m, h)).filter((l): l is string[] => l !== null);
  return { labels: sorted(each.flat()), contributors: each.length };
}
