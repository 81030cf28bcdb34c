/**
 * Many members sharing, relabelling and retracting items that hold the same hashes, all at once,
 * through the HTTP API; and the exact state a correct node ends in, worked out by a model of the
 * rules (decisions.md, "A member's labels on a hash that several items hold"). Runtime-neutral (no
 * node:*), like support/concurrency.ts.
 *
 * Eight members; member m has items A(m) = [pdq a(m), blockhash X(m), blockhash COMMON] and
 * B(m) = [pdq b(m), blockhash X(m), blockhash Y(m>>1)]; the two members of pair k share the same item
 * P(k) = [pdq p(k), blockhash Y(k)]. So X(m) is held by two items of one member, Y(k) by two items of
 * each member of a pair and by one item both hold, COMMON by every member's A.
 *
 * Round 1, all at once (24 requests): every member shares A(m), B(m) and P(m>>1).
 * Round 2, all at once (28 requests): even members retract A(m), odd ones relabel it; members
 * m % 4 < 2 relabel B(m), the others retract it; the first member of each pair retracts P(k), the
 * second relabels it (k even) or retracts it too (k odd); members m % 4 = 0 share X(m) alone.
 * Round 3, all at once (9 requests): an admin retracts A(0) (already retracted by its member: only
 * member 0's share of X(0) alone goes, its labels unchanged), A(1), P(0) and B(4) (member 4's share
 * of X(4) alone goes with it); meanwhile member 3 shares X(3) alone, member 2 shares Y(1) alone (every
 * item holding it retracted), member 5 relabels B(5) (Y(2), in B(4) too), member 7 relabels A(7)
 * (COMMON, in A(1) too), and member 6 shares A(6) again. No two of them act on the same share, and
 * every one works out the contributions it touches from what holds them, so the end state does not
 * depend on their order: the model applies the admin's first.
 */
import { expect } from 'vitest';
import { fixedHex, type Target } from './concurrency';

export const ITEM_MEMBERS = 8;

/** A fixed 256-bit value per name (no randomness: the expected state is exact). */
export function fixedValue(name: string): string {
  let x = 2166136261;
  for (const ch of name) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  return fixedHex(x);
}

type HashKey = string; // `${type}:${name}`
const pdq = (name: string): HashKey => `pdq:${name}`;
const bh = (name: string): HashKey => `blockhash:${name}`;
const typeOf = (k: HashKey) => k.split(':')[0];
const valueOfKey = (k: HashKey) => fixedValue(k.split(':')[1]);

/** The items of the scenario: their media name (its SHA-256 is fixedValue(media)) and hashes. */
export function scenarioItems(): Map<string, HashKey[]> {
  const out = new Map<string, HashKey[]>();
  for (let m = 0; m < ITEM_MEMBERS; m++) {
    out.set(`A${m}`, [pdq(`a${m}`), bh(`X${m}`), bh('COMMON')]);
    out.set(`B${m}`, [pdq(`b${m}`), bh(`X${m}`), bh(`Y${m >> 1}`)]);
  }
  for (let k = 0; k < ITEM_MEMBERS / 2; k++) out.set(`P${k}`, [pdq(`p${k}`), bh(`Y${k}`)]);
  return out;
}

const ROUND1_LABELS: Record<string, string[]> = { A: ['attack-footage'], B: ['recruitment'], P: ['glorification'] };

/** Every action of the scenario, by round: a member's share, relabel or retraction of an item, or its share of a hash alone. */
type Action =
  | { m: number; op: 'share'; item: string; labels: string[] }
  | { m: number; op: 'relabel'; item: string; labels: string[] }
  | { m: number; op: 'retract'; item: string }
  | { m: number; op: 'alone'; hash: HashKey; labels: string[] }
  | { m: -1; op: 'admin'; item: string };

export function rounds(): Action[][] {
  const one: Action[] = [];
  const two: Action[] = [];
  for (let m = 0; m < ITEM_MEMBERS; m++) {
    const k = m >> 1;
    for (const item of [`A${m}`, `B${m}`, `P${k}`]) one.push({ m, op: 'share', item, labels: ROUND1_LABELS[item[0]] });
    two.push(m % 2 ? { m, op: 'relabel', item: `A${m}`, labels: ['manifesto'] } : { m, op: 'retract', item: `A${m}` });
    two.push(m % 4 < 2 ? { m, op: 'relabel', item: `B${m}`, labels: ['manifesto', 'recruitment'] } : { m, op: 'retract', item: `B${m}` });
    two.push(m % 2 === 1 && k % 2 === 0 ? { m, op: 'relabel', item: `P${k}`, labels: ['attack-footage'] } : { m, op: 'retract', item: `P${k}` });
    if (m % 4 === 0) two.push({ m, op: 'alone', hash: bh(`X${m}`), labels: ['manifesto'] });
  }
  const three: Action[] = [
    ...['A0', 'A1', 'P0', 'B4'].map((item): Action => ({ m: -1, op: 'admin', item })),
    { m: 3, op: 'alone', hash: bh('X3'), labels: ['glorification'] },
    { m: 2, op: 'alone', hash: bh('Y1'), labels: ['manifesto'] },
    { m: 5, op: 'relabel', item: 'B5', labels: ['attack-footage'] },
    { m: 7, op: 'relabel', item: 'A7', labels: ['recruitment'] },
    { m: 6, op: 'share', item: 'A6', labels: ['attack-footage'] },
  ];
  return [one, two, three];
}

