/**
 * Eight members sharing, relabelling and retracting items that hold the same hashes, each round's
 * requests all at once, through two instances of the node on one SQLite file over real HTTP: no
 * 5xx; every item's status, members and labels, every hash's status, contributors, labels and the
 * items it names exactly as the rules give them (support/items-concurrency.ts); the feed replayed
 * from the start equal to the final state; both instances' matches in step; an audit log the
 * auditor's verifier accepts, with one entry per item action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/cli/verify/check';
import { connect } from '../../src/cli/verify/node-api';
import { verifyLog, type Target } from '../support/concurrency';
import { twoInstances, type TwoInstances } from '../support/two-instances';
import {
  expectedItemActions,
  expectedItemsState,
  expectItems,
  ITEM_MEMBERS,
  matchState,
  replayItemsFeed,
  rounds,
  runItemsScenario,
  type ItemsOutcome,
} from '../support/items-concurrency';

let two: TwoInstances;
let target: Target;
let outcome: ItemsOutcome;

beforeAll(async () => {
  two = await twoInstances(ITEM_MEMBERS, (m) => `item-member-${m}`);
  target = two.through(-1);
  // The admin goes through the second instance.
  const admin = two.fetchAs(await two.a.token(await two.a.client('admin', 'items admin')), 1);
  outcome = await runItemsScenario(target, admin);
});

afterAll(async () => {
  await two?.close();
});

describe('items that share hashes, shared, relabelled and retracted at once by eight members', () => {
  it('answers every request without a 5xx', () => {
    expect(outcome.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(outcome.statuses).toHaveLength(rounds().flat().length);
    expect(outcome.statuses.every((s) => s === 200 || s === 201)).toBe(true);
  });

  it('leaves every item and every hash exactly as the rules say', async () => {
    await expectItems(target, outcome);
    // The model's own sanity: both kinds of end occur.
    const want = expectedItemsState();
    expect(new Set([...want.items.values()].map((s) => s.status))).toEqual(new Set(['active', 'retracted']));
    expect(new Set([...want.hashes.values()].map((s) => s.status))).toEqual(new Set(['active', 'retracted']));
  });

  it('the feed replayed from the start equals the final state', async () => {
    expect(await replayItemsFeed(target, outcome)).toEqual(expectedItemsState().hashes);
  });

  it('both instances match exactly the active hashes, naming only the items that stand, within a second', async () => {
    const want = expectedItemsState().hashes;
    for (const i of [0, 1]) {
      const deadline = Date.now() + 1000;
      for (;;) {
        const got = await matchState(two.through(i), outcome);
        if (JSON.stringify([...got]) === JSON.stringify([...want])) break;
        if (Date.now() > deadline) expect(got, `instance ${i}`).toEqual(want);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('writes one audit entry per item action, and the log verifies', async () => {
    const jwks = await (await fetch(`${two.urls[0]}/.well-known/jwks.json`)).json();
    const log = await verifyLog(target, jwks);
    for (const [action, n] of Object.entries(expectedItemActions())) expect(log.actions[action] ?? 0, action).toBe(n);
    for (const url of two.urls) {
      const { verdict } = await check(await connect(url, two.auditor.id, two.auditor.privateJwk), null);
      expect(verdict.problems).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
  });
});
