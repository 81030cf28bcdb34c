/**
 * The concurrency scenario of test/support/concurrency.ts inside workerd, on D1: sixteen members
 * writing the same hashes at once through the worker's front door.
 */
import { env, exports } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import type { AppDb } from '../../src/storage/db';
import { SqlLedger } from '../../src/storage/ledger';
import * as schema from '../../src/storage/schema';
import {
  expectedState,
  expectScenarioLog,
  MEMBERS,
  pairHash,
  readFeed,
  replay,
  runScenario,
  verifyLog,
  type Outcome,
  type Target,
} from '../support/concurrency';

const worker = (exports as any).default as { fetch(input: string, init?: RequestInit): Promise<Response> };
const BASE = 'https://node.example';
const DB = (env as any).DB as D1Database;
let tokens: string[] = [];
let auditorToken = '';
let outcome: Outcome;

async function admit(role: 'partner' | 'auditor', name: string): Promise<string> {
  const db = drizzle(DB, { schema }) as unknown as AppDb;
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const registry = {
    auth: new SqlAuthStore(db),
    ledger: new SqlLedger(db, { buckets: true }),
    follower: NO_FOLLOWER,
    now: Date.now,
    newId: () => crypto.randomUUID(),
  };
  const client = await createClient(registry, 'test', { role, name, jwk: await exportJWK(publicKey) });
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', kid: client.keys[0].kid })
    .setIssuer(client.id)
    .setSubject(client.id)
    .setAudience(`${BASE}/v1/oauth/token`)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
  const res = await worker.fetch(`${BASE}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).access_token;
}

const target: Target = {
  member: (m, path, init = {}) => worker.fetch(`${BASE}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${tokens[m]}` } }),
  auditor: (path) => worker.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${auditorToken}` } }),
};

beforeAll(async () => {
  expect((await worker.fetch(`${BASE}/health`)).status).toBe(200);
  tokens = [];
  for (let m = 0; m < MEMBERS; m++) tokens.push(await admit('partner', `member-${m}`));
  auditorToken = await admit('auditor', 'auditor');
  outcome = await runScenario(target);
});

describe('sixteen members at once, in workerd on D1', () => {
  it('answers every request without a 5xx, and exactly as expected', () => {
    expect(outcome.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(outcome.statuses).toHaveLength(MEMBERS + 4 * MEMBERS + 2);
    expect(outcome.statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(outcome.created).toBe(1 + MEMBERS / 2 + MEMBERS);
  });

  it('holds one record per hash, with the exact contributors, labels and feedback', async () => {
    expect((await DB.prepare('select type, value, count(*) as n from hashes group by type, value having n > 1').all()).results).toEqual([]);
    const { results } = await DB.prepare(`
      select h.value, h.status,
        (select count(*) from contributions c where c.hash_id = h.id and c.retracted_at is null) as contributors,
        (select json_group_array(l order by l) from (select distinct j.value as l from contributions c, json_each(c.labels) j where c.hash_id = h.id and c.retracted_at is null)) as labels,
        (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'confirm') as confirm,
        (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'dispute') as dispute
      from hashes h`).all<Record<string, unknown>>();
    const got = new Map(
      results.map((r) => [
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
    for (let k = 1; k < MEMBERS / 2; k++)
      expect(
        feed.filter((e) => e.hash.value === pairHash(k)).map((e) => e.kind),
        `pair ${k}`,
      ).toEqual(['add', 'update', 'update', 'retract']);
    const replayed = replay(feed);
    expect(new Map([...replayed].map(([v, h]) => [v, { status: h.status, contributors: h.contributors, labels: h.labels }]))).toEqual(
      new Map([...expectedState()].map(([v, s]) => [v, { status: s.status, contributors: s.contributors, labels: s.labels }])),
    );
  });

  it('writes one audit entry per change, and the log verifies', async () => {
    const jwks = await (await worker.fetch(`${BASE}/.well-known/jwks.json`)).json();
    const log = await verifyLog(target, jwks as any);
    // Each action's count; the two retractions of each pair's hash, at the same moment.
    expectScenarioLog(log, outcome);
  });
});
