/**
 * Eight members sharing, relabelling and retracting items that hold the same hashes, each round's
 * requests all at once, through two instances of the node on one SQLite file over real HTTP: no
 * 5xx; every item's status, members and labels, every hash's status, contributors, labels and the
 * items it names exactly as the rules give them (support/items-concurrency.ts); the feed replayed
 * from the start equal to the final state; both instances' matches in step; an audit log the
 * auditor's verifier accepts, with one entry per item action.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/cli/verify/check';
import { connect } from '../../src/cli/verify/node-api';
import { makeTestApp, type TestApp, type TestClient } from '../support/app';
import { verifyLog, type Target } from '../support/concurrency';
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

let a: TestApp;
let b: TestApp;
const servers: ServerType[] = [];
const urls: string[] = [];
let tokens: string[] = [];
let auditor: TestClient;
let auditorToken: string;
let outcome: ItemsOutcome;

async function listen(t: TestApp): Promise<string> {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Odd members go through the second instance. */
const through = (i: number): Target => ({
  member: (m, path, init = {}) => fetch(`${urls[i < 0 ? m % 2 : i]}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${tokens[m]}` } }),
  auditor: (path) => fetch(`${urls[0]}${path}`, { headers: { authorization: `Bearer ${auditorToken}` } }),
});
const target = through(-1);

beforeAll(async () => {
  // Real time: the auditor's verifier signs its assertions with the system clock.
  a = await makeTestApp({ TREE_HEAD_INTERVAL_MS: '0' }, { realTime: true });
  b = await makeTestApp({ TREE_HEAD_INTERVAL_MS: '0' }, { sameDatabaseAs: a, realTime: true });
  await b.rt.indexLoaded;
  urls.push(await listen(a), await listen(b));
  const members = await Promise.all(Array.from({ length: ITEM_MEMBERS }, (_, m) => a.client('partner', `item-member-${m}`)));
  tokens = await Promise.all(members.map((c) => a.token(c)));
  auditor = await a.client('auditor', 'auditor');
  auditorToken = await a.token(auditor);
  const adminToken = await a.token(await a.client('admin', 'items admin'));
  // The admin goes through the second instance.
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${urls[1]}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${adminToken}` } });
  outcome = await runItemsScenario(target, admin);
});

afterAll(async () => {
  for (const s of servers) s.close();
  await b?.close();
  await a?.close();
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
        const got = await matchState(through(i), outcome);
        if (JSON.stringify([...got]) === JSON.stringify([...want])) break;
        if (Date.now() > deadline) expect(got, `instance ${i}`).toEqual(want);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('writes one audit entry per item action, and the log verifies', async () => {
    const jwks = await (await fetch(`${urls[0]}/.well-known/jwks.json`)).json();
    const log = await verifyLog(target, jwks);
    for (const [action, n] of Object.entries(expectedItemActions())) expect(log.actions[action] ?? 0, action).toBe(n);
    for (const url of urls) {
      const { verdict } = await check(await connect(url, auditor.id, auditor.privateJwk), null);
      expect(verdict.problems).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
  });
});
