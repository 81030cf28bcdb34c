/**
 * A peer that goes away and comes back, through B's own puller loop (real apps, keys and
 * databases; B reaches A through a fetch that routes by host and can fail): the failures are
 * recorded and logged with the peer; the first good pull, with nothing new, clears them once,
 * moves `pulledAt` and logs the recovery; a healthy peer's row is not written again at every pull;
 * mhn_federation_pull_lag_seconds carries the time since the last good pull. And a 409 on B's cursor
 * is recorded and logged whole in B's own words, naming what B's admin can do (`peers restart ID`).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/services/feed';
import { cursorRefused, PullError } from '../../src/services/federation/puller';
import { ISSUER, json, makeTestApp, recordingLogger, type TestApp } from '../support/app';

const A_URL = ISSUER;
const B_URL = 'http://b.test';
const hex = (n: number) => createHash('sha256').update(`recovery-${n}`).digest('hex');

let a: TestApp;
let b: TestApp;
let peerId: string;
let aDown = false;
/** When set, A's feed answers this problem with 409 (a peer's own long words). */
let feed409: Record<string, unknown> | null = null;
const bLog = recordingLogger();

const route = async (url: string, init: RequestInit): Promise<Response> => {
  const host = new URL(url).origin;
  if (feed409 && host === A_URL && url.includes('/v1/federation/feed'))
    return new Response(JSON.stringify(feed409), { status: 409, headers: { 'content-type': 'application/problem+json' } });
  const app = host === A_URL ? (aDown ? undefined : a) : host === B_URL ? b : undefined;
  if (!app) throw new TypeError(`fetch failed: no node at ${host}`);
  return app.app.request(url, init);
};

const peerAtB = async () => (await (await b.request(`/v1/admin/peers/${peerId}`, { headers: await b.as('admin', 'admin') })).json()) as Record<string, any>;

