/**
 * Federation between real node processes (the production build, dist/), each on its own database,
 * on loopback (DESIGN §8, issue 12):
 *
 * 1. share at A -> matchable at B: B pulls A every second; one PDQ hash shared at A at a time, the
 *    time from sending the share until B's /v1/match finds it (p50, p99, max over 200 shares);
 * 2. a backlog: A holds N hashes (100 k; --sizes for others) before B first pulls it; the time until
 *    B holds them all, hashes per second, B's peak RSS;
 * 3. the cost of checking one batch of 1000 items in process: signature and payload (verifyBatch),
 *    and the same with the JWS made (the serving side's signing).
 *
 *   npm run bench -- --only federation
 *   npm run bench -- --only federation --quick            # 30 shares, 20 k backlog
 *   npm run bench -- --only federation --sizes 1000000    # a 1 M backlog
 *   BENCH_CPU_PROFILE_DIR=/tmp/prof npm run bench -- ...  # and a CPU profile of each node process
 *   BENCH_FEDERATION_PARTS=backlog npm run bench -- --only federation --sizes 100000   # some parts: latency, backlog, cost
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { toBatchItem } from '../../core/federation';
import { openDatabase } from '../../runtime/node/database';
import { NO_FOLLOWER } from '../../services/change-follower';
import { createClient } from '../../services/clients';
import { addPeer, DEFAULT_PULLER, RemoteJwks, verifyBatch } from '../../services/federation';
import { SqlAuthStore } from '../../storage/auth-store';
import { SqlFederationStore } from '../../storage/federation-store';
import { SqlLedger } from '../../storage/ledger';
import { buildNode } from '../build';
import { freePort } from '../free-port';
import { requestToken } from '../oauth';
import type { BenchTable } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const hex = (tag: string, i: number) => createHash('sha256').update(`${tag}-${i}`).digest('hex');

interface Node {
  name: string;
  url: string;
  dir: string;
  databaseUrl: string;
  child?: ChildProcess;
}

async function newNode(name: string): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), `mhn-bench-fed-${name}-`));
  return { name, url: `http://127.0.0.1:${await freePort()}`, dir, databaseUrl: `file:${join(dir, 'node.db')}` };
}

async function start(n: Node): Promise<void> {
  // BENCH_CPU_PROFILE_DIR=DIR: each node writes V8 CPU profiles (one per thread) to DIR/<node> when it stops.
  const profile = process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROFILE_DIR, n.name)}`] : [];
  n.child = spawn(process.execPath, [...profile, join(ROOT, 'dist/main.node.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: new URL(n.url).port,
      PUBLIC_URL: n.url,
      DATABASE_URL: n.databaseUrl,
      NODE_SECRET_FILE: join(n.dir, 'node.secret'),
      RATE_LIMIT_PER_SECOND: '0',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (n.child.exitCode !== null) throw new Error(`node ${n.name} exited (${n.child.exitCode})`);
    if (
      (await fetch(`${n.url}/health`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return;
    if (Date.now() > deadline) throw new Error(`node ${n.name} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(n: Node): Promise<void> {
  const child = n.child;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs `fn` on the node's database through the services and the ledger, as the admin CLI does. */
async function onDatabase<T>(n: Node, fn: (d: { ledger: SqlLedger; auth: SqlAuthStore; federation: SqlFederationStore }) => Promise<T>): Promise<T> {
  const db = await openDatabase(n.databaseUrl);
  try {
    return await fn({ ledger: new SqlLedger(db.writer), auth: new SqlAuthStore(db.reader), federation: new SqlFederationStore(db.reader) });
  } finally {
    await db.close();
  }
}

/** A partner at the node, with its private key. */
async function partnerOf(n: Node): Promise<{ id: string; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const view = await onDatabase(n, (d) =>
    createClient({ ...d, follower: NO_FOLLOWER, now: Date.now, newId: randomUUID }, 'bench', { role: 'partner', name: 'bench partner', jwk }),
  );
  return { id: view.id, jwk: { ...(await exportJWK(privateKey)), kid: view.keys[0].kid, alg: 'EdDSA' } };
}

/** `puller` pulls `server` every `intervalMs`: a peer client at the server by the puller's JWKS URL, the server a peer at the puller. */
async function peer(server: Node, puller: Node, intervalMs: number): Promise<string> {
  const client = await onDatabase(server, (d) =>
    createClient({ ...d, follower: NO_FOLLOWER, now: Date.now, newId: randomUUID }, 'bench', {
      role: 'peer',
      name: puller.name,
      jwksUrl: `${puller.url}/.well-known/jwks.json`,
    }),
  );
  const p = await onDatabase(puller, (d) =>
    addPeer({ ...d, follower: NO_FOLLOWER, now: Date.now, newId: randomUUID, issuer: puller.url }, 'bench', {
      url: server.url,
      clientId: client.id,
      intervalMs,
    }),
  );
  return p.id;
}