export interface HashState {
  status: 'active' | 'retracted';
  contributors: number;
  labels: string[];
  /** The items an active hash names (standing ones), sorted by media name. */
  items: string[];
}
export interface ItemState {
  status: 'active' | 'retracted';
  contributors: number;
  labels: string[];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The end state by the rules, from the actions alone (each member's actions on one thing are one per round). */
export function expectedItemsState(): { hashes: Map<HashKey, HashState>; items: Map<string, ItemState> } {
  const items = scenarioItems();
  const shares = new Map<string, Map<number, string[] | null>>(); // item -> member -> labels (null: retracted)
  const alone = new Map<string, string[]>(); // `${m}|${hash}` -> labels
  // An admin's retraction first (the round's other actions commute with it): every member's share
  // of the item, and every member's share of its hashes alone.
  for (const round of rounds())
    for (const a of [...round.filter((x) => x.op === 'admin'), ...round.filter((x) => x.op !== 'admin')]) {
      if (a.op === 'admin') {
        const s = shares.get(a.item) ?? new Map();
        shares.set(a.item, s);
        for (const m of s.keys()) s.set(m, null);
        for (const h of items.get(a.item) ?? []) for (let m = 0; m < ITEM_MEMBERS; m++) alone.delete(`${m}|${h}`);
        continue;
      }
      if (a.op === 'alone') {
        alone.set(`${a.m}|${a.hash}`, sorted(a.labels));
        continue;
      }
      const s = shares.get(a.item) ?? new Map();
      shares.set(a.item, s);
      if (a.op === 'share') s.set(a.m, sorted(a.labels));
      else if (a.op === 'relabel') s.set(a.m, sorted(a.labels));
      else s.set(a.m, null);
    }
  const itemOut = new Map<string, ItemState>();
  for (const name of items.keys()) {
    const standing = [...(shares.get(name) ?? new Map()).values()].filter((l): l is string[] => l !== null);
    itemOut.set(name, { status: standing.length ? 'active' : 'retracted', contributors: standing.length, labels: sorted(standing.flat()) });
  }
  const hashOut = new Map<HashKey, HashState>();
  const allHashes = sorted([...items.values()].flat());
  for (const h of allHashes) {
    const labels: string[] = [];
    let contributors = 0;
    for (let m = 0; m < ITEM_MEMBERS; m++) {
      const sources: string[][] = [];
      const direct = alone.get(`${m}|${h}`);
      if (direct) sources.push(direct);
      for (const [name, hs] of items) {
        const l = shares.get(name)?.get(m);
        if (hs.includes(h) && l) sources.push(l);
      }
      if (sources.length) {
        contributors++;
        labels.push(...sources.flat());
      }
    }
    const holding = [...items].filter(([name, hs]) => hs.includes(h) && itemOut.get(name)?.status === 'active').map(([name]) => name);
    hashOut.set(h, { status: contributors ? 'active' : 'retracted', contributors, labels: sorted(labels), items: contributors ? sorted(holding) : [] });
  }
  return { hashes: hashOut, items: itemOut };
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export interface ItemsOutcome {
  statuses: number[];
  /** Item id by media name, and media name by item id. */
  ids: Map<string, string>;
  names: Map<string, string>;
  /** Hash id by key. */
  hashIds: Map<HashKey, string>;
}

/** Runs the rounds; each round's requests all at once (`admin`: a request as an admin). */
export async function runItemsScenario(t: Target, admin: (path: string, init?: RequestInit) => Promise<Response>): Promise<ItemsOutcome> {
  const items = scenarioItems();
  const out: ItemsOutcome = { statuses: [], ids: new Map(), names: new Map(), hashIds: new Map() };
  const send = async (a: Action): Promise<void> => {
    let res: Response;
    if (a.op === 'share') {
      const item = { sha256: fixedValue(a.item), kind: 'image' };
      const hashes = (items.get(a.item) ?? []).map((h) => ({ type: typeOf(h), value: valueOfKey(h), labels: a.labels, item }));
      res = await t.member(a.m, '/v1/hashes', json('POST', { items: hashes }));
      if (res.status === 201) {
        const body = await res.json();
        out.ids.set(a.item, body.media[0].id);
        out.names.set(body.media[0].id, a.item);
        (items.get(a.item) ?? []).forEach((h, i) => out.hashIds.set(h, body.items[i].id));
      }
    } else if (a.op === 'admin') {
      res = await admin(`/v1/items/${out.ids.get(a.item) ?? 'missing'}`, { method: 'DELETE' });
    } else if (a.op === 'alone') {
      res = await t.member(a.m, '/v1/hashes', json('POST', { items: [{ type: typeOf(a.hash), value: valueOfKey(a.hash), labels: a.labels }] }));
    } else {
      const id = out.ids.get(a.item) ?? 'missing';
      res =
        a.op === 'relabel'
          ? await t.member(a.m, `/v1/items/${id}/labels`, json('PUT', { labels: a.labels }))
          : await t.member(a.m, `/v1/items/${id}`, { method: 'DELETE' });
    }
    out.statuses.push(res.status);
  };
  for (const round of rounds()) await Promise.all(round.map(send));
  return out;
}

/** How many audit entries of each item action the scenario makes (every action changes something). */
export function expectedItemActions(): Record<string, number> {
  const all = rounds().flat();
  return {
    'item.share': all.filter((a) => a.op === 'share').length,
    'item.relabel': all.filter((a) => a.op === 'relabel').length,
    'item.retract': all.filter((a) => a.op === 'retract' || a.op === 'admin').length,
  };
}

/** Checks what GET /v1/items/{id} answers for every item against the model. */
export async function expectItems(t: Target, o: ItemsOutcome): Promise<void> {
  const want = expectedItemsState();
  for (const [name, state] of want.items) {
    const res = await t.member(0, `/v1/items/${o.ids.get(name)}`);
    expect(res.status, name).toBe(200);
    const body = await res.json();
    expect({ status: body.status, contributors: body.contributors, labels: body.labels }, name).toEqual(state);
    const hashes = scenarioItems().get(name) ?? [];
    expect(
      body.hashes.map((h: { value: string; status: string; contributors: number; labels: string[] }) => [h.value, h.status, h.contributors, h.labels]),
      name,
    ).toEqual(
      hashes.map((h) => {
        const s = want.hashes.get(h);
        return [valueOfKey(h), s?.status, s?.contributors, s?.labels];
      }),
    );
  }
}

/** Each hash as a match answers it (maxDistance 0): labels, contributors and the items it names, or no match. */
export async function matchState(t: Target, o: ItemsOutcome, m = 0): Promise<Map<HashKey, HashState>> {
  const keys = [...expectedItemsState().hashes.keys()];
  const res = await t.member(
    m,
    '/v1/match',
    json('POST', { hashes: keys.map((k) => ({ type: typeOf(k), value: valueOfKey(k) })), maxDistance: { pdq: 0, blockhash: 0 } }),
  );
  expect(res.status).toBe(200);
  const body = await res.json();
  return new Map(
    keys.map((k, i): [HashKey, HashState] => {
      const hits = body.results[i].matches as { labels: string[]; contributors: number; item?: { id: string }; items?: { id: string }[] }[];
      if (!hits.length) return [k, { status: 'retracted', contributors: 0, labels: [], items: [] }];
      expect(hits, k).toHaveLength(1);
      const named = hits[0].items ?? (hits[0].item ? [hits[0].item] : []);
      if (hits[0].items && hits[0].item) expect(hits[0].items[0], `${k}: the first item is the one named`).toEqual(hits[0].item);
      return [
        k,
        { status: 'active', contributors: hits[0].contributors, labels: hits[0].labels, items: sorted(named.map((it) => o.names.get(it.id) ?? it.id)) },
      ];
    }),
  );
}

/** The feed replayed from the start: each hash as its last entry shows it. */
export async function replayItemsFeed(t: Target, o: ItemsOutcome): Promise<Map<HashKey, HashState>> {
  const byId = new Map([...o.hashIds].map(([k, id]) => [id, k]));
  const out = new Map<HashKey, HashState>();
  let cursor = '';
  for (;;) {
    const page = await (await t.member(0, `/v1/hashes?limit=9${cursor ? `&cursor=${cursor}` : ''}`)).json();
    for (const e of page.entries) {
      const k = byId.get(e.hash.id);
      if (!k) continue;
      const active = e.hash.status === 'active';
      out.set(k, {
        status: e.hash.status,
        contributors: e.hash.contributors,
        labels: e.hash.labels,
        // A tombstone names every item the hash was part of; the model names none for it.
        items: active ? sorted((e.hash.items ?? []).map((it: { id: string }) => o.names.get(it.id) ?? it.id)) : [],
      });
    }
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}