/** Waits (real time: the loop's timers are real) until the peer's row satisfies `ok`. */
async function until(ok: (p: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const p = await peerAtB();
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`${what}: not within 15 s; the peer: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  a = await makeTestApp({}, { fetch: route });
  b = await makeTestApp(
    { PUBLIC_URL: B_URL, TOKEN_AUDIENCES: ISSUER, FEDERATION_BACKOFF_BASE_MS: '20', FEDERATION_BACKOFF_MAX_MS: '100' },
    { fetch: route, logger: bLog },
  );
  const client = await a.request(
    '/v1/admin/clients',
    json('POST', { role: 'peer', name: 'node B', jwksUrl: `${B_URL}/.well-known/jwks.json` }, await a.as('admin', 'admin')),
  );
  const peer = await b.request(
    '/v1/admin/peers',
    json('POST', { url: A_URL, clientId: (await client.json()).id, intervalMs: 100 }, await b.as('admin', 'admin')),
  );
  peerId = (await peer.json()).id;
  await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(1), labels: ['manifesto'] }] }));
});
afterAll(async () => {
  b?.rt.puller.stop();
  await a?.close();
  await b?.close();
});

describe("a peer's failures and its recovery, in B's loop", () => {
  it('failures in a row are recorded and logged with the peer; the first good pull with nothing new clears them once and says so', async () => {
    const successes: number[] = [];
    const ledger = b.rt.deps.ledger;
    const recordSuccess = ledger.recordPullSuccess.bind(ledger);
    ledger.recordPullSuccess = async (input) => {
      const r = await recordSuccess(input);
      successes.push(r.cleared ?? -1);
      return r;
    };
    await b.rt.puller.start();
    const first = await until((p) => p.pulledItems === 1, 'the first pull');
    // Healthy pulls with nothing new write nothing.
    await new Promise((r) => setTimeout(r, 400));
    expect(successes).toEqual([]);

    aDown = true;
    const failing = await until((p) => p.failures >= 3, 'three failures');
    expect(failing.lastError).toMatch(/^the peer could not be reached/);
    const failed = bLog.lines.filter((l) => l.fields.event === 'federation_pull_failed');
    expect(failed[0]).toMatchObject({
      level: 'warn',
      fields: { peer: A_URL, peerId, failures: 1 },
      msg: expect.stringContaining(`federation: peer ${A_URL}: the peer`),
    });

    b.clock.advance(60_000);
    aDown = false;
    const back = await until((p) => p.failures === 0, 'the recovery');
    expect(back).toMatchObject({ lastError: null, lastErrorAt: null, pulledItems: 1, cursor: first.cursor });
    expect(Date.parse(back.pulledAt)).toBe(b.clock.now());
    const recovered = bLog.lines.filter((l) => l.fields.event === 'federation_pull_recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 'info', fields: { peer: A_URL, peerId, failures: expect.any(Number) } });
    expect(recovered[0].fields.failures).toBeGreaterThanOrEqual(3);
    expect(recovered[0].msg).toMatch(new RegExp(`^federation: peer ${A_URL}: pulling again after \\d+ failed pulls in a row$`));
    // Several healthy turns later: still the one write of the recovery.
    await new Promise((r) => setTimeout(r, 400));
    expect(successes).toEqual([recovered[0].fields.failures]);
  });

  it('mhn_federation_pull_lag_seconds: per peer URL, the seconds since the last good pull, growing while the peer cannot be pulled', async () => {
    const lag = async () => {
      const { body } = await b.rt.metrics.render();
      const m = body.match(/^mhn_federation_pull_lag_seconds\{peer="([^"]+)"\} (\S+)$/m);
      return m ? { peer: m[1], seconds: Number(m[2]) } : null;
    };
    expect(await lag()).toEqual({ peer: A_URL, seconds: 0 });
    aDown = true;
    await until((p) => p.failures >= 1, 'a failure');
    b.clock.advance(7_000);
    expect(await lag()).toEqual({ peer: A_URL, seconds: 7 });
    aDown = false;
    await until((p) => p.failures === 0, 'the recovery');
    expect(await lag()).toEqual({ peer: A_URL, seconds: 0 });
    // A restart 4 minutes after the row's pulledAt (a quiet peer's row is not rewritten), A down at
    // first: the lag counts from the loop's start, not from that old time (no spike of 240 s).
    b.rt.puller.stop();
    b.clock.advance(240_000);
    aDown = true;
    await b.rt.puller.start();
    await until((p) => p.failures >= 1, 'a failure after the restart');
    expect(await lag()).toEqual({ peer: A_URL, seconds: 0 });
    b.clock.advance(5_000);
    expect(await lag()).toEqual({ peer: A_URL, seconds: 5 });
    aDown = false;
    await until((p) => p.failures === 0, 'the recovery after the restart');
    expect(await lag()).toEqual({ peer: A_URL, seconds: 0 });
  });

  it('a recovery that brings new data (A shared while it was down) is logged once, by the commit that applies it', async () => {
    const lines = () => bLog.lines.filter((l) => l.fields.event === 'federation_pull_recovered');
    const before = lines().length;
    const items = (await peerAtB()).pulledItems;
    aDown = true;
    await until((p) => p.failures >= 2, 'two failures');
    await a.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: hex(2), labels: ['manifesto'] }] }));
    aDown = false;
    const back = await until((p) => p.failures === 0 && p.pulledItems === items + 1, 'the recovery with the new hash');
    expect(back).toMatchObject({ lastError: null, lastErrorAt: null });
    // Several turns later: still one line, naming the failures the applied batch ended.
    await new Promise((r) => setTimeout(r, 400));
    const recovered = lines().slice(before);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 'info', fields: { event: 'federation_pull_recovered', peer: A_URL, peerId } });
    expect(recovered[0].fields.failures).toBeGreaterThanOrEqual(2);
  });

  it("a 409 on B's cursor: B's own words, whole, naming `peers restart`, without the peer's", async () => {
    b.rt.puller.stop();
    const end = await a.rt.deps.hashes.lastChange();
    await b.rt.database.client.execute({ sql: 'update peers set cursor = ? where id = ?', args: [encodeCursor(end + 5), peerId] });
    const peer = await b.rt.deps.federation.getPeer(peerId);
    const error: Error = await b.rt.puller.pullOnce(peer!).then(
      () => new Error('pulled'),
      (e) => e,
    );
    const words = cursorRefused({ id: peerId });
    expect(error.message).toBe(words);
    // Never clipped: kept whole on the row however long (MAX_ERROR does not apply to it).
    expect(error).toBeInstanceOf(PullError);
    expect((error as PullError).whole).toBe(true);
    expect(words).toContain(`run peers restart ${peerId} to pull it again from its start`);

    // A peer with a great deal to say: B stores and logs its own words, whole, and not the peer's.
    feed409 = { code: 'conflict', detail: `${'the cursor is wrong '.repeat(200)}end`, errors: [{ path: 'cursor', message: 'ahead' }] };
    try {
      await b.rt.puller.start();
      const failing = await until((p) => p.failures >= 1 && /\(409\)/.test(p.lastError ?? ''), 'the 409 recorded');
      expect(failing.lastError).toBe(words);
      const logged = bLog.lines.filter((l) => l.fields.event === 'federation_pull_failed' && l.msg.includes('(409)')).at(-1);
      expect(logged?.msg).toBe(`federation: peer ${A_URL}: ${words}`);
    } finally {
      b.rt.puller.stop();
      feed409 = null;
    }
  });
});
