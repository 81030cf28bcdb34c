/**
 * One scenario of many members writing the same hashes at once, through the HTTP API, and the
 * checks of its end state. Runtime-neutral (no node:*), so the Node suite runs it against two
 * instances on one SQLite file and the workerd suite against D1.
 *
 * Rounds, each fired all at once:
 * 1. every member shares a common hash, a hash it shares with its pair, and one of its own;
 * 2. half the members relabel the common hash, the other half retract it; both members of every pair
 *    retract their pair's hash (the last two contributions going together); every member gives
 *    feedback on its neighbour's own hash, and on the common hash;
 * 3. both members of pair 0 share its (retracted) hash again.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { expect } from 'vitest';
import { appendLeaf, bytesEqual, EMPTY_FRONTIER, leafHash, rootFromFrontier } from '../../src/core/merkle';
import { treeHeadPayload } from '../../src/core/audit';

export const MEMBERS = 16;
const LABELS = [['attack-footage'], ['recruitment'], ['glorification', 'attack-footage']];

export interface Target {
  /** Sends a request as member m (each member may go through another instance). */
  member(m: number, path: string, init?: RequestInit): Promise<Response>;
  /** Sends a request as the auditor. */
  auditor(path: string): Promise<Response>;
}

/** 256 bits from a 32-bit start by xorshift: a fixed value per start (no randomness: the expected state is exact). */
export function fixedHex(start: number): string {
  let x = start >>> 0;
  let s = '';
  for (let i = 0; i < 8; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s;
}

const hex = (seed: number) => fixedHex(seed * 2654435761);

export const COMMON = hex(1);
export const pairHash = (k: number) => hex(100 + k);
export const ownHash = (m: number) => hex(200 + m);

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export interface Outcome {
  statuses: number[];
  ids: Map<string, string>;
  created: number;
}

export async function runScenario(t: Target): Promise<Outcome> {
  const statuses: number[] = [];
  const ids = new Map<string, string>();
  let created = 0;
  const members = Array.from({ length: MEMBERS }, (_, m) => m);
  const record = async (res: Response) => {
    statuses.push(res.status);
    return res.status < 300 ? res.json() : null;
  };

  // Round 1: everybody shares at once.
  await Promise.all(
    members.map(async (m) => {
      const body = await record(
        await t.member(
          m,
          '/v1/hashes',
          json('POST', {
            items: [
              { type: 'pdq', value: COMMON, labels: LABELS[m % 3] },
              { type: 'pdq', value: pairHash(m >> 1), labels: ['manifesto'] },
              { type: 'pdq', value: ownHash(m), labels: LABELS[m % 3], externalId: `case-${m}` },
            ],
          }),
        ),
      );
      for (const it of body?.items ?? []) {
        ids.set(it.value, it.id);
        if (it.created) created++;
      }
    }),
  );
  const id = (v: string) => ids.get(v) ?? 'missing';

  // Round 2: relabel, retract, retract in pairs, feedback, all at once.
  await Promise.all(
    members.flatMap((m) => [
      m < MEMBERS / 2
        ? t.member(m, '/v1/hashes', json('POST', { items: [{ type: 'pdq', value: COMMON, labels: ['manifesto'] }] })).then(record)
        : t.member(m, `/v1/hashes/${id(COMMON)}`, { method: 'DELETE' }).then(record),
      t.member(m, `/v1/hashes/${id(pairHash(m >> 1))}`, { method: 'DELETE' }).then(record),
      t.member(m, `/v1/hashes/${id(ownHash((m + 1) % MEMBERS))}/feedback`, json('POST', { verdict: m % 2 ? 'dispute' : 'confirm' })).then(record),
      // Everybody's verdict on the common hash at once (one standing verdict per member).
      t.member(m, `/v1/hashes/${id(COMMON)}/feedback`, json('POST', { verdict: m % 2 ? 'dispute' : 'confirm', reason: `member ${m}` })).then(record),
    ]),
  );

  // Round 3: a retracted hash shared again by two members at once.
  await Promise.all(
    [0, 1].map((m) => t.member(m, '/v1/hashes', json('POST', { items: [{ type: 'pdq', value: pairHash(0), labels: ['manifesto'] }] })).then(record)),
  );
  return { statuses, ids, created };
}

/** The state every hash must be in after the scenario. */
export function expectedState(): Map<string, { status: 'active' | 'retracted'; contributors: number; labels: string[]; confirm: number; dispute: number }> {
  const out = new Map<string, { status: 'active' | 'retracted'; contributors: number; labels: string[]; confirm: number; dispute: number }>();
  out.set(COMMON, { status: 'active', contributors: MEMBERS / 2, labels: ['manifesto'], confirm: MEMBERS / 2, dispute: MEMBERS / 2 });
  for (let k = 0; k < MEMBERS / 2; k++)
    out.set(
      pairHash(k),
      k === 0
        ? { status: 'active', contributors: 2, labels: ['manifesto'], confirm: 0, dispute: 0 }
        : { status: 'retracted', contributors: 0, labels: [], confirm: 0, dispute: 0 },
    );
  for (let m = 0; m < MEMBERS; m++) {
    const giver = (m + MEMBERS - 1) % MEMBERS;
    out.set(ownHash(m), { status: 'active', contributors: 1, labels: [...LABELS[m % 3]].sort(), confirm: giver % 2 ? 0 : 1, dispute: giver % 2 ? 1 : 0 });
  }
  return out;
}

/** The retraction entries of one hash: who each retracted, and how many stood after it (in log order). */
export function retractions(entries: string[], hashId: string): { retracted: string[]; remaining: number }[] {
  return entries
    .map((e) => JSON.parse(e))
    .filter((e) => e.action === 'hash.retract' && e.subject.id === hashId)
    .map((e) => ({ retracted: e.content.contributorsRetracted, remaining: e.content.contributorsRemaining }));
}

/**
 * The log's checks: the number of entries of each action, and the two simultaneous retractions of
 * each pair's hash: each names one member, the two different ones, and exactly one leaves nobody.
 */
export function expectScenarioLog(log: { actions: Record<string, number>; entries: string[] }, outcome: Outcome): void {
  for (const [action, n] of Object.entries(expectedActions())) expect(log.actions[action] ?? 0, action).toBe(n);
  for (let k = 1; k < MEMBERS / 2; k++) {
    const r = retractions(log.entries, outcome.ids.get(pairHash(k)) ?? '');
    expect(
      r.map((x) => x.retracted.length),
      `pair ${k}`,
    ).toEqual([1, 1]);
    expect(r.flatMap((x) => x.retracted).length).toBe(2);
    expect(new Set(r.flatMap((x) => x.retracted)).size, `pair ${k}: two different members`).toBe(2);
    expect(
      r.map((x) => x.remaining),
      `pair ${k}`,
    ).toEqual([1, 0]);
  }
}

/** How many audit entries of each action the scenario makes. */
export function expectedActions(): Record<string, number> {
  return {
    'hash.share': 3 * MEMBERS + 2,
    'hash.relabel': MEMBERS / 2,
    'hash.retract': MEMBERS / 2 + MEMBERS,
    'hash.feedback': 2 * MEMBERS,
  };
}

export interface FeedEntry {
  kind: 'add' | 'update' | 'retract';
  hash: { id: string; type: string; value: string; status: string; labels: string[]; contributors: number };
}

/** The whole feed, page by page, as member 0 reads it. */
export async function readFeed(t: Target): Promise<FeedEntry[]> {
  const out: FeedEntry[] = [];
  let cursor = '';
  for (;;) {
    const page = await (await t.member(0, `/v1/hashes?limit=7${cursor ? `&cursor=${cursor}` : ''}`)).json();
    out.push(...page.entries);
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}

/** The feed replayed: each hash as its last entry shows it. */
export function replay(feed: FeedEntry[]): Map<string, FeedEntry['hash']> {
  const out = new Map<string, FeedEntry['hash']>();
  for (const e of feed) out.set(e.hash.value, e.hash);
  return out;
}

/** Recomputes the log's root from its entries and checks the signed head against the JWKS. */
export async function verifyLog(t: Target, jwks: { keys: JWK[] }): Promise<{ size: number; actions: Record<string, number>; entries: string[] }> {
  const head = await (await t.auditor('/v1/audit/tree-head?fresh=true')).json();
  const entries: string[] = [];
  while (entries.length < head.treeSize) {
    const page = await (await t.auditor(`/v1/audit/entries?start=${entries.length}&end=${head.treeSize}`)).json();
    if (!page.entries.length) throw new Error('the log serves fewer entries than its head counts');
    for (const e of page.entries) {
      if (e.index !== entries.length) throw new Error(`entry ${entries.length} is missing`);
      entries.push(e.entry);
    }
  }
  let f = EMPTY_FRONTIER;
  const te = new TextEncoder();
  for (const e of entries) f = appendLeaf(f, leafHash(te.encode(e))).frontier;
  const root = rootFromFrontier(f);
  const signed = Uint8Array.from(atob(head.rootHash), (c) => c.charCodeAt(0));
  if (!bytesEqual(root, signed)) throw new Error('the entries do not hash to the signed root');
  const kid = JSON.parse(atob(head.signature.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'))).kid;
  const key = jwks.keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`the head is signed by ${kid}, not in the JWKS`);
  const { payload } = await compactVerify(head.signature, await importJWK(key, 'EdDSA'));
  if (new TextDecoder().decode(payload) !== treeHeadPayload({ treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp }))
    throw new Error('the signature covers another head');
  const actions: Record<string, number> = {};
  for (const e of entries) {
    const a = JSON.parse(e).action as string;
    actions[a] = (actions[a] ?? 0) + 1;
  }
  return { size: entries.length, actions, entries };
}
