/**
 * Federation between three real node processes on loopback, each with its own database (DESIGN §8):
 * B and C pull from A, C also from B, A from B (peered both ways); B runs two instances on its one
 * database. A sits behind a proxy that names its URL and can change what its feed answers.
 *
 * Each node ends holding exactly the others' own hashes with the right origin (never A's through
 * B); retractions and relabels follow within a pull interval; a changed, forged or out-of-chain
 * batch is refused whole; key rotations need no admin at the other side; a node stopped mid-pull
 * or away for many changes resumes from its cursor with nothing lost, duplicated or left standing;
 * many concurrent shares at A end exactly the same at B; the auditor's verifier at B accepts a log
 * holding the pulls.
 *
 * One file of about 350 lines: the three nodes start once (about 10 s) and each test builds on the
 * state the ones before it left, as a consortium's history does.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeOf, auditOf, fedNode, hashesOf, peerUp, waitFor, type FedNode } from '../support/federation';
import { patternImage } from '../support/images';
import { admit, ROOT } from '../support/node-process';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const INTERVAL_MS = 300;
const hex = (tag: string, i: number) => createHash('sha256').update(`${tag}-${i}`).digest('hex');
const md5 = (tag: string, i: number) => hex(tag, i).slice(0, 32);

let A: FedNode;
let B: FedNode;
let C: FedNode;
const peers: Record<string, string> = {};

async function cli(n: FedNode, args: string[], cwd = n.dir): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      TSX,
      [join(ROOT, 'src/cli/admin.ts'), '--node', n.url, '--client-id', n.admin.id, '--key', n.adminKeyFile, ...args],
      { cwd, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function share(n: FedNode, items: Record<string, unknown>[], as: FedNode['partner'] | 'partner' = 'partner') {
  const res = await n.call('/v1/hashes', { method: 'POST', body: JSON.stringify({ items }), as });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).items as { id: string; outcome: string }[];
}

async function matchesAt(n: FedNode, type: string, value: string, extra: Record<string, unknown> = {}) {
  const res = await n.call('/v1/match', {
    method: 'POST',
    body: JSON.stringify({ hashes: [{ type, ...(value ? { value } : {}), ...extra }], maxDistance: type === 'pdq' ? { pdq: 0 } : undefined }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).results[0].matches as { id: string; origin?: string; labels: string[]; contributors: number }[];
}

const peerAt = async (n: FedNode, id: string) =>
  (await (await n.call(`/v1/admin/peers/${id}`, { as: 'admin' })).json()) as {
    cursor: string;
    lastError: string | null;
    failures: number;
    pulledItems: number;
    status: string;
  };

/** The node holds exactly `server`'s own hashes (active ones, labels, contributors) under server's URL. */
async function inStep(puller: FedNode, server: FedNode): Promise<boolean> {
  const [want, got] = await Promise.all([hashesOf(server, '').then(activeOf), hashesOf(puller, server.url).then(activeOf)]);
  if (want.size !== got.size) return false;
  for (const [k, v] of want) if (JSON.stringify(got.get(k)) !== JSON.stringify(v)) return false;
  return true;
}

const expectInStep = async (puller: FedNode, server: FedNode, timeoutMs = 30_000) => {
  try {
    await waitFor(`${puller.name} to hold exactly ${server.name}'s hashes`, () => inStep(puller, server), timeoutMs);
  } catch (e) {
    // Say how they differ, and where the puller stands.
    const [want, got] = await Promise.all([hashesOf(server, '').then(activeOf), hashesOf(puller, server.url).then(activeOf)]);
    const diff = [...new Set([...want.keys(), ...got.keys()])].filter((k) => JSON.stringify(want.get(k)) !== JSON.stringify(got.get(k))).slice(0, 5);
    const peer = await puller.db.execute({ sql: 'select cursor, pulled_items, last_error, failures from peers where url = ?', args: [server.url] });
    throw new Error(
      `${(e as Error).message}: ${want.size} at ${server.name}, ${got.size} at ${puller.name}; e.g. ${diff.map((k) => `${k} ${JSON.stringify(want.get(k))} vs ${JSON.stringify(got.get(k))}`).join('; ')}; peer ${JSON.stringify(peer.rows[0])}`,
    );
  }
  expect(await hashesOf(puller, server.url).then(activeOf)).toEqual(await hashesOf(server, '').then(activeOf));
};

