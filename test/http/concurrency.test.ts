/**
 * Sixteen members writing the same hashes at the same moment, through two instances of the node on
 * one SQLite file (each with its own reader and writer connections), over real HTTP: no 5xx, one
 * record per hash, the exact contributors, labels and feedback, a tombstone exactly when the last
 * contribution goes, the feed replayed from the start equal to the final state, both instances'
 * indexes in step, and an audit log the auditor's verifier accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cli/verify/node-api';
import { check } from '../../src/cli/verify/check';
import {
  COMMON,
  expectedState,
  expectScenarioLog,
  MEMBERS,
  ownHash,
  pairHash,
  readFeed,
  replay,
  runScenario,
  verifyLog,
  type Outcome,
  type Target,
} from '../support/concurrency';
import { twoInstances, type TwoInstances } from '../support/two-instances';

let two: TwoInstances;
let target: Target;
let outcome: Outcome;

beforeAll(async () => {
  two = await twoInstances(MEMBERS, (m) => `member-${m}`);
  target = two.through(-1);
  outcome = await runScenario(target);
});

afterAll(async () => {
  await two?.close();
});

/** Match answers for every hash of the scenario, through instance i. */
async function matches(i: number) {
  const values = [...expectedState().keys()];
  const res = await fetch(`${two.urls[i]}/v1/match`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${two.tokens[i]}` },
    body: JSON.stringify({ hashes: values.map((value) => ({ type: 'pdq', value })), maxDistance: { pdq: 0 } }),
  });
  expect(res.status).toBe(200);
  const body = await res.json();
  return new Map(
    values.map((v, k) => [
      v,
      body.results[k].matches as { id: string; labels: string[]; contributors: number; feedback: { confirm: number; dispute: number } }[],
    ]),
  );
}

describe('sixteen members at once, through two instances on one SQLite file', () => {
  it('answers every request without a 5xx, and exactly as expected', () => {
    expect(outcome.statuses.filter((s) => s >= 500)).toEqual([]);
    // 16 shares + 64 in round 2 + 2 re-shares, each 200 or 201.
    expect(outcome.statuses).toHaveLength(MEMBERS + 4 * MEMBERS + 2);
    expect(outcome.statuses.every((s) => s === 200 || s === 201)).toBe(true);
    // Sixteen shared the common hash at once: the node made it once.
    expect(outcome.created).toBe(1 + MEMBERS / 2 + MEMBERS);
  });

  it('holds one record per hash, with the exact contributors and labels', async () => {
    const dupes = await two.a.rt.database.client.execute('select type, value, count(*) as n from hashes group by type, value having n > 1');
    expect(dupes.rows).toEqual([]);
    const state = await two.a.rt.database.client.execute(`
      select h.value, h.status,
        (select count(*) from contributions c where c.hash_id = h.id and c.retracted_at is null) as contributors,
        (select json_group_array(l order by l) from (select distinct j.value as l from contributions c, json_each(c.labels) j where c.hash_id = h.id and c.retracted_at is null)) as labels,
        (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'confirm') as confirm,
        (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'dispute') as dispute
      from hashes h`);
    const got = new Map(
      state.rows.map((r) => [
        String(r.value),
        {
          status: r.status,
          contributors: Number(r.contributors),
          labels: JSON.parse(String(r.labels)),
          confirm: Number(r.confirm),
          dispute: Number(r.dispute),
        },
      ]),
    );
    expect(got).toEqual(expectedState());
  });

  it('leaves a tombstone exactly when the last contribution goes, and the feed replays to the final state', async () => {
    const feed = await readFeed(target);
    for (let k = 1; k < MEMBERS / 2; k++) {
      const kinds = feed.filter((e) => e.hash.value === pairHash(k)).map((e) => e.kind);
      // Shared by two (an add, an update), retracted by both at once: one update, then one tombstone.
      expect(kinds, `pair ${k}`).toEqual(['add', 'update', 'update', 'retract']);
    }
    expect(feed.filter((e) => e.hash.value === pairHash(0)).map((e) => e.kind)).toEqual(['add', 'update', 'update', 'retract', 'add', 'update']);
    expect(feed.filter((e) => e.hash.value === COMMON && e.kind !== 'update').map((e) => e.kind)).toEqual(['add']);
    const replayed = replay(feed);
    const want = expectedState();
    expect(new Map([...replayed].map(([v, h]) => [v, { status: h.status, contributors: h.contributors, labels: h.labels }]))).toEqual(
      new Map([...want].map(([v, s]) => [v, { status: s.status, contributors: s.contributors, labels: s.labels }])),
    );
  });

  it('both instances match exactly the active hashes, with the same details, within a second', async () => {
    const want = expectedState();
    const deadline = Date.now() + 1000;
    for (;;) {
      const [ma, mb] = await Promise.all([matches(0), matches(1)]);
      const ok = [...want].every(([v, s]) => {
        const one = (m: typeof ma) => {
          const hits = m.get(v)!;
          if (s.status === 'retracted') return hits.length === 0;
          return (
            hits.length === 1 &&
            hits[0].contributors === s.contributors &&
            JSON.stringify(hits[0].labels) === JSON.stringify(s.labels) &&
            hits[0].feedback.confirm === s.confirm &&
            hits[0].feedback.dispute === s.dispute
          );
        };
        return one(ma) && one(mb);
      });
      if (ok) break;
      if (Date.now() > deadline) {
        expect(Object.fromEntries(ma)).toEqual(Object.fromEntries(mb));
        throw new Error('the instances do not match the expected state within 1 s');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await matches(1)).get(ownHash(3))![0].id).toBe(outcome.ids.get(ownHash(3)));
  });

  it('writes one audit entry per change, and the log verifies', async () => {
    const jwks = await (await fetch(`${two.urls[0]}/.well-known/jwks.json`)).json();
    const log = await verifyLog(target, jwks);
    // Each action's count; the two retractions of each pair's hash, at the same moment.
    expectScenarioLog(log, outcome);
    // The auditor's own verifier, as an auditor runs it, through each instance.
    for (const url of two.urls) {
      const { verdict } = await check(await connect(url, two.auditor.id, two.auditor.privateJwk), null);
      expect(verdict.problems).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
  });
});