/** N PDQ hashes shared at the node, through the ledger, 1000 a commit. */
async function fill(n: Node, count: number, tag: string): Promise<void> {
  await onDatabase(n, async (d) => {
    for (let i = 0; i < count; i += 1000) {
      const items = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
        type: 'pdq' as const,
        value: hex(tag, i + k),
        labels: ['attack-footage'],
        externalId: null,
      }));
      await d.ledger.share({ at: Date.now(), contributor: 'bench-member', items });
    }
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)];

async function latency(shares: number): Promise<{ p50: number; p99: number; max: number }> {
  const [a, b] = [await newNode('a'), await newNode('b')];
  try {
    const [pa, pb] = [await partnerOf(a), await partnerOf(b)];
    await peer(a, b, 1000);
    await Promise.all([start(a), start(b)]);
    const ta = (await requestToken(a.url, pa.id, pa.jwk)).access_token;
    const tb = (await requestToken(b.url, pb.id, pb.jwk)).access_token;
    const post = (url: string, token: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const lags: number[] = [];
    for (let i = 0; i < shares; i++) {
      const value = hex('lag', i);
      const t0 = performance.now();
      const res = await post(`${a.url}/v1/hashes`, ta, { items: [{ type: 'pdq', value, labels: ['attack-footage'] }] });
      if (res.status !== 201) throw new Error(`share at A: ${res.status}`);
      for (;;) {
        const m = await (await post(`${b.url}/v1/match`, tb, { hashes: [{ type: 'pdq', value }], maxDistance: { pdq: 0 } })).json();
        if (m.results[0].matches.length) break;
        if (performance.now() - t0 > 30_000) throw new Error('B did not match within 30 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      lags.push(performance.now() - t0);
      // The next share at a random moment of B's interval, as shares arrive in life.
      await new Promise((r) => setTimeout(r, Math.random() * 200));
    }
    return { p50: pct(lags, 50), p99: pct(lags, 99), max: Math.max(...lags) };
  } finally {
    await Promise.all([stop(a), stop(b)]);
    for (const n of [a, b]) rmSync(n.dir, { recursive: true, force: true });
  }
}

export async function backlog(
  count: number,
): Promise<{ seconds: number; perSecond: number; rssMb: number; batches: number; cpuA: number; cpuB: number; load: [number, number] }> {
  const [a, b] = [await newNode('a'), await newNode('b')];
  try {
    await fill(a, count, 'backlog');
    const peerId = await peer(a, b, 1000);
    await start(a);
    // A node that has held its hashes for a while has signed a tree head over its audit log; one
    // filled a moment ago (one entry per hash) integrates it first, on the two cores the pull needs.
    await integrated(a);
    const cpuA0 = cpuSeconds(a.child?.pid);
    const load0 = loadAverage();
    const t0 = performance.now();
    await start(b); // it starts pulling at once
    let rssMb = 0;
    for (;;) {
      const pulled = await onDatabaseRead(b, peerId);
      rssMb = Math.max(rssMb, peakRssMb(b.child?.pid));
      if (pulled.items >= count) {
        const seconds = (performance.now() - t0) / 1000;
        const cpuA = cpuSeconds(a.child?.pid) - cpuA0;
        return { seconds, perSecond: count / seconds, rssMb, batches: pulled.batches, cpuA, cpuB: cpuSeconds(b.child?.pid), load: [load0, loadAverage()] };
      }
      if (performance.now() - t0 > 1_800_000) throw new Error(`B pulled ${pulled.items} of ${count} in 30 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await Promise.all([stop(a), stop(b)]);
    for (const n of [a, b]) rmSync(n.dir, { recursive: true, force: true });
  }
}

/** Waits until the node's latest tree head covers its whole audit log (read with a plain connection). */
async function integrated(n: Node): Promise<void> {
  const { createClient: libsql } = await import('@libsql/client');
  const c = libsql({ url: n.databaseUrl });
  try {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const r = await c.execute('select (select count(*) from audit_log) as entries, (select coalesce(max(tree_size), 0) from tree_heads) as size');
      if (Number(r.rows[0].size) >= Number(r.rows[0].entries)) return;
      if (Date.now() > deadline) throw new Error(`node ${n.name} did not integrate its audit log in 10 minutes`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    c.close();
  }
}

/** How far B has pulled: items applied and batches (read with a plain connection while B runs). */
async function onDatabaseRead(n: Node, peerId: string): Promise<{ items: number; batches: number }> {
  const { createClient: libsql } = await import('@libsql/client');
  const c = libsql({ url: n.databaseUrl });
  try {
    const [p, e] = await Promise.all([
      c.execute({ sql: 'select pulled_items from peers where id = ?', args: [peerId] }),
      c.execute("select count(*) as n from audit_log where action = 'federation.pull'"),
    ]);
    return { items: Number(p.rows[0]?.pulled_items ?? 0), batches: Number(e.rows[0]?.n ?? 0) };
  } finally {
    c.close();
  }
}

/**
 * CPU time the process has used, every thread (user + system, from /proc): unlike the wall time,
 * it hardly moves with the other work on the machine.
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ticks = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** The machine's load average over the last minute (/proc/loadavg): how much other work shared the cores. */
function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** The process's peak resident set (VmHWM), MB. */
function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function verifyCost(rounds: number): Promise<{ signMs: number; verifyMs: number; bytes: number }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const origin = 'https://a.example';
  const jwks = new RemoteJwks({ fetch: async () => Response.json({ keys: [{ ...pub, kid, alg: 'EdDSA' }] }), now: Date.now });
  const items = Array.from({ length: 1000 }, (_, i) =>
    toBatchItem({ kind: 'add', type: 'pdq', value: hex('cost', i), labels: ['attack-footage', 'glorification'], contributors: 2, externalId: `case-${i}` }),
  );
  const payload = new TextEncoder().encode(JSON.stringify({ origin, from: 'c0', to: 'c1', issuedAt: new Date().toISOString(), items }));
  let jws = '';
  let t = performance.now();
  for (let i = 0; i < rounds; i++) jws = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'hash-batch+jws', kid }).sign(privateKey);
  const signMs = (performance.now() - t) / rounds;
  await verifyBatch(jws, { origin, from: 'c0', jwksUrl: 'https://a.example/jwks' }, jwks); // the JWKS fetched once
  t = performance.now();
  for (let i = 0; i < rounds; i++) {
    const r = await verifyBatch(jws, { origin, from: 'c0', jwksUrl: 'https://a.example/jwks' }, jwks);
    if (!r.ok) throw new Error(r.problem);
  }
  return { signMs, verifyMs: (performance.now() - t) / rounds, bytes: jws.length };
}

/** Items B asks for per batch: FEDERATION_BATCH (the nodes get this process's environment) or the puller's default. */
const batchLimit = () => Number(process.env.FEDERATION_BATCH ?? DEFAULT_PULLER.batchLimit);

export async function run(opts: { quick: boolean; sizes?: number[] }): Promise<BenchTable> {
  await buildNode();
  const shares = opts.quick ? 30 : 200;
  const sizes = opts.sizes ?? [opts.quick ? 20_000 : 100_000];
  const say = (line: string) => process.stderr.write(`federation bench: ${line}\n`);
  const parts = new Set((process.env.BENCH_FEDERATION_PARTS ?? 'latency,backlog,cost').split(','));
  const rows: (string | number)[][] = [];
  if (parts.has('latency')) {
    say(`${shares} shares at A, timed until B matches them`);
    const lag = await latency(shares);
    rows.push([
      `share at A -> matchable at B, pull interval 1 s (${shares} shares)`,
      `p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms, max ${lag.max.toFixed(0)} ms`,
    ]);
  }
  for (const n of parts.has('backlog') ? sizes : []) {
    say(`a backlog of ${n} hashes at A, pulled by B from a cold start`);
    const b = await backlog(n);
    rows.push([
      `backlog of ${n.toLocaleString('en')} hashes pulled from a cold start (${b.batches} batches of ${batchLimit().toLocaleString('en')})`,
      `${b.seconds.toFixed(1)} s, ${Math.round(b.perSecond).toLocaleString('en')} hashes/s, B's peak RSS ${b.rssMb.toFixed(0)} MB; CPU A ${b.cpuA.toFixed(1)} s, B ${b.cpuB.toFixed(1)} s; load average ${b.load[0].toFixed(1)} -> ${b.load[1].toFixed(1)}`,
    ]);
  }
  if (parts.has('cost')) {
    say('the cost of signing and verifying one batch');
    const cost = await verifyCost(opts.quick ? 20 : 100);
    rows.push([
      `one batch of 1000 PDQ items (${(cost.bytes / 1024).toFixed(0)} KiB JWS): sign at A / verify signature and payload at B`,
      `${cost.signMs.toFixed(2)} ms / ${cost.verifyMs.toFixed(2)} ms`,
    ]);
  }
  return {
    title: 'Federation (two node processes on loopback)',
    columns: ['what', 'figure'],
    rows,
    notes: [
      'Each node is the production build (dist/main.node.js) on its own SQLite file; B pulls A with its node key (a peer client at A by JWKS URL), verifies each batch and applies it in one commit.',
      "Latency: from sending the share to A until B's POST /v1/match finds the hash (B polls every 5 ms); the next share after a random pause of up to 200 ms.",
      "Backlog: A's hashes shared through its ledger before B starts (and A's tree head signed over them); from B's start (port, database, index) until B's peer row counts every item applied. RSS: VmHWM of B's process. CPU: every thread's user + system time over the same span (B's from its start), from /proc. Load average: the machine's one-minute figure at B's start and when B has them all.",
      'Batch cost: in process, one core; the verify figure includes parsing and checking every item (core/federation checkBatchPayload).',
    ],
  };
}