beforeAll(async () => {
  [A, B, C] = await Promise.all([fedNode('a', {}, { proxy: true }), fedNode('b', { INSTANCES: '2' }), fedNode('c', { FEDERATION_BATCH: '100' })]);
  await Promise.all([A.start(), B.start(), C.start()]);
  peers.CA = (await peerUp(A, C, { intervalMs: INTERVAL_MS })).peerId;
  peers.CB = (await peerUp(B, C, { intervalMs: INTERVAL_MS })).peerId;
  peers.AB = (await peerUp(B, A, { intervalMs: INTERVAL_MS })).peerId;
}, 120_000);

afterAll(async () => {
  await Promise.all([A, B, C].filter(Boolean).map((n) => n.remove()));
});

describe('three nodes on loopback', () => {
  it('an admin peers B with A through the CLI: A admits B by its JWKS URL, B adds A; pause, resume and restart', async () => {
    const client = await cli(A, ['client', 'add', '--role', 'peer', '--name', 'node B', '--jwks-url', `${B.url}/.well-known/jwks.json`, '--json']);
    expect(client.code, client.stderr).toBe(0);
    const made = JSON.parse(client.stdout);
    expect(made).toMatchObject({ role: 'peer', jwksUrl: `${B.url}/.well-known/jwks.json`, keys: [] });
    const added = await cli(B, ['peers', 'add', A.url, '--peer-client-id', made.id, '--interval', String(INTERVAL_MS / 1000), '--json']);
    expect(added.code, added.stderr).toBe(0);
    peers.BA = JSON.parse(added.stdout).id;
    expect((await cli(B, ['peers', 'pause', peers.BA])).stdout).toMatch(/is now paused/);
    const list = await cli(B, ['peers', 'list']);
    expect(list.stdout).toContain(`${peers.BA}  paused  ${A.url}  as ${made.id}  every 0.3 s  labels: all  matching: on`);
    // Where it stands in A's feed: its cursor ('(start)' before its first batch), as --json gives it.
    const { peers: listed } = JSON.parse((await cli(B, ['peers', 'list', '--json'])).stdout) as { peers: { id: string; cursor: string | null }[] };
    expect(listed.map((p) => p.id)).toContain(peers.BA);
    const cursor = listed.find((p) => p.id === peers.BA)?.cursor;
    const line = list.stdout.split('\n').find((l) => l.startsWith(peers.BA)) ?? '';
    expect(line).toMatch(/ pulled: \d+ items, last \S+, cursor \S+$/);
    expect(line.split(', cursor ')[1]).toBe(cursor || '(start)');
    expect((await cli(B, ['peers', 'resume', peers.BA])).stdout).toMatch(/is now active/);
    const bad = await cli(B, ['peers', 'add', 'ftp://x.example', '--peer-client-id', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not an http\(s\) URL/);
    // Both changes are audit entries at B.
    expect((await auditOf(B)).filter((e) => e.subject.kind === 'peer').map((e) => e.action)).toEqual(['peer.add', 'peer.pause', 'peer.resume']);
    // peers restart: the cursor back to the start, settings kept (test/http/restored-database.test.ts covers when it is needed).
    const restarted = await cli(B, ['peers', 'restart', peers.BA]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toBe(`${A.url} will be pulled again from its start (peer ${peers.BA}, active)\n`);
    expect((await cli(B, ['peers', 'restart'])).code).toBe(2);
  }, 120_000);

  it("each node ends holding exactly the others' own hashes with the right origin: images, a video, hashes; never A's through B", async () => {
    const frames = [0, 1, 2, 3].map((i) => ({ index: i * 25, timestamp: i, hash: hex('frame', i), quality: 90 }));
    await share(A, [
      ...Array.from({ length: 12 }, (_, i) => ({ type: 'pdq', value: hex('a', i), labels: ['attack-footage'] })),
      ...Array.from({ length: 4 }, (_, i) => ({ type: 'md5', value: md5('a-md5', i), labels: ['manifesto'], externalId: `case-${i}` })),
      { type: 'vpdq', frames, labels: ['attack-footage'] },
    ]);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await patternImage('jpeg'))], { type: 'image/jpeg' }), 'found.jpg');
    form.set('labels', 'recruitment');
    const image = await A.call('/v1/hashes/media', { method: 'POST', body: form });
    expect(image.status).toBe(201);
    // pdq, blockhash, md5, sha256 of the whole image and its regions' pdq and blockhash (robust enrolment).
    const imageHashes = new Set(((await image.json()) as { items: { id: string }[] }).items.map((h) => h.id)).size;
    expect(imageHashes).toBeGreaterThan(4);
    // B's own, one of them a hash A shared too: B's member adds its own record beside A's.
    await share(B, [
      ...Array.from({ length: 6 }, (_, i) => ({ type: 'pdq', value: hex('b', i), labels: ['glorification'] })),
      { type: 'pdq', value: hex('a', 0), labels: ['instruction'] },
    ]);

    await Promise.all([expectInStep(B, A), expectInStep(C, A), expectInStep(C, B), expectInStep(A, B)]);
    expect((await hashesOf(B, A.url)).size).toBe(12 + 4 + 1 + imageHashes);
    // C holds B's hashes under B's URL: B's own 7, none of the ones B pulled from A.
    expect([...(await hashesOf(C, B.url)).keys()].sort()).toEqual([...(await hashesOf(B, '')).keys()].sort());
    // Nothing came back to A from B but what B's members shared themselves.
    expect((await hashesOf(A, B.url)).size).toBe(7);

    // A match at C names each record's origin and its labels there.
    const both = await matchesAt(C, 'pdq', hex('a', 0));
    expect(both.map((m) => [m.origin, m.labels])).toHaveLength(2);
    expect(both.map((m) => [m.origin, m.labels])).toEqual(
      expect.arrayContaining([
        [A.url, ['attack-footage']],
        [B.url, ['instruction']],
      ]),
    );
    // The client CLI's text names them too.
    const keyFile = join(C.dir, 'partner.key.json');
    writeFileSync(keyFile, JSON.stringify(C.partner.jwk), { mode: 0o600 });
    const match = ['match', '--hash', `pdq:${hex('a', 0)}`, '--max-distance', 'pdq=0', '--node', C.url, '--client-id', C.partner.id, '--key', keyFile];
    const { stdout } = await promisify(execFile)(TSX, [join(ROOT, 'src/cli/client.ts'), ...match], { cwd: C.dir, timeout: 60_000 });
    expect(stdout).toMatch(new RegExp(` attack-footage .*\\(origin ${A.url}\\)\n`));
    expect(stdout).toMatch(new RegExp(` instruction .*\\(origin ${B.url}\\)\n`));
    // The video matches at B by its frames, naming A.
    expect((await matchesAt(B, 'vpdq', '', { frames }))[0]).toMatchObject({ origin: A.url, labels: ['attack-footage'] });
    // One pull entry per applied batch at B, naming the range and the batch's SHA-256.
    const pulls = (await auditOf(B)).filter((e) => e.action === 'federation.pull');
    expect(pulls.length).toBeGreaterThan(0);
    expect(pulls[0].content).toMatchObject({
      origin: A.url,
      from: expect.any(String),
      to: expect.any(String),
      items: expect.any(Number),
      jwsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  }, 120_000);

  it('a hash shared at A matches at B within 2 s (pull interval 300 ms), and a retraction and a relabel follow as fast', async () => {
    const lags: number[] = [];
    for (let k = 0; k < 8; k++) {
      await share(A, [{ type: 'pdq', value: hex('lag', k), labels: ['recruitment'] }]);
      const t0 = performance.now();
      await waitFor('the share at B', async () => (await matchesAt(B, 'pdq', hex('lag', k))).length === 1, 10_000, 10);
      lags.push(performance.now() - t0);
    }
    console.log(`share at A -> match at B: ${lags.map((x) => x.toFixed(0)).join(', ')} ms`);
    expect(Math.max(...lags)).toBeLessThan(2000);

    const [pulled] = await matchesAt(A, 'pdq', hex('a', 1));
    const t0 = performance.now();
    expect((await A.call(`/v1/hashes/${pulled.id}`, { method: 'DELETE' })).status).toBe(200);
    await share(A, [{ type: 'pdq', value: hex('a', 2), labels: ['manifesto'] }]);
    for (const n of [B, C]) {
      await waitFor(
        `${n.name} to follow`,
        async () => (await matchesAt(n, 'pdq', hex('a', 1))).length === 0 && (await matchesAt(n, 'pdq', hex('a', 2)))[0]?.labels.join() === 'manifesto',
        10_000,
        10,
      );
    }
    const lag = performance.now() - t0;
    console.log(`retraction and relabel at A -> B and C: ${lag.toFixed(0)} ms`);
    expect(lag).toBeLessThan(2000);
  }, 120_000);

  it("a batch changed by one byte, signed by a key not in A's JWKS, or out of the cursor chain is refused whole, recorded, and taken once it is sound", async () => {
    const before = { B: await peerAt(B, peers.BA), C: await peerAt(C, peers.CA) };
    const changesBefore = await C.db.execute('select max(seq) as n from changes');
    const forger = await generateKeyPair('EdDSA');
    const forgedKid = await calculateJwkThumbprint(await exportJWK(forger.publicKey));
    await share(A, [{ type: 'pdq', value: hex('t', 0), labels: ['attack-footage'] }]);
    const cases: [string, NonNullable<NonNullable<FedNode['proxy']>['tamper']>, RegExp][] = [
      [
        'one byte of the payload',
        async (body) => {
          const [h, p, s] = body.batch.split('.');
          const bytes = Buffer.from(p, 'base64url');
          bytes[Math.floor(bytes.length / 2)] ^= 1;
          return { ...body, batch: `${h}.${bytes.toString('base64url')}.${s}` };
        },
        /signature does not verify|not JSON/,
      ],
      [
        "a key not in A's JWKS",
        async (body) => {
          const payload = Buffer.from(body.batch.split('.')[1], 'base64url');
          return {
            ...body,
            batch: await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'hash-batch+jws', kid: forgedKid }).sign(forger.privateKey),
          };
        },
        /does not publish/,
      ],
      [
        'a gap: the batch after the next one, signed by A',
        async (body, ctx) => {
          const next = new URL(ctx.path, 'http://x');
          next.searchParams.set('cursor', body.nextCursor);
          return ctx.refetch(`${next.pathname}${next.search}`);
        },
        /gap or an overlap/,
      ],
    ];
    for (const [what, tamper, reason] of cases) {
      A.proxy!.tamper = tamper;
      for (const [n, id] of [
        [B, peers.BA],
        [C, peers.CA],
      ] as const) {
        await waitFor(`${n.name} to refuse ${what}`, async () => reason.test((await peerAt(n, id)).lastError ?? ''), 10_000);
      }
      // Nothing of it applied: cursors where they were, no change at C, the hash matches nowhere.
      expect((await peerAt(B, peers.BA)).cursor, what).toBe(before.B.cursor);
      expect((await peerAt(C, peers.CA)).cursor, what).toBe(before.C.cursor);
      expect((await C.db.execute('select max(seq) as n from changes')).rows[0].n, what).toBe(changesBefore.rows[0].n);
      expect(await matchesAt(C, 'pdq', hex('t', 0)), what).toEqual([]);
    }
    A.proxy!.tamper = null;
    await waitFor(
      'the sound batch at B and C',
      async () => (await matchesAt(B, 'pdq', hex('t', 0))).length === 1 && (await matchesAt(C, 'pdq', hex('t', 0))).length === 1,
      15_000,
    );
    expect(await peerAt(C, peers.CA)).toMatchObject({ lastError: null, failures: 0 });
    // Each refusal is in C's audit log once, with its reason.
    const refusals = (await auditOf(C)).filter((e) => e.action === 'federation.refuse' && e.subject.id === peers.CA).map((e) => String(e.content.reason));
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    for (const [, , reason] of cases) expect(refusals.some((r) => reason.test(r))).toBe(true);
  }, 120_000);

  it("key rotations need no admin at the other side: A's batches and B's sign-ins at A verify against the new keys", async () => {
    const rotate = async (n: FedNode) => {
      const res = await n.call('/v1/admin/keys/rotate', { as: 'admin', method: 'POST' });
      expect(res.status).toBe(200);
      return (await res.json()).kid as string;
    };
    const kidA = await rotate(A);
    await rotate(B);
    // B started again holds no token: it signs in at A with its new key, which A has never seen
    // (A fetches B's JWKS again for the unknown kid).
    await B.stop();
    await B.start();
    await share(A, [{ type: 'pdq', value: hex('rot', 0), labels: ['manifesto'] }]);
    await share(B, [{ type: 'pdq', value: hex('rot', 1), labels: ['manifesto'] }]);
    await waitFor(
      "A's share after its rotation at B and C",
      async () => (await matchesAt(B, 'pdq', hex('rot', 0))).length === 1 && (await matchesAt(C, 'pdq', hex('rot', 0))).length === 1,
      20_000,
    );
    await waitFor(
      "B's share after its rotation at A and C",
      async () => (await matchesAt(A, 'pdq', hex('rot', 1))).length === 1 && (await matchesAt(C, 'pdq', hex('rot', 1))).length === 1,
      20_000,
    );
    expect(await peerAt(B, peers.BA)).toMatchObject({ lastError: null });
    // The batch A serves now is signed by the new key.
    const peerToken = await fetch(`${A.direct}/v1/federation/feed?limit=1`, { headers: { authorization: `Bearer ${await A.token(await admitPeer(A))}` } });
    const { batch } = await peerToken.json();
    expect(JSON.parse(Buffer.from(batch.split('.')[0], 'base64url').toString()).kid).toBe(kidA);
  }, 120_000);

  it('A stopped mid-pull and started again: C resumes from its cursor, nothing lost, nothing duplicated', async () => {
    const base = (await hashesOf(C, A.url)).size;
    const values = Array.from({ length: 1500 }, (_, i) => hex('bulk', i));
    await share(
      A,
      values.slice(0, 1000).map((value) => ({ type: 'pdq', value, labels: ['glorification'] })),
    );
    await share(
      A,
      values.slice(1000).map((value) => ({ type: 'pdq', value, labels: ['glorification'] })),
    );
    // C pulls 100 items a batch: stop A once C has some of them, not all.
    await waitFor('C to be part way', async () => (await hashesOf(C, A.url)).size > base + 100, 20_000, 5);
    await A.stop('SIGKILL');
    const partWay = (await hashesOf(C, A.url)).size - base;
    expect(partWay).toBeLessThan(1500);
    await waitFor('C to see A down', async () => /HTTP 502/.test((await peerAt(C, peers.CA)).lastError ?? ''), 10_000);
    await A.start();
    await expectInStep(C, A, 60_000);
    // Each of the 1500 added once at C, and the pulls form one chain of cursors.
    const ids = await C.db.execute({
      sql: `select id from hashes where origin = ? and type = 'pdq' and value in (${values.map(() => '?').join(',')})`,
      args: [A.url, ...values],
    });
    expect(ids.rows).toHaveLength(1500);
    const twice = await C.db.execute({
      sql: `select subject, count(*) as n from changes where subject in (${ids.rows.map(() => '?').join(',')}) group by subject having n <> 1`,
      args: ids.rows.map((r) => String(r.id)),
    });
    expect(twice.rows).toEqual([]);
    expectOneChain((await auditOf(C)).filter((e) => e.action === 'federation.pull' && e.subject.id === peers.CA));
  }, 180_000);

  it('C away while A retracts, relabels and shares many: back, it gets every tombstone and ends exactly as A', async () => {
    await C.stop();
    const values = Array.from({ length: 1500 }, (_, i) => hex('bulk', i));
    const ids = new Map(
      (await A.db.execute({ sql: `select value, id from hashes where origin = '' and value in (${values.map(() => '?').join(',')})`, args: values })).rows.map(
        (r) => [String(r.value), String(r.id)],
      ),
    );
    const gone = values.slice(0, 300);
    for (let i = 0; i < gone.length; i += 50)
      await Promise.all(gone.slice(i, i + 50).map((v) => A.call(`/v1/hashes/${ids.get(v)}`, { method: 'DELETE' }).then((r) => expect(r.status).toBe(200))));
    await share(
      A,
      values.slice(300, 350).map((value) => ({ type: 'pdq', value, labels: ['instruction'] })),
    );
    await share(
      A,
      Array.from({ length: 200 }, (_, i) => ({ type: 'pdq', value: hex('later', i), labels: ['manifesto'] })),
    );
    await C.start();
    await expectInStep(C, A, 60_000);
    const atC = await hashesOf(C, A.url);
    expect(gone.every((v) => atC.get(`pdq:${v}`)?.status === 'retracted')).toBe(true);
    expect(values.slice(300, 350).every((v) => atC.get(`pdq:${v}`)?.labels.join() === 'instruction')).toBe(true);
  }, 180_000);

  it('many concurrent shares, relabels and retractions at A while B (two instances) pulls: B ends exactly as A, each batch applied once', async () => {
    const second = await admit(A.databaseUrl, 'partner', 'a second partner');
    const fresh = (r: number, i: number) => hex(`conc-${r}`, i);
    const requests: Promise<unknown>[] = [];
    for (let r = 0; r < 16; r++) {
      requests.push(
        share(
          A,
          Array.from({ length: 100 }, (_, i) => ({ type: 'pdq', value: fresh(r, i), labels: [r % 2 ? 'recruitment' : 'manifesto'] })),
          r % 2 ? second : 'partner',
        ),
      );
    }
    // The same hashes shared by the other partner (contributors 2), and earlier ones relabelled, all at once.
    for (let r = 0; r < 8; r++)
      requests.push(
        share(
          A,
          Array.from({ length: 50 }, (_, i) => ({ type: 'pdq', value: fresh(r, i), labels: ['glorification'] })),
          r % 2 ? 'partner' : second,
        ),
      );
    const later = Array.from({ length: 100 }, (_, i) => hex('later', i));
    const ids = new Map(
      (await A.db.execute({ sql: `select value, id from hashes where origin = '' and value in (${later.map(() => '?').join(',')})`, args: later })).rows.map(
        (r) => [String(r.value), String(r.id)],
      ),
    );
    for (const v of later) requests.push(A.call(`/v1/hashes/${ids.get(v)}`, { method: 'DELETE', as: 'admin' }).then((r) => expect(r.status).toBe(200)));
    await Promise.all(requests);
    await expectInStep(B, A, 60_000);
    const atB = await hashesOf(B, A.url);
    expect(atB.get(`pdq:${fresh(0, 0)}`)).toEqual({ status: 'active', labels: ['glorification', 'manifesto'], contributors: 2 });
    expect(later.every((v) => atB.get(`pdq:${v}`)?.status === 'retracted')).toBe(true);
    // Two pullers on one database: every batch applied once, in one chain.
    expectOneChain((await auditOf(B)).filter((e) => e.action === 'federation.pull' && e.subject.id === peers.BA));
    const dup = await B.db.execute({
      sql: `select c.subject, count(*) as n from changes c join hashes h on h.id = c.subject where h.origin = ? and c.kind = 'add' group by c.subject having n > 1`,
      args: [A.url],
    });
    // Re-adds happen only after a retraction; none of these hashes was retracted at A and re-shared.
    expect(dup.rows).toEqual([]);
  }, 180_000);

  it("the auditor's verifier at B accepts its log, pulls included", async () => {
    const keyFile = join(B.dir, 'auditor.key.json');
    writeFileSync(keyFile, JSON.stringify(B.auditor.jwk), { mode: 0o600 });
    const { stdout } = await promisify(execFile)(
      TSX,
      [join(ROOT, 'src/cli/verify.ts'), '--node', B.url, '--client-id', B.auditor.id, '--key', keyFile, '--state', join(B.dir, 'audit-state.json')],
      { cwd: B.dir, timeout: 90_000 },
    );
    expect(stdout).toMatch(/^OK: \d+ entries/m);
    const res = await B.call('/v1/audit/entries?start=0&end=1000', { as: 'auditor' });
    const entries = (await res.json()).entries.map((e: { entry: string }) => JSON.parse(e.entry));
    expect(entries.some((e: { action: string }) => e.action === 'federation.pull')).toBe(true);
  }, 120_000);
});

/** A peer client at `n` made for the test itself (to read the feed as a peer would). */
let testPeer: Awaited<ReturnType<typeof admit>> | undefined;
async function admitPeer(n: FedNode) {
  testPeer ??= await admit(n.databaseUrl, 'peer', 'the test as a peer');
  return testPeer;
}

/**
 * federation.pull entries of one peer form one chain: each batch starts where the last one ended or
 * later (stretches of the peer's log without its own hashes move the cursor without an entry), and
 * no batch is applied twice.
 */
function expectOneChain(pulls: { content: Record<string, unknown> }[]) {
  expect(pulls.length).toBeGreaterThan(0);
  let to = 0;
  for (const p of pulls) {
    const from = decode(String(p.content.from));
    expect(from).toBeGreaterThanOrEqual(to);
    to = decode(String(p.content.to));
    expect(to).toBeGreaterThan(from);
  }
}

/** A feed cursor's position in the serving node's change log ('' = 0). */
const decode = (cursor: string) => (cursor === '' ? 0 : Number(/^feed:(\d+)(?::[0-9a-f]{16})?$/.exec(Buffer.from(cursor, 'base64url').toString())?.[1] ?? NaN));
